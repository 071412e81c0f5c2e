// The campaign's end checks, read from PostgreSQL and Kafka directly (no service code): what was acknowledged is
// durable, each Idempotency-Key made one order, every outbox row reached Kafka, every consumer applied each event
// once. Each check returns its failures (empty: held).
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import type pg from 'pg';
import type { AckRecorder } from './fault-record';

export interface InvariantResult {
  name: string;
  /** What was checked, e.g. `412 keys`. */
  checked: string;
  failures: string[];
}

const SCHEMAS_WITH_OUTBOX = ['catalog', 'pricing', 'config', 'ordering'] as const;

async function rows<T>(db: pg.Pool, text: string, values: unknown[] = []): Promise<T[]> {
  return (await db.query(text, values)).rows as T[];
}

const sample = (items: string[]) => items.slice(0, 5);

export async function orderInvariants(
  db: pg.Pool,
  recorder: AckRecorder,
  tenants: string[],
): Promise<InvariantResult[]> {
  const keys = [...recorder.keys.values()];
  const duplicatedByAnswers = keys
    .filter((k) => k.orderIds.size > 1)
    .map((k) => `${k.tenant} ${k.key}: answered ${[...k.orderIds].join(', ')}`);
  const orphans = await rows<{ tenant_id: string; order_id: string }>(
    db,
    `select o.tenant_id, o.order_id::text from ordering.orders o
      where o.tenant_id = any($1)
        and not exists (select 1 from ordering.idempotency_keys k
                         where k.tenant_id = o.tenant_id and k.resource_id = o.order_id::text)`,
    [tenants],
  );
  const shared = await rows<{ tenant_id: string; resource_id: string; n: number }>(
    db,
    `select tenant_id, resource_id, count(*)::int as n from ordering.idempotency_keys
      where tenant_id = any($1) and resource_id is not null group by 1, 2 having count(*) > 1`,
    [tenants],
  );
  const stored = new Map(
    (
      await rows<{ tenant_id: string; order_id: string; order_number: string }>(
        db,
        `select tenant_id, order_id::text, order_number from ordering.orders where tenant_id = any($1)`,
        [tenants],
      )
    ).map((r) => [`${r.tenant_id} ${r.order_id}`, r.order_number]),
  );
  const lost: string[] = [];
  for (const k of keys)
    for (const orderId of k.orderIds) {
      const number = stored.get(`${k.tenant} ${orderId}`);
      if (number === undefined) lost.push(`${k.tenant} ${orderId} (key ${k.key})`);
      else if (!k.orderNumbers.has(number)) lost.push(`${k.tenant} ${orderId}: stored as ${number}`);
    }
  return [
    {
      name: '0 duplicate orders per idempotency key',
      checked: `${keys.length} keys acknowledged, ${stored.size} orders stored`,
      failures: [
        ...duplicatedByAnswers,
        ...orphans.map((o) => `${o.tenant_id} order ${o.order_id} has no idempotency key`),
        ...shared.map((s) => `${s.tenant_id} order ${s.resource_id} has ${s.n} keys`),
      ],
    },
    { name: '0 lost acknowledged orders', checked: `${keys.length} keys`, failures: lost },
  ];
}

export async function publishedInvariants(db: pg.Pool, recorder: AckRecorder): Promise<InvariantResult[]> {
  const present = async (table: string, column: string, acked: { tenant: string; version: number }[]) => {
    const missing: string[] = [];
    for (const { tenant, version } of acked) {
      const found = await rows(db, `select 1 from ${table} where tenant_id = $1 and ${column} = $2`, [
        tenant,
        version,
      ]);
      if (found.length === 0) missing.push(`${tenant} version ${version}`);
    }
    return missing;
  };
  const configurations = new Set(
    (
      await rows<{ k: string }>(
        db,
        `select tenant_id || ' ' || configuration_id::text as k from config.configurations where tenant_id = any($1)`,
        [[...new Set(recorder.configurations.map((c) => c.tenant))]],
      )
    ).map((r) => r.k),
  );
  return [
    {
      name: '0 lost finalized configurations',
      checked: `${recorder.configurations.length} finalized`,
      failures: recorder.configurations
        .filter((c) => !configurations.has(`${c.tenant} ${c.configurationId}`))
        .map((c) => `${c.tenant} ${c.configurationId}`),
    },
    {
      name: '0 lost catalog versions',
      checked: `${recorder.catalogVersions.length} published`,
      failures: await present('catalog.catalog_versions', 'version', recorder.catalogVersions),
    },
    {
      name: '0 lost price book versions',
      checked: `${recorder.priceBookVersions.length} published`,
      failures: await present('pricing.price_book_versions', 'version', recorder.priceBookVersions),
    },
  ];
}

