import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { infraEnv } from '../../../../test/support/infra-env';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { openConnection, testKeys } from '../support/runtime-fixtures';
import { ALGORITHMS, limiter, policy, redisNowMs, withRoomInWindow } from './rate-limit-fixtures';

let connection: RedisConnection;

beforeAll(async () => {
  connection = await openConnection('rate', infraEnv().redisRateUrl);
});

describe('several dimensions in one check', () => {
  it.each(ALGORITHMS)(
    '%s: a request rejected by the user dimension consumes none of the tenant quota',
    async (algorithm) => {
      const rl = limiter(connection, testKeys(), [
        policy('tenant', algorithm, 10, 60, { scope: 'tenant' }),
        policy('user', algorithm, 2, 60),
      ]);
      await withRoomInWindow(connection, 60_000, 5_000);
      const dims = (u: string) => [
        { policy: 'tenant', subject: 't1' },
        { policy: 'user', subject: u },
      ];
      expect((await rl.check('t1', dims('alice'))).allowed).toBe(true);
      expect((await rl.check('t1', dims('alice'))).allowed).toBe(true);
      for (let i = 0; i < 3; i++) {
        const rejected = await rl.check('t1', dims('alice'));
        expect(rejected).toMatchObject({ allowed: false, policy: 'user', violated: ['user'] });
        expect(rejected.policies[0]).toMatchObject({ policy: 'tenant', allowed: true, remaining: 8 });
      }
      // Bob has his own user budget; the tenant has counted 2 requests, not 5.
      expect(await rl.check('t1', dims('bob'))).toMatchObject({
        allowed: true,
        policy: 'user',
        remaining: 1,
      });
      const tenantOnly = await rl.check('t1', [{ policy: 'tenant', subject: 't1' }]);
      expect(tenantOnly.remaining).toBe(6);
    },
  );

  it('reads the counters back: the tenant counter holds only allowed requests', async () => {
    const rl = limiter(connection, testKeys(), [
      policy('tenant', 'fixed-window', 10, 60, { scope: 'tenant' }),
      policy('user', 'fixed-window', 1, 60),
    ]);
    await withRoomInWindow(connection, 60_000, 5_000);
    const dims = [
      { policy: 'tenant', subject: 't1' },
      { policy: 'user', subject: 'alice' },
    ];
    await rl.check('t1', dims);
    await rl.check('t1', dims);
    await rl.check('t1', dims);
    expect(await connection.client.get(rl.keyOf('t1', dims[0]!).key)).toBe('1');
    expect(await connection.client.get(rl.keyOf('t1', dims[1]!).key)).toBe('1');
  });

  it('rejects by the tenant dimension without consuming the user budget', async () => {
    const rl = limiter(connection, testKeys(), [
      policy('tenant', 'sliding-log', 2, 60, { scope: 'tenant' }),
      policy('user', 'sliding-log', 5, 60),
    ]);
    const dims = (u: string) => [
      { policy: 'tenant', subject: 't1' },
      { policy: 'user', subject: u },
    ];
    await rl.check('t1', dims('alice'));
    await rl.check('t1', dims('bob'));
    expect(await rl.check('t1', dims('alice'))).toMatchObject({ allowed: false, violated: ['tenant'] });
    expect(await connection.client.zcard(rl.keyOf('t1', { policy: 'user', subject: 'alice' }).key)).toBe(1);
  });
});

describe('atomicity', () => {
  it.each(ALGORITHMS)(
    '%s: 200 concurrent callers against a limit of 50 get exactly 50 allowed',
    async (algorithm) => {
      const rl = limiter(connection, testKeys(), [
        policy('p', algorithm, 50, 60, { refillPerSecond: 0.001 }),
      ]);
      await withRoomInWindow(connection, 60_000, 10_000);
      const decisions = await Promise.all(
        Array.from({ length: 200 }, () => rl.check('t1', [{ policy: 'p', subject: 'hot' }])),
      );
      expect(decisions.every((d) => d.source === 'redis')).toBe(true);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(50);
    },
  );
});

describe('time comes from Redis, not from the client clock', () => {
  afterAll(() => vi.useRealTimers());

  it('a limiter whose host clock is 90 s ahead shares the window and the bucket with one on time', async () => {
    const keys = testKeys();
    const policies = [
      policy('fw', 'fixed-window', 3, 60),
      policy('tb', 'token-bucket', 3, 60, { refillPerSecond: 0.001 }),
    ];
    const onTime = limiter(connection, keys, policies);
    const skewed = limiter(connection, keys, policies);
    await withRoomInWindow(connection, 60_000, 5_000);
    for (const p of ['fw', 'tb'])
      for (let i = 0; i < 3; i++) await onTime.check('t1', [{ policy: p, subject: 'u' }]);

    const redisNow = await redisNowMs(connection);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 90_000);
    const fw = await skewed.check('t1', [{ policy: 'fw', subject: 'u' }]);
    const tb = await skewed.check('t1', [{ policy: 'tb', subject: 'u' }]);
    vi.useRealTimers();

    // A client-clock window index would be the next window (fresh counter); a client-clock refill a full bucket.
    expect(fw.allowed).toBe(false);
    expect(Math.abs(fw.resetSeconds - Math.ceil((60_000 - (redisNow % 60_000)) / 1000))).toBeLessThanOrEqual(
      1,
    );
    expect(tb.allowed).toBe(false);
  });
});

describe('NOSCRIPT', () => {
  let server: RedisProcess;
  let own: RedisConnection;
  beforeAll(async () => {
    // A private server: SCRIPT FLUSH on the shared one would disturb other test files.
    server = await startRedisProcess();
    own = await openConnection('rate', server.url);
  });
  afterAll(() => server?.stop());

  it.each(ALGORITHMS)('%s: still decides after SCRIPT FLUSH', async (algorithm) => {
    const rl = limiter(own, testKeys(), [policy('p', algorithm, 2, 60)]);
    expect(await rl.check('t1', [{ policy: 'p', subject: 'u' }])).toMatchObject({
      allowed: true,
      source: 'redis',
    });
    await own.client.script('FLUSH');
    expect(await rl.check('t1', [{ policy: 'p', subject: 'u' }])).toMatchObject({
      allowed: true,
      source: 'redis',
      remaining: 0,
    });
    expect(await rl.check('t1', [{ policy: 'p', subject: 'u' }])).toMatchObject({
      allowed: false,
      source: 'redis',
    });
  });
});
