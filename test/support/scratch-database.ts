import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { FileMigrationProvider, Migrator } from 'kysely/migration';
import pg from 'pg';
import { uniqueId } from './unique';

const MIGRATIONS = path.resolve(__dirname, '../../migrations');

export interface ScratchDatabase {
  /** `postgres://.../<scratch database>` */
  readonly url: string;
  /** Drops the database (its connections are terminated first). */
  drop(): Promise<void>;
}

/**
 * A database of its own on the test PostgreSQL server, with `schemas` migrated like `scripts/migrate.ts` does, for a
 * test whose rows must not meet other files' (e.g. an outbox that other instances' relays would drain).
 */
export async function createScratchDatabase(serverUrl: string, schemas: string[]): Promise<ScratchDatabase> {
  const name = uniqueId('scratch').replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 1 }) }),
  });
  try {
    for (const schema of schemas) {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
      const { error } = await new Migrator({
        db,
        provider: new FileMigrationProvider({
          fs,
          path,
          migrationFolder: path.join(MIGRATIONS, schema),
          import: (file) => import(pathToFileURL(file).href),
        }),
        migrationTableSchema: schema,
      }).migrateToLatest();
      if (error) throw error;
    }
  } finally {
    await db.destroy();
  }
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
