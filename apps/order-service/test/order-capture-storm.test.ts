import { TOPICS } from '@cpq/contracts';
import { sql, type Kysely } from 'kysely';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../test/support/infra-env';
import { tailTopic, type TopicTail } from '../../../test/support/kafka-topic-tail';
import { startRedisProcess, type RedisProcess } from '../../../test/support/redis-process';
import {
  capture,
  lines,
  newTenant,
  orderBody,
  startOrder,
  token,
  waitUntil,
  type OrderInstance,
} from './order-fixture';

type Answer = Awaited<ReturnType<typeof capture>>;

/**
 * The exactly-once proof: 200 concurrent POSTs with one Idempotency-Key, spread over two instances whose
 * session Redis (idempotency cache) is a private server, with that server healthy, flushed, killed or stopped in
 * the middle of the storm. Every time: one order row, one number, one outbox row, one Kafka event, and every other
 * answer a byte-identical replay or a 409.
 */
describe('capture storm: 200 concurrent POSTs, one key, two instances (private session Redis)', () => {
  let redis: RedisProcess;
  let a: OrderInstance;
  let b: OrderInstance;
  let db: Kysely<any>;
  let captured: TopicTail;

  beforeAll(async () => {
    redis = await startRedisProcess({ args: ['--maxmemory-policy', 'noeviction'] });
    [a, b] = await Promise.all([
      startOrder({ REDIS_SESSION_URL: redis.url }),
      startOrder({ REDIS_SESSION_URL: redis.url }),
    ]);
    db = a.runtime.database.db as unknown as Kysely<any>;
    captured = await tailTopic(infraEnv().kafkaBrokers, TOPICS.orderCaptured);
  });

  afterAll(async () => {
    redis?.resume();
    await redis?.stop();
  });

  /** 200 requests: 100 sent, the fault once the first answer is back, then 100 more; all awaited. */
  async function storm(
    tenant: string,
    fault: () => Promise<void> | void = () => undefined,
  ): Promise<Answer[]> {
    const auth = await token(tenant);
    const body = orderBody({ lines: lines(5) });
    const send = (i: number) =>
      capture(i % 2 === 0 ? a.url : b.url, tenant, body, 'storm-key', { token: auth });
    const early = Array.from({ length: 100 }, (_, i) => send(i));
    await Promise.race(early);
    await fault();
    const late = Array.from({ length: 100 }, (_, i) => send(100 + i));
    return Promise.all([...early, ...late]);
  }

  async function expectExactlyOnce(tenant: string, answers: Answer[]): Promise<void> {
    const first = answers.filter((r) => r.status === 201 && r.headers.get('idempotent-replayed') === null);
    expect(first, JSON.stringify(answers.map((r) => r.status))).toHaveLength(1);
    const statuses: Record<string, number> = {};
    for (const answer of answers) {
      const kind =
        answer.status === 201
          ? answer.headers.get('idempotent-replayed') === 'true'
            ? 'replay'
            : 'first'
          : String(answer.status);
      statuses[kind] = (statuses[kind] ?? 0) + 1;
      if (answer.status === 201) {
        expect(answer.text).toBe(first[0]!.text); // byte-identical
      } else {
        expect(answer.status, answer.text).toBe(409);
        expect(answer.headers.get('retry-after')).toBe('1');
      }
    }
    const orders = await sql<{ order_id: string; order_number: string }>`
      select order_id, order_number from ordering.orders where tenant_id = ${tenant}`.execute(db);
    expect(orders.rows).toHaveLength(1);
    expect(orders.rows[0]!.order_id).toBe(first[0]!.body.orderId);
    expect(orders.rows[0]!.order_number).toBe(first[0]!.body.orderNumber);
    const outbox = await sql<{ n: string }>`select count(*) as n from ordering.outbox
      where envelope->>'tenantId' = ${tenant}`.execute(db);
    expect(Number(outbox.rows[0]!.n)).toBe(1);
    const events = () => captured.messages.filter((m: any) => m.tenantId === tenant);
    await waitUntil(async () => events().length >= 1, 15_000, 'the captured event');
    await new Promise((r) => setTimeout(r, 500)); // room for a duplicate to show up
    expect(events()).toHaveLength(1);
    expect((events()[0] as any).payload.orderId).toBe(first[0]!.body.orderId);
    console.log(`storm ${tenant}: ${JSON.stringify(statuses)}`);
  }

  it('with the session Redis healthy', async () => {
    const tenant = newTenant();
    await expectExactlyOnce(tenant, await storm(tenant));
  });

  it('with the session Redis flushed mid-storm', async () => {
    const tenant = newTenant();
    const client = new Redis(redis.url);
    try {
      await expectExactlyOnce(tenant, await storm(tenant, async () => void (await client.flushall())));
    } finally {
      client.disconnect();
    }
  });

  it('with the session Redis SIGKILLed mid-storm', async () => {
    const tenant = newTenant();
    try {
      await expectExactlyOnce(tenant, await storm(tenant, () => redis.stop()));
    } finally {
      await redis.restart();
    }
  });

  it('with the session Redis SIGSTOPped mid-storm (hung: commands time out)', async () => {
    const tenant = newTenant();
    try {
      await expectExactlyOnce(tenant, await storm(tenant, () => redis.pause()));
    } finally {
      redis.resume();
    }
  });
});
