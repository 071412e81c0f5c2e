import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One Lua script: a file `<name>-<numberOfKeys>.lua`, or `<name>-n.lua` when the caller passes the key count. */
export interface ScriptDefinition {
  readonly name: string;
  /** `undefined` for variadic scripts (`-n`). */
  readonly numberOfKeys: number | undefined;
  readonly lua: string;
  /** SHA-1 of the script body: what EVALSHA names, so each version of a script is its own entry on the server. */
  readonly sha: string;
  /** Command label in metrics: `script:<name>`. */
  readonly metricName: string;
}

const SCRIPT_FILE = /^([a-z][A-Za-z0-9]*)-(\d+|n)\.lua$/;
const INCLUDE_LINE = /^--\s*@include\s+"([A-Za-z0-9_-]+)"\s*$/gm;

function withIncludes(lua: string, includesDir: string, seen: Set<string> = new Set()): string {
  return lua.replace(INCLUDE_LINE, (_line, name: string) => {
    if (seen.has(name)) return '';
    seen.add(name);
    return withIncludes(readFileSync(join(includesDir, `${name}.lua`), 'utf8'), includesDir, seen);
  });
}

/** Reads every script of a folder once, resolving `-- @include "name"` lines from its `includes/` subfolder. */
export function loadScriptDefinitions(dir: string): ReadonlyMap<string, ScriptDefinition> {
  const scripts = new Map<string, ScriptDefinition>();
  for (const file of readdirSync(dir).sort()) {
    const match = SCRIPT_FILE.exec(file);
    if (!match) continue;
    const [, name, keys] = match as unknown as [string, string, string];
    const lua = withIncludes(readFileSync(join(dir, file), 'utf8'), join(dir, 'includes'));
    const sha = createHash('sha1').update(lua).digest('hex');
    scripts.set(name, {
      name,
      numberOfKeys: keys === 'n' ? undefined : Number(keys),
      lua,
      sha,
      metricName: `script:${name}`,
    });
  }
  return scripts;
}

/** The library's own scripts, loaded once per process. */
export const RUNTIME_SCRIPTS = loadScriptDefinitions(__dirname);
