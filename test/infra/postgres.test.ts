import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../support/infra-env';
import { uniqueId } from '../support/unique';

describe('postgres', () => {
  const databaseUrl = infraEnv().databaseUrl;
  const client = new pg.Client({ connectionString: databaseUrl });

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
  });

  it('connects to the database named in DATABASE_URL', async () => {
    const expected = new URL(databaseUrl).pathname.slice(1);
    const { rows } = await client.query<{ db: string }>('select current_database() as db');
    expect(rows[0]?.db).toBe(expected);
  });

  it('has runtime.fenced_resources with the migrated columns', async () => {
    const { rows } = await client.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `select column_name, data_type, is_nullable from information_schema.columns
        where table_schema = 'runtime' and table_name = 'fenced_resources' order by ordinal_position`,
    );
    expect(rows).toEqual([
      { column_name: 'resource_id', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'fencing_token', data_type: 'bigint', is_nullable: 'NO' },
      { column_name: 'payload', data_type: 'jsonb', is_nullable: 'NO' },
      { column_name: 'updated_at', data_type: 'timestamp with time zone', is_nullable: 'NO' },
    ]);
  });

  it('a conditional update with an older fencing token changes nothing', async () => {
    const id = uniqueId('it-fence');
    const write = (token: number, payload: object) =>
      client.query(
        `insert into runtime.fenced_resources (resource_id, fencing_token, payload) values ($1, $2, $3)
           on conflict (resource_id) do update set fencing_token = excluded.fencing_token,
              payload = excluded.payload, updated_at = now()
           where runtime.fenced_resources.fencing_token < excluded.fencing_token`,
        [id, token, JSON.stringify(payload)],
      );
    try {
      expect((await write(5, { by: 'lease-5' })).rowCount).toBe(1);
      expect((await write(4, { by: 'lease-4' })).rowCount).toBe(0);
      expect((await write(6, { by: 'lease-6' })).rowCount).toBe(1);
      const { rows } = await client.query(
        'select fencing_token, payload from runtime.fenced_resources where resource_id = $1',
        [id],
      );
      expect(rows).toEqual([{ fencing_token: '6', payload: { by: 'lease-6' } }]);
    } finally {
      await client.query('delete from runtime.fenced_resources where resource_id = $1', [id]);
    }
  });
});