/** Waits (at most `timeoutMs`) until every outbox row is published, then reads each topic from its beginning. */
export async function outboxInvariant(
  db: pg.Pool,
  brokers: string[],
  timeoutMs: number,
): Promise<InvariantResult> {
  const outbox = `(${SCHEMAS_WITH_OUTBOX.map((s) => `select event_id::text, topic, published_at from ${s}.outbox`).join(' union all ')})`;
  const deadline = Date.now() + timeoutMs;
  let pending = 0;
  for (;;) {
    pending = (
      await rows<{ n: number }>(db, `select count(*)::int as n from ${outbox} o where published_at is null`)
    )[0]!.n;
    if (pending === 0 || Date.now() > deadline) break;
    await sleep(250);
  }
  const events = await rows<{ event_id: string; topic: string }>(
    db,
    `select event_id, topic from ${outbox} o`,
  );
  const topics = [...new Set(events.map((e) => e.topic))];
  const seen = await eventIdsOn(brokers, topics);
  const missing = events.filter((e) => !seen.has(e.event_id)).map((e) => `${e.topic} ${e.event_id}`);
  return {
    name: 'every outbox row on Kafka',
    checked: `${events.length} outbox rows on ${topics.length} topics`,
    failures: [
      ...(pending > 0 ? [`${pending} rows still unpublished after ${timeoutMs} ms`] : []),
      ...sample(missing),
    ],
  };
}

/**
 * Each consumer with an inbox (pricing's offer-status projection of catalog events, order-service's projection of
 * finalized configurations) holds every event of its topic exactly once, and the projections match their sources.
 */
export async function consumerInvariants(db: pg.Pool): Promise<InvariantResult[]> {
  const published = new Map(
    (
      await rows<{ event_type: string; n: number }>(
        db,
        `select event_type, count(*)::int as n from (${SCHEMAS_WITH_OUTBOX.map((s) => `select event_type from ${s}.outbox`).join(' union all ')}) o group by 1`,
      )
    ).map((r) => [r.event_type, r.n]),
  );
  const failures: string[] = [];
  let groups = 0;
  for (const schema of ['pricing', 'ordering']) {
    for (const g of await rows<{ consumer_group: string; event_type: string; n: number; distinct_n: number }>(
      db,
      `select consumer_group, event_type, count(*)::int as n, count(distinct event_id)::int as distinct_n
         from ${schema}.inbox group by 1, 2`,
    )) {
      groups++;
      const expected = published.get(g.event_type) ?? 0;
      if (g.n !== g.distinct_n || g.n !== expected)
        failures.push(
          `${schema} ${g.consumer_group} ${g.event_type}: ${g.n} inbox rows (${g.distinct_n} events), ${expected} published`,
        );
    }
  }
  const projected = await rows<{ missing: number; extra: number; source: number }>(
    db,
    `select (select count(*) from config.configurations c where not exists (select 1 from ordering.configurations o
               where o.tenant_id = c.tenant_id and o.configuration_id = c.configuration_id::text))::int as missing,
            (select count(*) from ordering.configurations o where not exists (select 1 from config.configurations c
               where o.tenant_id = c.tenant_id and o.configuration_id = c.configuration_id::text))::int as extra,
            (select count(*) from config.configurations)::int as source`,
  );
  const p = projected[0]!;
  if (p.missing > 0 || p.extra > 0)
    failures.push(`order-service's configurations: ${p.missing} of ${p.source} missing, ${p.extra} unknown`);
  const statuses = await rows<{ tenant_id: string; projected: number; current: number }>(
    db,
    `select t.tenant_id, coalesce(max(s.catalog_version), 0)::int as projected, t.current_version::int as current
       from catalog.tenant_catalogs t left join pricing.offer_status s on s.tenant_id = t.tenant_id
      group by t.tenant_id, t.current_version having coalesce(max(s.catalog_version), 0) <> t.current_version`,
  );
  for (const s of statuses)
    failures.push(
      `pricing's offer statuses of ${s.tenant_id} at catalog ${s.projected}, current ${s.current}`,
    );
  return [
    {
      name: "every consumer's effect applied once",
      checked: `${groups} inbox groups, ${p.source} configurations projected, offer statuses per tenant`,
      failures,
    },
  ];
}

async function eventIdsOn(brokers: string[], topics: string[]): Promise<Set<string>> {
  const kafka = new Kafka({ brokers, clientId: 'fault-campaign', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  for (const topic of topics)
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}:${p.partition}`, Number(p.high));
  await admin.disconnect();
  const seen = new Set<string>();
  const consumer = kafka.consumer({
    groupId: `fault-campaign-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 100,
  });
  const reached = new Map<string, number>();
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const id =
        message.headers?.eventId?.toString() ??
        (JSON.parse(message.value?.toString() ?? '{}') as { eventId?: string }).eventId;
      if (id) seen.add(id);
      reached.set(`${topic}:${partition}`, Number(message.offset) + 1);
    },
  });
  const deadline = Date.now() + 60_000;
  while ([...ends].some(([tp, end]) => end > 0 && (reached.get(tp) ?? 0) < end) && Date.now() < deadline)
    await sleep(100);
  await consumer.disconnect();
  return seen;
}
