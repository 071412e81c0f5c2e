import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../../test/support/redis-process';
import type { RedisConnection } from '../../src/clients/redis-connection';
import type { RateLimitDecision } from '../../src/rate-limit/rate-limit-decision';
import { openConnection, testKeys } from '../support/runtime-fixtures';
import { limiter, policy, sleep } from './rate-limit-fixtures';

/** What a check may take while Redis is dead: the production script budget is 30 ms, this leaves room for a busy CI. */
const BUDGET_MS = 200;

describe('when Redis dies', () => {
  let server: RedisProcess;
  let connection: RedisConnection;
  beforeAll(async () => {
    server = await startRedisProcess();
    connection = await openConnection('rate', server.url, { commandTimeoutMs: 100, connectTimeoutMs: 200 });
  });
  afterAll(() => server?.stop());

  const closed = { mode: 'closed', insurance: { limit: 3, windowSeconds: 60 } } as const;
  const policies = () => [
    policy('catalog-read', 'fixed-window', 100, 60, { failureMode: { mode: 'open' } }),
    policy('pricing-user', 'fixed-window', 100, 60, { failureMode: closed }),
  ];

  async function timed(run: () => Promise<RateLimitDecision>): Promise<RateLimitDecision> {
    const started = performance.now();
    const decision = await run();
    expect(performance.now() - started).toBeLessThan(BUDGET_MS);
    return decision;
  }

  it('fail-open serves, fail-closed serves the insurance budget then rejects as unavailable, and Redis decides again after a restart', async () => {
    const rl = limiter(connection, testKeys(), policies());
    const open = () => rl.check('t1', [{ policy: 'catalog-read', subject: 'u1' }]);
    const shut = () => rl.check('t1', [{ policy: 'pricing-user', subject: 'u1' }]);
    expect(await open()).toMatchObject({ allowed: true, source: 'redis' });
    expect(await shut()).toMatchObject({ allowed: true, source: 'redis' });

    await server.stop();
    for (let i = 0; i < 5; i++) {
      expect(await timed(open)).toMatchObject({ allowed: true, source: 'fail-open', unavailable: true });
    }
    for (let i = 0; i < 3; i++) {
      expect(await timed(shut)).toMatchObject({
        allowed: true,
        source: 'insurance',
        unavailable: true,
        remaining: 2 - i,
      });
    }
    const rejected = await timed(shut);
    expect(rejected).toMatchObject({
      allowed: false,
      source: 'insurance',
      unavailable: true,
      violated: ['pricing-user'],
    });
    expect(rejected.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(rejected.error?.code).toBe('REDIS_RUNTIME_RATE_LIMITER_UNAVAILABLE');
    // Another user has a budget of their own.
    expect(await timed(() => rl.check('t1', [{ policy: 'pricing-user', subject: 'u2' }]))).toMatchObject({
      allowed: true,
    });

    await server.restart();
    const deadline = Date.now() + 10_000;
    let decision = await shut();
    while (decision.source !== 'redis' && Date.now() < deadline) {
      await sleep(100);
      decision = await shut();
    }
    // The restarted server is empty: a fresh window with one request counted.
    expect(decision).toMatchObject({ allowed: true, source: 'redis', unavailable: false, remaining: 99 });
    expect(await open()).toMatchObject({ allowed: true, source: 'redis' });
  });

  it('a check against a hung server (SIGSTOP) still returns within the budget', async () => {
    const rl = limiter(connection, testKeys(), policies());
    expect((await rl.check('t1', [{ policy: 'catalog-read', subject: 'u' }])).source).toBe('redis');
    server.pause();
    try {
      const decision = await timed(() => rl.check('t1', [{ policy: 'pricing-user', subject: 'u' }]));
      expect(decision).toMatchObject({ allowed: true, source: 'insurance', unavailable: true });
    } finally {
      server.resume();
    }
  });
});
