import { Cluster, Command, type Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RedisConnection } from '../clients/redis-connection';
import type { Workload } from '../keys/key-family';
import { TIMED_OUT, withSoftTimeout } from '../util/with-timeout';
import { parseRedisInfo, sumRedisInfo, type RedisServerInfo } from './redis-server-info';

export interface RedisServerStatsOptions {
  registry: Registry;
  /** @default 'redis_runtime_' */
  prefix?: string;
  /** A scrape within this long of the last one reuses its INFO replies. @default 2000 */
  maxAgeMs?: number;
  /** A server that has not answered INFO by then is reported down for this scrape. @default 500 */
  timeoutMs?: number;
}

type Snapshot = ReadonlyMap<Workload, RedisServerInfo | undefined>;
type Labels = Record<string, string>;

/**
 * The servers behind each workload, on `/metrics`: reachable or not, memory used against `maxmemory`, evicted and
 * expired keys, connected clients, and the eviction policy (a rate or session workload must say `noeviction`).
 * Read with `INFO` when Prometheus scrapes, never on a request path; a Cluster's masters are added up. A server
 * that does not answer within `timeoutMs` shows `up 0` and no other series, and the scrape still succeeds.
 */
export class RedisServerStats {
  private snapshot: Promise<Snapshot> | undefined;
  private takenAt = -Infinity;
  private readonly maxAgeMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly connections: Readonly<Record<Workload, RedisConnection>>,
    options: RedisServerStatsOptions,
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 500;
    const p = options.prefix ?? 'redis_runtime_';
    const read = (): Promise<Snapshot> => this.read();
    /** One series per workload (or none), from the shared INFO snapshot, each time Prometheus scrapes. */
    const mirror = (
      kind: 'gauge' | 'counter',
      name: string,
      help: string,
      sample: (workload: Workload, info: RedisServerInfo | undefined) => [Labels, number] | undefined,
      labelNames: string[] = ['workload'],
    ) => {
      const samples = async () => {
        const values: [Labels, number][] = [];
        for (const [workload, info] of await read()) {
          const value = sample(workload, info);
          if (value) values.push(value);
        }
        return values;
      };
      const config = { name: `${p}server_${name}`, help, labelNames, registers: [options.registry] };
      if (kind === 'counter')
        new Counter({
          ...config,
          async collect() {
            const values = await samples();
            this.reset();
            for (const [labels, value] of values) this.inc(labels, value);
          },
        });
      else
        new Gauge({
          ...config,
          async collect() {
            const values = await samples();
            this.reset();
            for (const [labels, value] of values) this.set(labels, value);
          },
        });
    };
    const ofServer =
      (value: (info: RedisServerInfo) => number) =>
      (workload: Workload, info: RedisServerInfo | undefined): [Labels, number] | undefined =>
        info ? [{ workload }, value(info)] : undefined;

    mirror(
      'gauge',
      'up',
      'Whether the workload’s Redis answered INFO within the scrape budget (1) or not (0)',
      (w, i) => [{ workload: w }, i ? 1 : 0],
    );
    mirror(
      'gauge',
      'used_memory_bytes',
      'Memory the workload’s Redis uses (used_memory)',
      ofServer((i) => i.usedMemoryBytes),
    );
    mirror(
      'gauge',
      'maxmemory_bytes',
      'Its maxmemory (0 = no limit)',
      ofServer((i) => i.maxMemoryBytes),
    );
    mirror(
      'gauge',
      'connected_clients',
      'Clients connected to it',
      ofServer((i) => i.connectedClients),
    );
    // The server's own cumulative counters, mirrored: they reset when the server restarts, as counters may.
    mirror(
      'counter',
      'evicted_keys_total',
      'Keys it evicted under maxmemory since it started',
      ofServer((i) => i.evictedKeys),
    );
    mirror(
      'counter',
      'expired_keys_total',
      'Keys it expired since it started',
      ofServer((i) => i.expiredKeys),
    );
    mirror(
      'gauge',
      'info',
      'Always 1; the eviction policy and version of the workload’s Redis as labels',
      (workload, info) =>
        info ? [{ workload, maxmemory_policy: info.maxMemoryPolicy, version: info.version }, 1] : undefined,
      ['workload', 'maxmemory_policy', 'version'],
    );
  }

  /** One INFO round for every workload, shared by all the series of a scrape. */
  read(): Promise<Snapshot> {
    const now = performance.now();
    if (this.snapshot && now - this.takenAt < this.maxAgeMs) return this.snapshot;
    this.takenAt = now;
    this.snapshot = Promise.all(
      Object.entries(this.connections).map(
        async ([workload, connection]) => [workload as Workload, await this.info(connection)] as const,
      ),
    ).then((entries) => new Map(entries));
    return this.snapshot;
  }

  /**
   * INFO with the scrape's budget, not the command budget of the connection it shares (20-30 ms, which a server
   * pausing briefly for a fork or a slow command exceeds without being down).
   */
  private async info(connection: RedisConnection): Promise<RedisServerInfo | undefined> {
    const client = connection.client;
    const replies =
      client instanceof Cluster
        ? Promise.all(client.nodes('master').map((node) => infoWithin(node, this.timeoutMs)))
        : connection
            .observe('info', undefined, (c) => (c as Redis).info(), { timeoutMs: this.timeoutMs })
            .then((text) => [text]);
    try {
      const texts = await withSoftTimeout(replies, this.timeoutMs);
      return texts === TIMED_OUT ? undefined : sumRedisInfo(texts.map(parseRedisInfo));
    } catch {
      return undefined;
    }
  }
}

/**
 * INFO on one Cluster node. Its client arms ioredis' per-command timer with the workload's budget; a command
 * whose timer is already armed keeps it, so this one gets the scrape's.
 */
function infoWithin(node: Redis, timeoutMs: number): Promise<string> {
  const command = new Command('info', [], { replyEncoding: 'utf8' });
  command.setTimeout(timeoutMs);
  return node.sendCommand(command) as Promise<string>;
}
