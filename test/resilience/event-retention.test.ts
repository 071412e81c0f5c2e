import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../support/infra-env';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { newRunAppEnv, startEveryService, type ServiceUnderTest } from '../support/services-under-test';

// Every service, events on, against a database of its own: each one's schema gets old published outbox rows, old
// inbox rows, and rows that must stay (pending, recent). The services' own retention schedule purges the old ones.

const SCHEMAS: Record<string, string> = {
  'catalog-service': 'catalog',
  'pricing-service': 'pricing',
  'config-service': 'config',
  'order-service': 'ordering',
};
const HOUR_MS = 3600 * 1000;

let scratch: ScratchDatabase;
let client: pg.Client;
let services: Map<string, ServiceUnderTest> | undefined;

async function insertRows(schema: string): Promise<void> {
  const at = (hours: number) => new Date(Date.now() - hours * HOUR_MS);
  const outbox = async (ageHours: number, published: boolean) =>
    client.query(
      `insert into ${schema}.outbox (event_id, topic, message_key, event_type, envelope, created_at, published_at)
       values ($1, 'retention.test', 'k', 'retention.test', '{}'::jsonb, $2, $3)`,
      [randomUUID(), at(ageHours), published ? at(ageHours) : null],
    );
  const inbox = async (ageHours: number) =>
    client.query(
      `insert into ${schema}.inbox (consumer_group, event_id, event_type, received_at) values ('retention-test', $1, 't', $2)`,
      [randomUUID(), at(ageHours)],
    );
  for (let i = 0; i < 3; i++) await outbox(24 * 8, true); // published 8 days ago: past 7 days
  await outbox(24, true); // published a day ago: kept
  await inbox(24 * 15); // 15 days: past 14 days
  await inbox(24 * 15);
  await inbox(24 * 3); // kept
}

async function remaining(schema: string): Promise<{ published: number; inbox: number }> {
  const { rows } = await client.query(
    `select (select count(*)::int from ${schema}.outbox where topic = 'retention.test') as published,
            (select count(*)::int from ${schema}.inbox where consumer_group = 'retention-test') as inbox`,
  );
  return rows[0];
}

beforeAll(async () => {
  scratch = await createScratchDatabase(infraEnv().databaseUrl, Object.values(SCHEMAS));
  client = new pg.Client({ connectionString: scratch.url });
  await client.connect();
  for (const schema of Object.values(SCHEMAS)) await insertRows(schema);
  // the rows exist before any service starts: a purge finds them at its first run
  services = await startEveryService(newRunAppEnv('ret'), {
    DATABASE_URL: scratch.url,
    CATALOG_EVENTS: 'on',
    PRICING_EVENTS: 'on',
    PRICING_PROJECTION_REPLAY: 'off',
    CONFIG_EVENTS: 'on',
    ORDER_EVENTS: 'on',
    ORDER_PROJECTION_REPLAY: 'off',
    EVENT_RETENTION_INTERVAL_MS: '1000',
  });
}, 180_000);

afterAll(async () => {
  await Promise.allSettled([...(services?.values() ?? [])].map((instance) => instance.close()));
  await client?.end();
  await scratch?.drop();
}, 60_000);

describe('the outbox and inbox retention of every service', () => {
  it.each(Object.entries(SCHEMAS))(
    '%s purges its schema (%s): published outbox rows past 7 days and inbox rows past 14 days, nothing else',
    async (_service, schema) => {
      const deadline = Date.now() + 30_000;
      let left = await remaining(schema);
      while ((left.published !== 1 || left.inbox !== 1) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        left = await remaining(schema);
      }
      expect(left).toEqual({ published: 1, inbox: 1 });
    },
    40_000,
  );
});
