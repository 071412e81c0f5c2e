import { spawnSync } from 'node:child_process';
import path from 'node:path';
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

  it('every migration applies to an empty database (runtime.fenced_resources: created by 0001, dropped by 0002)', async () => {
    // A throwaway database on the same server: the shared one is migrated by scripts/infra, not by tests.
    const name = uniqueId('cpq_migrate').replace(/-/g, '_');
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    await client.query(`create database ${name}`);
    try {
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, DATABASE_URL: url.toString() },
        encoding: 'utf8',
      });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toContain('runtime: 0002_drop_fenced_resources Success');
      const fresh = new pg.Client({ connectionString: url.toString() });
      await fresh.connect();
      try {
        const { rows } = await fresh.query(
          `select table_name from information_schema.tables where table_schema = 'runtime'
             and table_name not like 'kysely_migration%'`,
        );
        expect(rows).toEqual([]);
      } finally {
        await fresh.end();
      }
    } finally {
      await client.query(`drop database if exists ${name} with (force)`);
    }
  }, 60_000);
});
