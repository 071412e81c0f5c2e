import { newEnvelope, TOPICS } from '@cpq/contracts';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VersionedTables, type PublishedVersion } from '../../src/publishing';
import { uniqueId } from '../../../../test/support/unique';
import { createTestSchema } from '../events/events-fixture';

interface Item {
  id: string;
  body: string;
}

const items = (count: number, prefix = 'item'): Item[] =>
  Array.from({ length: count }, (_, i) => ({ id: `${prefix}-${String(i).padStart(5, '0')}`, body: `b${i}` }));

const event = (tenantId: string) => (published: PublishedVersion) =>
  newEnvelope({
    topic: TOPICS.catalogPublished,
    tenantId,
    aggregateId: `v${published.version}`,
    payload: { catalogVersion: published.version, publishedAt: published.publishedAt, offers: [] },
  });

describe('VersionedTables', () => {
  let fixture: Awaited<ReturnType<typeof createTestSchema>>;
  let tables: VersionedTables;

  beforeAll(async () => {
    fixture = await createTestSchema('it_versioned');
    const { db } = fixture.database;
    const table = (name: string) => sql.id(fixture.schema, name);
    await sql`create table ${table('pointers')} (tenant_id text primary key, current_version integer not null,
      published_at timestamptz not null)`.execute(db);
    await sql`create table ${table('versions')} (tenant_id text not null, version integer not null,
      published_at timestamptz not null, item_count integer not null, request_id text,
      primary key (tenant_id, version))`.execute(db);
    await sql`create table ${table('items')} (tenant_id text not null, doc_version integer not null,
      item_id text not null, body text not null, primary key (tenant_id, doc_version, item_id),
      foreign key (tenant_id, doc_version) references ${table('versions')} (tenant_id, version))`.execute(db);
    tables = new VersionedTables(db, {
      schema: fixture.schema,
      pointerTable: 'pointers',
      versionsTable: 'versions',
      countColumn: 'item_count',
      itemsTable: 'items',
      itemVersionColumn: 'doc_version',
    });
  });
  afterAll(() => fixture?.drop());

  const publish = (tenantId: string, published: Item[], requestId?: string) =>
    tables.publish({
      tenantId,
      items: published,
      row: (item) => ({ item_id: item.id, body: item.body }),
      requestId,
      published: (version: PublishedVersion) => version,
      event: event(tenantId),
    });

  const storedItems = async (tenantId: string, version: number) =>
    fixture.database.db
      .withSchema(fixture.schema)
      .selectFrom('items')
      .select(['item_id', 'body'])
      .where('tenant_id', '=', tenantId)
      .where('doc_version', '=', version)
      .orderBy('item_id')
      .execute();

  it('stores version N+1 with every item (in chunks), makes it current and appends its event', async () => {
    const tenant = uniqueId('vt');
    expect(await tables.findCurrent(tenant)).toBeUndefined();
    const first = await publish(tenant, items(2), 'req-1');
    const second = await publish(tenant, items(1_234), 'req-2');
    expect(first).toMatchObject({ version: 1, itemCount: 2 });
    expect(second).toMatchObject({ version: 2, itemCount: 1_234 });
    expect(await tables.findCurrent(tenant)).toEqual({ currentVersion: 2, publishedAt: second.publishedAt });
    expect(await tables.versionExists(tenant, 2)).toBe(true);
    expect(await tables.versionExists(tenant, 3)).toBe(false);
    expect(await storedItems(tenant, 2)).toHaveLength(1_234);
    expect(await storedItems(tenant, 1)).toEqual([
      { item_id: 'item-00000', body: 'b0' },
      { item_id: 'item-00001', body: 'b1' },
    ]);
    const events = await fixture.database.db
      .withSchema(fixture.schema)
      .selectFrom('outbox')
      .select(['envelope', 'request_id'])
      .where(sql`envelope->>'tenantId'`, '=', tenant)
      .orderBy('created_at')
      .execute();
    expect(events.map((row) => [row.envelope.aggregateId, row.request_id])).toEqual([
      ['v1', 'req-1'],
      ['v2', 'req-2'],
    ]);
  });

  it('gives concurrent publishes of one tenant consecutive versions', async () => {
    const tenant = uniqueId('vt');
    const versions = await Promise.all(
      Array.from({ length: 6 }, (_, i) => publish(tenant, items(3, `p${i}`)).then((p) => p.version)),
    );
    expect(versions.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await tables.findCurrent(tenant))?.currentVersion).toBe(6);
  });

  it('stores nothing when a part of the transaction fails', async () => {
    const tenant = uniqueId('vt');
    await publish(tenant, items(1));
    const duplicate = [...items(2), ...items(1)];
    await expect(publish(tenant, duplicate)).rejects.toThrow(/duplicate key/);
    expect((await tables.findCurrent(tenant))?.currentVersion).toBe(1);
    expect(await tables.versionExists(tenant, 2)).toBe(false);
  });

  it('refuses a schema name that is not a plain identifier', () => {
    expect(
      () =>
        new VersionedTables(fixture.database.db, {
          schema: 'x; drop table y',
          pointerTable: 'p',
          versionsTable: 'v',
          countColumn: 'c',
          itemsTable: 'i',
          itemVersionColumn: 'iv',
        }),
    ).toThrow(/invalid schema name/);
  });
});
