import { describe, expect, it } from 'vitest';
import { RedisConfigError } from '../errors';
import { DEFAULT_TIMEOUTS, parseSeeds, redisConfigFromEnv } from './redis-config';

describe('redisConfigFromEnv', () => {
  it('defaults to the three local workloads with the reference timeout budget', () => {
    const config = redisConfigFromEnv({});
    expect(config.cache).toEqual({
      url: 'redis://127.0.0.1:6379',
      cluster: false,
      ...DEFAULT_TIMEOUTS.cache,
      writeFlush: 'turn',
    });
    expect(config.rate.url).toBe('redis://127.0.0.1:6380');
    expect(config.session.url).toBe('redis://127.0.0.1:6381');
    expect(config.cache.commandTimeoutMs).toBeLessThanOrEqual(20);
    expect(config.rate.commandTimeoutMs).toBeLessThanOrEqual(30);
  });

  it('reads REDIS_WRITE_FLUSH and rejects other values, naming the variable', () => {
    expect(redisConfigFromEnv({ REDIS_WRITE_FLUSH: 'tick' }).rate.writeFlush).toBe('tick');
    expect(() => redisConfigFromEnv({ REDIS_WRITE_FLUSH: 'never' })).toThrow(/REDIS_WRITE_FLUSH/);
  });

  it('reads REDIS_CLUSTER seeds', () => {
    const config = redisConfigFromEnv({
      REDIS_CLUSTER: 'true',
      REDIS_CACHE_URL: '127.0.0.1:7000,redis://127.0.0.1:7001',
    });
    expect(config.cache.cluster).toBe(true);
    expect(parseSeeds(config.cache)).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ]);
  });

  it.each([
    [{ REDIS_CLUSTER: 'yes' }, /REDIS_CLUSTER/],
    [{ REDIS_CACHE_TIMEOUT_MS: '-5' }, /REDIS_CACHE_TIMEOUT_MS/],
    [{ REDIS_RATE_URL: 'http://x' }, /invalid Redis URL/],
    [{ REDIS_CLUSTER: 'true', REDIS_SESSION_URL: 'nohost' }, /Cluster seed/],
  ])('fails fast with one line naming the bad value: %j', (env, message) => {
    expect(() => redisConfigFromEnv(env)).toThrow(RedisConfigError);
    expect(() => redisConfigFromEnv(env)).toThrow(message);
  });
});
