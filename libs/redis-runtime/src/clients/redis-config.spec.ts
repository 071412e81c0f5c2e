import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RedisConfigError } from '../errors';
import { closeClient, createRedisClient } from './redis-client-factory';
import {
  DEFAULT_TIMEOUTS,
  loginOfWorkload,
  parseSeeds,
  redactRedisUrl,
  redisConfigFromEnv,
} from './redis-config';

describe('redisConfigFromEnv', () => {
  it('defaults to the three local workloads, without a budget override (each family keeps its own)', () => {
    const config = redisConfigFromEnv({});
    expect(config.cache).toEqual({
      url: 'redis://127.0.0.1:6379',
      cluster: false,
      connectTimeoutMs: DEFAULT_TIMEOUTS.cache.connectTimeoutMs,
      writeFlush: 'turn',
    });
    expect(config.rate.url).toBe('redis://127.0.0.1:6380');
    expect(config.session.url).toBe('redis://127.0.0.1:6381');
    expect(DEFAULT_TIMEOUTS.cache.commandTimeoutMs).toBeLessThanOrEqual(20);
    expect(DEFAULT_TIMEOUTS.rate.commandTimeoutMs).toBeLessThanOrEqual(30);
  });

  it('reads REDIS_<WORKLOAD>_TIMEOUT_MS as an override of that workload only', () => {
    const config = redisConfigFromEnv({ REDIS_SESSION_TIMEOUT_MS: '250' });
    expect(config.session.commandTimeoutMs).toBe(250);
    expect(config.cache.commandTimeoutMs).toBeUndefined();
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

  it("logs in as the URL's ACL user, with TLS for rediss://", () => {
    const config = redisConfigFromEnv({
      REDIS_CACHE_URL: 'redis://catalog-cache:s%40cret@10.0.0.5:6379/0',
      REDIS_RATE_URL: 'rediss://:only-password@rate.internal:6380',
    });
    expect(loginOfWorkload(config.cache)).toEqual({
      username: 'catalog-cache',
      password: 's@cret',
      tls: false,
    });
    expect(loginOfWorkload(config.rate)).toEqual({ password: 'only-password', tls: true });
    expect(loginOfWorkload(config.session)).toEqual({ tls: false });
  });

  it('gives every Cluster node the login of the seed that carries one', () => {
    const config = redisConfigFromEnv({
      REDIS_CLUSTER: 'true',
      REDIS_CACHE_URL: 'rediss://svc:pw@10.0.0.1:7000, 10.0.0.2:7001',
    });
    expect(parseSeeds(config.cache)).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
    expect(loginOfWorkload(config.cache)).toEqual({ username: 'svc', password: 'pw', tls: true });
  });

  it('never puts a password in an error message', () => {
    const attempts = [
      { REDIS_CACHE_URL: 'http://svc:hunter2@x:1' },
      { REDIS_CLUSTER: 'true', REDIS_CACHE_URL: 'redis://svc:hunter2@nohost' },
    ];
    for (const env of attempts) {
      let message = '';
      try {
        redisConfigFromEnv(env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/invalid Redis/);
      expect(message).not.toContain('hunter2');
    }
    expect(redactRedisUrl('redis://svc:hunter2@h:1,rediss://a:b@h2:2')).toBe(
      'redis://svc:***@h:1,rediss://a:***@h2:2',
    );
  });
});

describe('REDIS_TLS_CA_FILE', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'redis-ca-'));
  const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, pem);
  const notPem = path.join(dir, 'not.pem');
  writeFileSync(notPem, 'hello');
  const tlsUrls = {
    REDIS_CACHE_URL: 'rediss://127.0.0.1:6379',
    REDIS_RATE_URL: 'rediss://127.0.0.1:6380',
    REDIS_SESSION_URL: 'rediss://127.0.0.1:6381',
  };

  it('gives every workload the CA, and the client verifies the server against it', async () => {
    const config = redisConfigFromEnv({ ...tlsUrls, REDIS_TLS_CA_FILE: caFile });
    expect([config.cache.tlsCa, config.rate.tlsCa, config.session.tlsCa]).toEqual([pem, pem, pem]);
    const client = createRedisClient(config.cache, 'tls-test');
    expect((client.options as { tls?: unknown }).tls).toEqual({ ca: pem });
    await closeClient(client);
  });

  it('verifies rediss:// against the default store without it (no option turns verification off)', async () => {
    const config = redisConfigFromEnv(tlsUrls);
    expect(config.cache.tlsCa).toBeUndefined();
    const client = createRedisClient(config.cache, 'tls-test');
    expect((client.options as { tls?: unknown }).tls).toEqual({});
    await closeClient(client);
  });

  it.each([
    [
      { ...tlsUrls, REDIS_TLS_CA_FILE: path.join(dir, 'missing.pem') },
      /REDIS_TLS_CA_FILE: cannot read .*ENOENT/,
    ],
    [{ ...tlsUrls, REDIS_TLS_CA_FILE: notPem }, /REDIS_TLS_CA_FILE: no PEM certificate/],
    [
      { ...tlsUrls, REDIS_RATE_URL: 'redis://127.0.0.1:6380', REDIS_TLS_CA_FILE: caFile },
      /REDIS_RATE_URL: .*must be rediss/,
    ],
  ])('fails at start-up on a CA it cannot use or a plain-text workload beside it: %j', (env, message) => {
    expect(() => redisConfigFromEnv(env)).toThrow(RedisConfigError);
    expect(() => redisConfigFromEnv(env)).toThrow(message);
  });
});
