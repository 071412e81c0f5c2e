// Runs the PostgreSQL migrations: every folder migrations/<schema>/ is one schema, migrated with kysely's
// FileMigrationProvider and its own migration tables inside that schema. Run by scripts/infra:
//   DATABASE_URL=postgres://... node --import tsx scripts/migrate.ts
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { FileMigrationProvider, Migrator } from 'kysely/migration';
import pg from 'pg';

const MIGRATIONS_DIR = path.resolve(__dirname, '..', 'migrations');
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

// The runner knows no table types (and kysely's Migrator takes Kysely<any>).
/* eslint-disable @typescript-eslint/no-explicit-any */

async function schemaFolders(): Promise<string[]> {
  const entries = await fs.readdir(MIGRATIONS_DIR, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  for (const name of names) {
    if (!SCHEMA_NAME.test(name))
      throw new Error(`migrations/${name}: folder name is not a valid schema name`);
  }
  return names.sort();
}

async function migrateSchema(db: Kysely<any>, schema: string): Promise<string> {
  await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({
      fs,
      path,
      migrationFolder: path.join(MIGRATIONS_DIR, schema),
      import: (file) => import(pathToFileURL(file).href),
      onFileIgnored: (file, reason) => console.warn(`${schema}: ignored ${file} (${reason})`),
    }),
    migrationTableSchema: schema,
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  for (const r of results) console.log(`${schema}: ${r.migrationName} ${r.status}`);
  if (error) throw error;
  const applied = results.filter((r) => r.status === 'Success').length;
  return applied === 0 ? `${schema} up to date` : `${schema} +${applied}`;
}

async function main(): Promise<void> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) throw new Error('DATABASE_URL is not set');
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 2 }) }),
  });
  try {
    const summaries: string[] = [];
    for (const schema of await schemaFolders()) summaries.push(await migrateSchema(db, schema));
    console.log(`migrations: ${summaries.join(', ') || 'none found'}`);
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  console.error('migration failed:', err);
  process.exitCode = 1;
});
