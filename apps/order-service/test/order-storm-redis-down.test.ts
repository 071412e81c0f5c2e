import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import { uniqueId } from '../../../test/support/unique';
import { capture, newTenant, orderBody, startOrder, token, type OrderInstance } from './order-fixture';

const p50 = (s: number[]) => [...s].sort((x, y) => x - y)[Math.floor(s.length / 2)]!;
const p99 = (samples: number[]) => {
  const sorted = [...samples].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
};

/**
 * With the session Redis down, a storm of 200 duplicates on one key whose first attempt is still running must not
 * hold PostgreSQL connections waiting on that key: other clients' captures (fresh keys, another tenant) keep their
 * latency. The first attempt runs on a third instance that holds its capture 4 s before committing (test hook).
 */
describe('duplicate storm with the session Redis down', () => {
  let redis: RedisProcess;
  let a: OrderInstance;
  let b: OrderInstance;
  let holder: OrderInstance;
  let db: Kysely<any>;
  /** This file's instances in pg_stat_activity (other files' order-services may run at the same time). */
  const applicationName = uniqueId('order-storm').slice(0, 60);

  beforeAll(async () => {
    redis = await startRedisProcess();
    const down = { REDIS_SESSION_URL: redis.url, DATABASE_APPLICATION_NAME: applicationName };
    [a, b, holder] = await Promise.all([
      startOrder(down),
      startOrder(down),
      startOrder({ ...down, ORDER_TEST_HOLD_BEFORE_COMMIT_MS: '4000' }),
    ]);
    await redis.stop();
    db = a.runtime.database.db as unknown as Kysely<any>;
  });

  afterAll(() => redis?.stop());

  /** `count` fresh-key captures by another client, 4 at a time, alternating instances: their latencies. */
  async function freshCaptures(count: number): Promise<number[]> {
    const tenant = newTenant();
    const auth = await token(tenant, [], 'other-client');
    const latencies: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const i = next++;
        const started = performance.now();
        const response = await capture(i % 2 ? a.url : b.url, tenant, orderBody(), `fresh-${i}`, {
          token: auth,
        });
        latencies.push(performance.now() - started);
        expect(response.status, response.text).toBe(201);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return latencies;
  }

  /**
   * This file's backends: how many, and how many wait on a key of the idempotency keys (a row, an uncommitted insert
   * of the same key, an advisory lock) in a capture. Not counted: waits of kind `extend` (concurrent inserts growing
   * the table) and the instances' retention purge (`delete ... where expires_at <= now()`), which can wait on an
   * expired key another file's request is taking over; the waits seen are kept for the failure message.
   */
  const waitKinds: string[] = [];
  const backends = async () => {
    const rows = (
      await sql<{ wait_event_type: string | null; wait_event: string | null; query: string }>`select wait_event_type,
          wait_event, query from pg_stat_activity where application_name = ${applicationName}`.execute(db)
    ).rows;
    const onKeys = rows.filter(
      (r) =>
        r.wait_event_type === 'Lock' &&
        r.query.includes('idempotency_keys') &&
        !r.query.trimStart().toLowerCase().startsWith('delete'),
    );
    waitKinds.push(...onKeys.map((r) => `${r.wait_event}: ${r.query.replace(/\s+/g, ' ').trim().slice(0, 80)}`));
    return {
      all: rows.length,
      waiting: onKeys.filter((r) => ['transactionid', 'tuple', 'advisory'].includes(String(r.wait_event))).length,
    };
  };

  it('fresh-key captures keep their p99 while 200 duplicates wait on a key held by a running capture', async () => {
    await freshCaptures(20); // warm-up
    const before = await freshCaptures(100);

    const tenant = newTenant();
    const auth = await token(tenant);
    const body = orderBody();
    const first = capture(holder.url, tenant, body, 'held-key', { token: auth });
    await new Promise((r) => setTimeout(r, 300)); // the holder has claimed the key by now
    const duplicates = Array.from({ length: 200 }, (_, i) =>
      capture(i % 2 ? a.url : b.url, tenant, body, 'held-key', { token: auth }),
    );
    // Measured while the duplicates wait for the held key (they were sent first: their own HTTP work is done).
    await new Promise((r) => setTimeout(r, 500));
    const waiters: number[] = [];
    let seen = 0;
    const sampling = (async () => {
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 200));
        const { all, waiting } = await backends();
        waiters.push(waiting);
        seen = Math.max(seen, all);
      }
    })();
    const during = await freshCaptures(100);
    await sampling;
    const answers = await Promise.all(duplicates);
    const firstAnswer = await first;
    const after = await freshCaptures(100);

    // Without the storm: before and after it (this shared machine's speed drifts), the slower of the two.
    const baseP99 = Math.max(p99(before), p99(after));
    const baseline = p99(before) > p99(after) ? before : after;
    const stormP99 = p99(during);
    console.log(
      `fresh-key capture p99: ${baseP99.toFixed(1)} ms without the storm, ${stormP99.toFixed(1)} ms during it ` +
        `(${(stormP99 / baseP99).toFixed(2)}x); p50 ${p50(baseline).toFixed(1)} / ${p50(during).toFixed(1)} ms; backends waiting on a key lock: ${JSON.stringify(waiters)}`,
    );
    expect(seen, "this file's instances are found by their application_name").toBeGreaterThan(0);
    expect(waiters, `lock waits of this file's backends on idempotency_keys: ${JSON.stringify(waitKinds)}`).toEqual(
      waiters.map(() => 0),
    );
    // 2x is the target; the margin is for this shared machine's noise (queued behind the held key, a capture
    // would wait about the whole 4 s)
    expect(stormP99).toBeLessThan(Math.max(2 * baseP99, baseP99 + 250));

    expect(firstAnswer.status).toBe(201);
    for (const answer of answers) {
      if (answer.status === 201) expect(answer.text).toBe(firstAnswer.text);
      else expect(answer.status).toBe(409);
    }
    expect(answers.filter((r) => r.status === 201).length).toBeGreaterThan(0);
    const orders = await sql<{ n: string }>`select count(*) as n from ordering.orders
      where tenant_id = ${tenant}`.execute(db);
    expect(Number(orders.rows[0]!.n)).toBe(1);
  }, 60_000);
});
