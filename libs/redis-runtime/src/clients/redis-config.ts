import { z } from 'zod';
import { RedisConfigError } from '../errors';
import type { Workload } from '../keys/key-family';
import { readTlsCaFile } from './redis-tls';

/**
 * Timeout budget per workload (reference timeout table): a cache GET/SET gets 5-20 ms, a rate-limit script or a
 * lease 10-30 ms. Connecting gets longer, but never so long that a dead Redis holds a request hostage. A key
 * family's commands get the family's own declared budget (`KeyFamily.timeoutMs`); these apply to the rest.
 */
export const DEFAULT_TIMEOUTS: Record<Workload, { connectTimeoutMs: number; commandTimeoutMs: number }> = {
  cache: { connectTimeoutMs: 500, commandTimeoutMs: 20 },
  rate: { connectTimeoutMs: 500, commandTimeoutMs: 30 },
  session: { connectTimeoutMs: 500, commandTimeoutMs: 30 },
};

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'expected host:port');

export const redisWorkloadConfigSchema = z.object({
  /**
   * `redis[s]://[user:password@]host:port[/db]`, or with cluster on, comma-separated seeds, each `host:port` or a
   * `redis[s]://[user:password@]host:port` URL.
   */
  url: z.string().min(1),
  cluster: z.boolean(),
  connectTimeoutMs: z.number().int().positive(),
  /**
   * One budget for every command of the workload, overriding the key families' declared ones (tests, a slow
   * network). Absent: each family's `timeoutMs`, and `DEFAULT_TIMEOUTS` for commands outside a family.
   */
  commandTimeoutMs: z.number().int().positive().optional(),
  /** When coalesced writes leave (see `WriteFlush`); absent: the connection's default. */
  writeFlush: z.enum(['tick', 'turn']).optional(),
  /** PEM CA bundle a `rediss://` server's certificate must chain to; absent: Node's default store. */
  tlsCa: z.string().min(1).optional(),
});
export type RedisWorkloadConfig = z.infer<typeof redisWorkloadConfigSchema>;

export type RedisRuntimeConfig = Record<Workload, RedisWorkloadConfig>;

const envSchema = z.object({
  REDIS_CACHE_URL: z.string().min(1).default('redis://127.0.0.1:6379'),
  REDIS_RATE_URL: z.string().min(1).default('redis://127.0.0.1:6380'),
  REDIS_SESSION_URL: z.string().min(1).default('redis://127.0.0.1:6381'),
  REDIS_CLUSTER: z.enum(['true', 'false']).default('false'),
  REDIS_CONNECT_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  REDIS_CACHE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  REDIS_RATE_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  REDIS_SESSION_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  /** Services batch the commands of every request of one event-loop turn into one write per connection. */
  REDIS_WRITE_FLUSH: z.enum(['tick', 'turn']).default('turn'),
  /** CA bundle (PEM file) that every workload's `rediss://` server is verified against; requires `rediss://`. */
  REDIS_TLS_CA_FILE: z.string().min(1).optional(),
});

/** Reads the three workloads from the environment; an invalid value throws one line naming the variable. */
export function redisConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RedisRuntimeConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RedisConfigError(`invalid ${issue.path.join('.')}: ${issue.message}`, {
      variable: issue.path.join('.'),
    });
  }
  const e = parsed.data;
  const cluster = e.REDIS_CLUSTER === 'true';
  const tlsCa = e.REDIS_TLS_CA_FILE === undefined ? undefined : readTlsCaFile(e.REDIS_TLS_CA_FILE);
  const one = (
    workload: Workload,
    url: string,
    commandTimeoutMs: number | undefined,
  ): RedisWorkloadConfig => {
    const config: RedisWorkloadConfig = {
      url,
      cluster,
      connectTimeoutMs: e.REDIS_CONNECT_TIMEOUT_MS ?? DEFAULT_TIMEOUTS[workload].connectTimeoutMs,
      ...(commandTimeoutMs !== undefined ? { commandTimeoutMs } : {}),
      writeFlush: e.REDIS_WRITE_FLUSH,
    };
    parseSeeds(config);
    return withTlsCa(config, tlsCa, workload);
  };
  return {
    cache: one('cache', e.REDIS_CACHE_URL, e.REDIS_CACHE_TIMEOUT_MS),
    rate: one('rate', e.REDIS_RATE_URL, e.REDIS_RATE_TIMEOUT_MS),
    session: one('session', e.REDIS_SESSION_URL, e.REDIS_SESSION_TIMEOUT_MS),
  };
}

