// The three Redis workloads on private redis-servers with the contract's policies (cache allkeys-lru; rate
// noeviction; session noeviction with AOF), for runs that kill, pause or census them without touching the shared
// servers (the soak, the fault campaign). Optionally each behind a TCP proxy of its own: the services then reach
// it through the proxy (latency, blackhole), while the test still talks to the server directly.
import { startRedisProcess, type RedisProcess } from './redis-process';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

export const REDIS_WORKLOADS = ['cache', 'rate', 'session'] as const;
export type RedisWorkload = (typeof REDIS_WORKLOADS)[number];

export const REDIS_POLICIES: Record<RedisWorkload, readonly string[]> = {
  cache: ['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no'],
  rate: ['--maxmemory-policy', 'noeviction', '--appendonly', 'no'],
  session: ['--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--appendfsync', 'everysec'],
};

export interface PrivateRedis {
  readonly server: RedisProcess;
  /** Set when started with `proxied`. */
  readonly proxy: TcpProxy | undefined;
  /** What the services are given: the proxy's URL when proxied, else the server's. */
  readonly serviceUrl: string;
}

export interface PrivateRedises {
  readonly workloads: Record<RedisWorkload, PrivateRedis>;
  /** `REDIS_CACHE_URL`, `REDIS_RATE_URL`, `REDIS_SESSION_URL` for the services. */
  readonly env: { REDIS_CACHE_URL: string; REDIS_RATE_URL: string; REDIS_SESSION_URL: string };
  /** Stops the proxies and the servers; never throws. */
  stop(): Promise<void>;
}

export async function startPrivateRedises(options: {
  maxmemory: string;
  proxied?: boolean;
}): Promise<PrivateRedises> {
  const started = await Promise.all(
    REDIS_WORKLOADS.map(async (workload): Promise<PrivateRedis> => {
      const server = await startRedisProcess({
        args: ['--maxmemory', options.maxmemory, ...REDIS_POLICIES[workload]],
      });
      const proxy = options.proxied ? await startTcpProxy(server.port) : undefined;
      return { server, proxy, serviceUrl: proxy?.url ?? server.url };
    }),
  );
  const [cache, rate, session] = started as [PrivateRedis, PrivateRedis, PrivateRedis];
  return {
    workloads: { cache, rate, session },
    env: {
      REDIS_CACHE_URL: cache.serviceUrl,
      REDIS_RATE_URL: rate.serviceUrl,
      REDIS_SESSION_URL: session.serviceUrl,
    },
    stop: async () => {
      for (const { server, proxy } of started) {
        await proxy?.close().catch(() => undefined);
        await server.stop().catch(() => undefined);
      }
    },
  };
}
