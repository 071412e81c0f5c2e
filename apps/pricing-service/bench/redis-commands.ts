// Redis commands per request from the servers' own counters: `INFO commandstats` before and after a measured run,
// the difference (never `CONFIG RESETSTAT`: the servers are shared). Redis counts the commands a Lua script runs
// (`redis.call`) under their own names as well; those are reported apart, so "client commands" are what the
// clients sent. On a shared server the difference also holds other clients' commands of that time.
import type Redis from 'ioredis';

export type CommandCounts = Map<string, number>;

/** Our own measurement commands, never counted. */
const OWN = new Set(['info']);

export async function commandStats(redis: Redis): Promise<CommandCounts> {
  const info = await redis.info('commandstats');
  const counts: CommandCounts = new Map();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!OWN.has(match[1]!)) counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}

/** Every command name any of `luaSources` runs through `redis.call`/`redis.pcall`, lower case. */
export function luaCommandNames(luaSources: Iterable<string>): Set<string> {
  const names = new Set<string>();
  for (const lua of luaSources) {
    for (const m of lua.matchAll(/redis\.p?call\(\s*['"]([A-Za-z]+)['"]/g)) names.add(m[1]!.toLowerCase());
  }
  return names;
}

export interface CommandSplit {
  /** Commands the clients sent (EVALSHA counts once). */
  client: number;
  /** Commands run inside scripts. */
  lua: number;
  /** Client commands by name. */
  byName: CommandCounts;
}

/**
 * Splits a server's counts: when scripts ran there (EVALSHA/EVAL calls), the calls of commands the scripts use
 * are attributed to the scripts. Exact as long as no client sends those commands itself to that server, which
 * holds for the rate server (the limiter talks to it only through scripts).
 */
export function splitCommands(counts: CommandCounts, luaNames: Set<string>): CommandSplit {
  const scripted = (counts.get('evalsha') ?? 0) + (counts.get('eval') ?? 0) > 0;
  const byName: CommandCounts = new Map();
  let client = 0;
  let lua = 0;
  for (const [name, calls] of counts) {
    if (scripted && luaNames.has(name)) lua += calls;
    else {
      client += calls;
      byName.set(name, calls);
    }
  }
  return { client, lua, byName };
}

/** `after` minus `before`, per command (commands not seen before count from zero). */
export function subtractCounts(after: CommandCounts, before: CommandCounts): CommandCounts {
  const out: CommandCounts = new Map();
  for (const [name, calls] of after) {
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) out.set(name, delta);
  }
  return out;
}

export function addCounts(into: CommandCounts, from: CommandCounts): void {
  for (const [name, calls] of from) into.set(name, (into.get(name) ?? 0) + calls);
}
