import { beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../../test/support/infra-env';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { openConnection, testKeys } from '../support/runtime-fixtures';
import { ALGORITHMS, limiter, policy, withRoomInWindow } from './rate-limit-fixtures';

let connection: RedisConnection;

beforeAll(async () => {
  connection = await openConnection('rate', infraEnv().redisRateUrl);
});

const user = (p: string) => [{ policy: p, subject: 'user-1' }];

/**
 * Requests that cost many units at once. Before the fix, a sliding-log request of cost ~4000 or more made its
 * script fail (`unpack` of 2 x cost values), and the limiter's fallback let it through uncounted: a bypass.
 */
describe('large costs', () => {
  it.each(ALGORITHMS)(
    '%s: a cost of 5000 is counted by Redis; two fit a quota of 10,000, the third is rejected',
    async (algorithm) => {
      const rl = limiter(connection, testKeys(), [policy('big', algorithm, 10_000, 60)]);
      await withRoomInWindow(connection, 60_000, 5_000);
      const first = await rl.check('t1', user('big'), 5000);
      expect(first).toMatchObject({ allowed: true, source: 'redis', unavailable: false });
      expect(first.remaining).toBeGreaterThanOrEqual(5000); // a token bucket refills a few units meanwhile
      expect(first.remaining).toBeLessThan(5100);
      const second = await rl.check('t1', user('big'), 5000);
      expect(second).toMatchObject({ allowed: true, source: 'redis' });
      expect(second.remaining).toBeLessThan(100);
      const third = await rl.check('t1', user('big'), 5000);
      expect(third).toMatchObject({ allowed: false, source: 'redis', violated: ['big'] });
      expect(third.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    },
  );

  it('sliding-log: the log holds one member per unit of every allowed request, across dimensions', async () => {
    const keys = testKeys();
    const rl = limiter(connection, keys, [
      policy('tenant', 'sliding-log', 10_000, 60, { scope: 'tenant' }),
      policy('user', 'sliding-log', 10_000, 60),
    ]);
    const dims = [
      { policy: 'tenant', subject: 't1' },
      { policy: 'user', subject: 'user-1' },
    ];
    expect((await rl.check('t1', dims, 6000)).allowed).toBe(true);
    expect((await rl.check('t1', dims, 4001)).allowed).toBe(false);
    expect((await rl.check('t1', dims, 4000)).allowed).toBe(true);
    for (const d of dims) expect(await connection.client.zcard(rl.keyOf('t1', d).key)).toBe(10_000);
  });

  it('sliding-log: of 12 concurrent requests of cost 3000 against 10,000, exactly 3 are admitted', async () => {
    const rl = limiter(connection, testKeys(), [policy('burst', 'sliding-log', 10_000, 60)]);
    const decisions = await Promise.all(
      Array.from({ length: 12 }, () => rl.check('t1', user('burst'), 3000)),
    );
    expect(decisions.every((d) => d.source === 'redis')).toBe(true);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    expect(await connection.client.zcard(rl.keyOf('t1', user('burst')[0]!).key)).toBe(9000);
  });

  it.each(['fixed-window', 'sliding-counter', 'token-bucket'] as const)(
    '%s: counts costs above 10^14 exactly (no number formatting in the script loses digits)',
    async (algorithm) => {
      const cost = 2 ** 50 + 1; // 1,125,899,906,842,625: %.14g would write it as 1.1258999068426e+15
      const rl = limiter(connection, testKeys(), [policy('huge', algorithm, 2 * cost, 40_000)]);
      const first = await rl.check('t1', user('huge'), cost);
      expect(first).toMatchObject({ allowed: true, source: 'redis' });
      const second = await rl.check('t1', user('huge'), cost);
      expect(second).toMatchObject({ allowed: true, source: 'redis' });
      const third = await rl.check('t1', user('huge'), cost);
      expect(third).toMatchObject({ allowed: false, source: 'redis' });
      if (algorithm !== 'token-bucket') expect(third.remaining).toBe(0);
    },
  );
});
