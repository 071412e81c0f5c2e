import type { Workload } from './keys/key-family';
import { KeyFactory } from './keys/key-factory';
import type { KeyFamilyRegistry } from './keys/key-family-registry';
import { platformKeyFamilyRegistry } from './keys/platform-key-families';
import { RedisConnection } from './clients/redis-connection';
import type { RedisRuntimeConfig } from './clients/redis-config';
import { RedisServerStats } from './observability/redis-server-stats';
import { RuntimeMetrics } from './observability/runtime-metrics';
import { silentLogger, type RuntimeLogger } from './observability/runtime-logger';

/** Logs a workload's connection errors at most once per 10 s (a down Redis refuses every reconnect attempt). */
function connectionErrorLogger(logger: RuntimeLogger, workload: Workload): (error: Error) => void {
  let lastAt = -Infinity;
  return (error) => {
    const now = Date.now();
    if (now - lastAt < 10_000) return;
    lastAt = now;
    logger.warn(
      { workload, err: error.message },
      'Redis connection error; commands fall back until it reconnects',
    );
  };
}

export interface RedisRuntimeOptions {
  config: RedisRuntimeConfig;
  /** The `<env>` key segment (`APP_ENV`). @default 'dev' */
  env?: string;
  /** @default the platform registry */
  registry?: KeyFamilyRegistry;
  /** @default new RuntimeMetrics() with its own prom-client Registry */
  metrics?: RuntimeMetrics;
  /** @default silent */
  logger?: RuntimeLogger;
  /** Connection name prefix shown in CLIENT LIST. @default 'cpq' */
  name?: string;
}

/**
 * The three workload connections, the key factory and the shared metrics and logger: what a service builds
 * once at start-up and hands to the runtime components it uses.
 */
export class RedisRuntime {
  private constructor(
    readonly connections: Record<Workload, RedisConnection>,
    readonly keys: KeyFactory,
    readonly metrics: RuntimeMetrics,
    readonly logger: RuntimeLogger,
  ) {}

  static async open(options: RedisRuntimeOptions): Promise<RedisRuntime> {
    const metrics = options.metrics ?? new RuntimeMetrics();
    const name = options.name ?? 'cpq';
    const logger = options.logger ?? silentLogger;
    const [cache, rate, session] = await Promise.all(
      (['cache', 'rate', 'session'] as const).map((w) =>
        RedisConnection.open(w, options.config[w], metrics, `${name}-${w}`, connectionErrorLogger(logger, w)),
      ),
    );
    const keys = new KeyFactory(options.registry ?? platformKeyFamilyRegistry(), options.env ?? 'dev');
    const connections = { cache: cache!, rate: rate!, session: session! };
    // One set of server gauges per metrics registry (two runtimes on one registry share the first one's).
    if (!metrics.registry.getSingleMetric('redis_runtime_server_up')) {
      new RedisServerStats(connections, { registry: metrics.registry });
    }
    return new RedisRuntime(connections, keys, metrics, options.logger ?? silentLogger);
  }

  connection(workload: Workload): RedisConnection {
    return this.connections[workload];
  }

  /** Health per workload: `up` when the client is connected and answers PING within its budget. */
  async health(): Promise<Record<Workload, 'up' | 'down'>> {
    const entries = await Promise.all(
      Object.entries(this.connections).map(async ([workload, connection]) => {
        try {
          await connection.observe('ping', undefined, (c) => c.ping());
          return [workload, 'up'] as const;
        } catch {
          return [workload, 'down'] as const;
        }
      }),
    );
    return Object.fromEntries(entries) as Record<Workload, 'up' | 'down'>;
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.connections).map((c) => c.close()));
  }
}
