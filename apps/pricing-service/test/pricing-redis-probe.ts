import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

/** Commands the probe itself sends (and ioredis' connect handshake): never the service's traffic. */
const PROBE_COMMANDS = new Set([
  'info',
  'config|resetstat',
  'client|pause',
  'client|unpause',
  'client|setname',
  'client|setinfo',
  'monitor',
  'ping',
  'select',
  'hello',
]);

/** One command seen by MONITOR: server time (ms, same host clock as Date.now()) and local receipt time. */
export interface MonitoredCommand {
  name: string;
  args: string[];
  serverMs: number;
  seenAt: number;
}

/**
 * An admin view of a private redis-server: command counters (`INFO commandstats` after `CONFIG RESETSTAT`) and a
 * MONITOR feed on its own connection. Closed after the test file.
 */
export class RedisProbe {
  readonly admin: Redis;
  private monitor: Redis | undefined;
  /** Commands clients sent (MONITOR), in execution order. */
  readonly seen: MonitoredCommand[] = [];
  /** Commands that scripts ran (MONITOR source `lua`): commandstats counts them too. */
  readonly scripted: MonitoredCommand[] = [];

  private constructor(readonly url: string) {
    this.admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    this.admin.on('error', () => undefined);
  }

  static async open(url: string): Promise<RedisProbe> {
    const probe = new RedisProbe(url);
    await probe.admin.connect();
    const monitor = await probe.admin.monitor();
    monitor.on('error', () => undefined);
    monitor.on('monitor', (time: string, args: string[], source: string) => {
      const name = String(args[0]).toLowerCase();
      if (PROBE_COMMANDS.has(name) || name === 'config' || name === 'client') return;
      const command = { name, args: args.slice(1), serverMs: Number(time) * 1000, seenAt: Date.now() };
      (source === 'lua' ? probe.scripted : probe.seen).push(command);
    });
    probe.monitor = monitor;
    afterAll(() => probe.close());
    return probe;
  }

  /** Zeroes the server's command counters and forgets what MONITOR saw so far. */
  async reset(): Promise<void> {
    await this.admin.config('RESETSTAT');
    // MONITOR lines of commands executed before the reset may still be in flight: a PING round trip on the
    // admin connection comes back after them only for this connection, so wait a little instead.
    await new Promise((r) => setTimeout(r, 30));
    this.seen.length = 0;
    this.scripted.length = 0;
  }

  /** Calls per command since the last reset, without the probe's own commands. */
  async commandCalls(): Promise<Record<string, number>> {
    const info = await this.admin.info('commandstats');
    const calls: Record<string, number> = {};
    for (const line of info.split(/\r?\n/)) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
      if (!match) continue;
      const name = match[1]!.toLowerCase();
      if (PROBE_COMMANDS.has(name)) continue;
      const n = Number(match[2]);
      if (n > 0) calls[name] = n;
    }
    return calls;
  }

  /**
   * Commands clients sent since the last reset, per command: `INFO commandstats` minus what scripts ran. Waits
   * until the MONITOR feed accounts for every counted call (both views must agree), else throws.
   */
  async clientCalls(timeoutMs = 2000): Promise<Record<string, number>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = await this.commandCalls();
      const client = tally(this.seen);
      const total = tally([...this.seen, ...this.scripted]);
      if (sameCounts(stats, total)) return client;
      if (Date.now() > deadline) {
        throw new Error(
          `commandstats ${JSON.stringify(stats)} and MONITOR ${JSON.stringify(total)} disagree on ${this.url}`,
        );
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Resolves with the first monitored command matching `name` (already seen or arriving within `timeoutMs`). */
  async waitFor(name: string, timeoutMs: number): Promise<MonitoredCommand | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.seen.find((c) => c.name === name);
      if (hit || Date.now() > deadline) return hit;
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  async close(): Promise<void> {
    this.monitor?.disconnect();
    this.admin.disconnect();
  }
}

function tally(commands: readonly MonitoredCommand[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const c of commands) counts[c.name] = (counts[c.name] ?? 0) + 1;
  return counts;
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if ((a[k] ?? 0) !== (b[k] ?? 0)) return false;
  return true;
}
