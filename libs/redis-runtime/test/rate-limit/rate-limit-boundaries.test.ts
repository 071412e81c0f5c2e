import { beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../../test/support/infra-env';
import type { RedisConnection } from '../../src/clients/redis-connection';
import { RuntimeMetrics } from '../../src/observability/runtime-metrics';
import { metricValue, openConnection, testKeys } from '../support/runtime-fixtures';
import { atWindowStart, limiter, policy, sleep } from './rate-limit-fixtures';

let connection: RedisConnection;
const metrics = new RuntimeMetrics();

beforeAll(async () => {
  connection = await openConnection('rate', infraEnv().redisRateUrl, { metrics });
});

const user = (p: string, subject = 'user-1') => [{ policy: p, subject }];

describe('fixed window', () => {
  it('allows the limit, rejects one past it until the window ends, then allows again', async () => {
    const rl = limiter(connection, testKeys(), [policy('fw', 'fixed-window', 3, 1)]);
    await atWindowStart(connection, 1000);
    for (let i = 0; i < 3; i++)
      expect(await rl.check('t1', user('fw'))).toMatchObject({ allowed: true, remaining: 2 - i });
    const rejected = await rl.check('t1', user('fw'));
    expect(rejected).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 1,
      resetSeconds: 1,
      violated: ['fw'],
    });
    expect(
      await metricValue(metrics, 'redis_runtime_rate_limit_decisions_total', {
        policy: 'fw',
        decision: 'rejected',
        source: 'redis',
      }),
    ).toBe(1);
    await sleep(rejected.retryAfterSeconds * 1000);
    expect(await rl.check('t1', user('fw'))).toMatchObject({ allowed: true, remaining: 2 });
  });

  it('reports the wait of a 2 s window', async () => {
    const rl = limiter(connection, testKeys(), [policy('fw2', 'fixed-window', 1, 2)]);
    await atWindowStart(connection, 2000);
    expect((await rl.check('t1', user('fw2'))).allowed).toBe(true);
    expect(await rl.check('t1', user('fw2'))).toMatchObject({
      allowed: false,
      retryAfterSeconds: 2,
      resetSeconds: 2,
    });
  });
});

describe('sliding log', () => {
  it('rejects one past the limit until the oldest request leaves the window', async () => {
    const rl = limiter(connection, testKeys(), [policy('sl', 'sliding-log', 3, 2)]);
    expect((await rl.check('t1', user('sl'))).allowed).toBe(true);
    await sleep(1000);
    expect((await rl.check('t1', user('sl'))).allowed).toBe(true);
    expect(await rl.check('t1', user('sl'))).toMatchObject({ allowed: true, remaining: 0 });
    const rejected = await rl.check('t1', user('sl'));
    expect(rejected).toMatchObject({ allowed: false, retryAfterSeconds: 1, resetSeconds: 1 });
    // The first request leaves the window ~1 s from now, the other two ~1 s later: exactly one more fits.
    await sleep(1100);
    expect(await rl.check('t1', user('sl'))).toMatchObject({ allowed: true, remaining: 0 });
    expect((await rl.check('t1', user('sl'))).allowed).toBe(false);
  });
});

describe('sliding window counter', () => {
  it('keeps the previous window weighted: still rejected right after the boundary, allowed after retryAfter', async () => {
    const rl = limiter(connection, testKeys(), [policy('sc', 'sliding-counter', 3, 2)]);
    await atWindowStart(connection, 2000);
    for (let i = 0; i < 3; i++) expect((await rl.check('t1', user('sc'))).allowed).toBe(true);
    const rejected = await rl.check('t1', user('sc'));
    // the next window starts in ~2 s, and 1/3 of it must pass before 3 * (2/3) + 1 <= 3
    expect(rejected).toMatchObject({ allowed: false, resetSeconds: 2, retryAfterSeconds: 3 });
    await atWindowStart(connection, 2000, 30);
    expect((await rl.check('t1', user('sc'))).allowed).toBe(false);
    await sleep(800);
    expect(await rl.check('t1', user('sc'))).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe('token bucket', () => {
  it('allows a burst of capacity, then one token per refill interval', async () => {
    const rl = limiter(connection, testKeys(), [policy('tb', 'token-bucket', 3, 3, { refillPerSecond: 1 })]);
    for (let i = 0; i < 3; i++) expect((await rl.check('t1', user('tb'))).allowed).toBe(true);
    const rejected = await rl.check('t1', user('tb'));
    expect(rejected).toMatchObject({
      allowed: false,
      remaining: 0,
      retryAfterSeconds: 1,
      resetSeconds: 3,
      limit: 3,
      windowSeconds: 3,
    });
    await sleep(1050);
    expect((await rl.check('t1', user('tb'))).allowed).toBe(true);
    expect((await rl.check('t1', user('tb'))).allowed).toBe(false);
  });

  it('charges a cost of several tokens and says how long until that many are back', async () => {
    const rl = limiter(connection, testKeys(), [
      policy('tbc', 'token-bucket', 10, 10, { refillPerSecond: 1 }),
    ]);
    expect(await rl.check('t1', user('tbc'), 8)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await rl.check('t1', user('tbc'), 5)).toMatchObject({
      allowed: false,
      remaining: 2,
      retryAfterSeconds: 3,
    });
  });
});