/**
 * A CA file means the operator expects TLS: a workload that would still connect in plain text (`redis://`) is a
 * configuration error, not a silent downgrade.
 */
function withTlsCa(
  config: RedisWorkloadConfig,
  tlsCa: string | undefined,
  workload: Workload,
): RedisWorkloadConfig {
  if (tlsCa === undefined) return config;
  if (!loginOfWorkload(config).tls) {
    throw new RedisConfigError(
      `invalid REDIS_${workload.toUpperCase()}_URL: REDIS_TLS_CA_FILE is set, so it must be rediss://: ${redactRedisUrl(config.url)}`,
      { variable: `REDIS_${workload.toUpperCase()}_URL` },
    );
  }
  return { ...config, tlsCa };
}

/** How a workload logs in: an ACL user (`redis://user:password@host`) or the `default` user, TLS for `rediss://`. */
export interface RedisLogin {
  username?: string;
  password?: string;
  tls: boolean;
}

/** A Redis URL fit for a log line or an error: the password replaced by `***`. */
export function redactRedisUrl(url: string): string {
  return url.replace(/(\/\/[^:@/\s]*:)[^@/\s]*@/g, '$1***@');
}

function parseUrl(text: string): URL {
  const url = new URL(text);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error('protocol');
  return url;
}

function loginOf(url: URL): RedisLogin {
  return {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    tls: url.protocol === 'rediss:',
  };
}

/**
 * The workload's login. A Cluster's seeds share one: the first seed that names a user or a password gives it
 * (ACL users must exist on every node), and any `rediss://` seed turns TLS on for all of them.
 */
export function loginOfWorkload(config: RedisWorkloadConfig): RedisLogin {
  if (!config.cluster) return loginOf(parseUrl(config.url));
  const logins = config.url
    .split(',')
    .map((seed) => seed.trim())
    .filter((seed) => /^rediss?:\/\//.test(seed))
    .map((seed) => loginOf(parseUrl(seed)));
  const withUser = logins.find((login) => login.username !== undefined || login.password !== undefined);
  return { ...withUser, tls: logins.some((login) => login.tls) };
}

/** Cluster seeds of a workload's URL, validated. */
export function parseSeeds(config: RedisWorkloadConfig): { host: string; port: number }[] {
  if (!config.cluster) {
    try {
      const url = parseUrl(config.url);
      return [{ host: url.hostname, port: Number(url.port || 6379) }];
    } catch {
      throw new RedisConfigError(
        `invalid Redis URL (expected redis://[user:password@]host:port): ${redactRedisUrl(config.url)}`,
        {},
      );
    }
  }
  return config.url.split(',').map((seed) => {
    const trimmed = seed.trim();
    try {
      if (/^rediss?:\/\//.test(trimmed)) {
        const url = parseUrl(trimmed);
        if (!url.port) throw new Error('port');
        return { host: url.hostname, port: Number(url.port) };
      }
      if (!hostPort.safeParse(trimmed).success) throw new Error('host:port');
      const [host, port] = trimmed.split(':') as [string, string];
      return { host, port: Number(port) };
    } catch {
      throw new RedisConfigError(
        `invalid Redis Cluster seed (expected host:port or redis://[user:password@]host:port): ${redactRedisUrl(trimmed)}`,
        {},
      );
    }
  });
}
