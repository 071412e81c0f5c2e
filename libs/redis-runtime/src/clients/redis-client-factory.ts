import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { loginOfWorkload, parseSeeds, type RedisWorkloadConfig } from './redis-config';

export type RedisClient = Redis | Cluster;

/**
 * The longest wait between reconnect attempts. A service must be back within 2 s of Redis's return (issue 14's
 * fault campaign); with a 2 s cap the attempt after the return could come up to 2 s later, plus the connect.
 */
export const RECONNECT_DELAY_CAP_MS = 1000;

/** Reconnect delay: exponential from 50 ms, capped, with jitter so a fleet does not reconnect in step. */
export function reconnectDelayMs(attempt: number): number {
  const base = Math.min(RECONNECT_DELAY_CAP_MS, 50 * 2 ** Math.min(attempt, 6));
  return Math.round(base / 2 + Math.random() * (base / 2));
}

function nodeOptions(config: RedisWorkloadConfig, name: string): RedisOptions {
  const { username, password, tls } = loginOfWorkload(config);
  return {
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    // verified against the configured CA, else Node's default store; never without verification
    ...(tls ? { tls: config.tlsCa !== undefined ? { ca: config.tlsCa } : {} } : {}),
    connectionName: name,
    connectTimeout: config.connectTimeoutMs,
    // No ioredis commandTimeout here: it arms a timer per command; RedisConnection sweeps deadlines instead.
    // Without the offline queue a command to a down Redis fails at once instead of waiting for a reconnect:
    // the caller's fallback then runs within its budget.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: reconnectDelayMs,
    lazyConnect: true,
  };
}

/**
 * Creates the client of one workload, standalone or Cluster. Not connected yet: call `connectClient`, which
 * does not throw when Redis is down (the client keeps reconnecting in the background).
 */
export function createRedisClient(config: RedisWorkloadConfig, name: string): RedisClient {
  if (!config.cluster) {
    const url = new URL(config.url);
    const db = url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0;
    return new Redis({
      ...nodeOptions(config, name),
      host: url.hostname,
      port: Number(url.port || 6379),
      db,
    });
  }
  const {
    enableOfflineQueue: _nodeQueue,
    retryStrategy: _nodeRetry,
    ...nodeRedisOptions
  } = nodeOptions(config, name);
  // ioredis' per-command timer on every node (`RedisConnection.open` passes the workload's budget when unset)
  const redisOptions = {
    ...nodeRedisOptions,
    ...(config.commandTimeoutMs !== undefined ? { commandTimeout: config.commandTimeoutMs } : {}),
  };
  const options: ClusterOptions = {
    enableOfflineQueue: false,
    lazyConnect: true,
    clusterRetryStrategy: reconnectDelayMs,
    slotsRefreshTimeout: Math.max(config.connectTimeoutMs, 1000),
    redisOptions,
  };
  return new Cluster(parseSeeds(config), options);
}

/** Connects, bounded by the connect timeout. Returns false (and keeps reconnecting) when Redis is unreachable. */
export async function connectClient(client: RedisClient, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.status === 'wait' ? client.connect() : waitForReady(client),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('connect timeout')), timeoutMs * 4);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function waitForReady(client: RedisClient): Promise<void> {
  return new Promise((resolve) => client.once('ready', () => resolve()));
}

/** Clean shutdown: QUIT when connected (bounded), otherwise drop the socket and stop reconnecting. */
export async function closeClient(client: RedisClient, timeoutMs = 1000): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.quit(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    } catch {
      // fall through to disconnect
    } finally {
      clearTimeout(timer);
    }
  }
  client.disconnect(false);
}
