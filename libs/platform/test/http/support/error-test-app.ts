import { PassThrough } from 'node:stream';
import { Controller, Get, Injectable, Module, UseGuards, type CanActivate } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { sql } from 'kysely';
import { z } from 'zod';
import { createDatabase, retryableTransaction, type Database } from '../../../src/database';
import {
  ApiOperation,
  baseServiceConfigSchema,
  createServiceApp,
  fastRoute,
  parseConfig,
} from './platform-http';
import { SECRET } from './test-app';

/** The row value a failing statement carries in PostgreSQL's `detail`, which no log line may show. */
export const SECRET_ROW_VALUE = 'cust-ref-4f7a9e-secret';
const UNEXPECTED = 'unexpected internal failure at /srv/app';

let database: Database<any> | undefined;

/** Inserts the same key twice: PostgreSQL answers 23505 with `Key (ref)=(<value>) already exists.` as its detail. */
async function violateUniqueKey(): Promise<never> {
  const db = database!.db;
  await sql`insert into refs (ref) values (${SECRET_ROW_VALUE}) on conflict do nothing`.execute(db);
  await sql`insert into refs (ref) values (${SECRET_ROW_VALUE})`.execute(db);
  throw new Error('the second insert was expected to fail');
}

/**
 * A REPEATABLE READ write whose row another connection changes after every snapshot: each attempt fails with a real
 * serialization failure (40001) until the attempts run out.
 */
async function loseEveryAttempt(): Promise<never> {
  const db = database!.db;
  const touch = sql`update refs set ref = 'conflict' where ref = 'conflict'`;
  await sql`insert into refs (ref) values ('conflict') on conflict do nothing`.execute(db);
  return retryableTransaction(
    db,
    async (trx) => {
      await sql`select ref from refs`.execute(trx); // the snapshot
      await touch.execute(db); // another connection changes the row, committed
      await touch.execute(trx);
      throw new Error('the update was expected to fail');
    },
    { isolationLevel: 'repeatable read', maxAttempts: 2 },
  );
}

@Injectable()
class FailingGuard implements CanActivate {
  canActivate(): boolean {
    throw new Error(UNEXPECTED);
  }
}

const spec = { summary: 'fails', responses: { 200: { description: 'never' } } };

@Controller('v1/tenants/:tenantId/failing')
class FailingController {
  @Get('controller')
  @ApiOperation(spec)
  controller(): never {
    throw new Error(UNEXPECTED);
  }

  @Get('guard')
  @UseGuards(FailingGuard)
  @ApiOperation(spec)
  guard() {
    return {};
  }

  @Get('hook')
  @ApiOperation(spec)
  hook() {
    return {};
  }

  @Get('database')
  @ApiOperation(spec)
  database(): Promise<never> {
    return violateUniqueKey();
  }

  @Get('conflict')
  @ApiOperation(spec)
  conflict(): Promise<never> {
    return loseEveryAttempt();
  }
}

const params = z.object({ tenantId: z.string() });
const fastRoutes = [
  fastRoute({
    method: 'GET',
    url: '/v1/tenants/:tenantId/failing/fast',
    params,
    openapi: spec,
    handle: () => {
      throw new Error(UNEXPECTED);
    },
  }),
  fastRoute({
    method: 'GET',
    url: '/v1/tenants/:tenantId/failing/fast-async',
    params,
    openapi: spec,
    handle: async () => {
      await Promise.resolve();
      throw new Error(UNEXPECTED);
    },
  }),
  fastRoute({
    method: 'GET',
    url: '/v1/tenants/:tenantId/failing/fast-database',
    params,
    openapi: spec,
    handle: () => violateUniqueKey(),
  }),
];

@Module({ controllers: [FailingController], providers: [FailingGuard] })
class FailingModule {}

export interface ErrorTestApp {
  baseUrl: string;
  /** Every JSON log line written so far. */
  logLines(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * An app whose routes fail on purpose: a controller, a Nest guard, a Fastify hook (on `/failing/hook`), fast routes
 * (synchronously and asynchronously), a unique violation and a write that loses every attempt to serialization failures
 * on a real PostgreSQL, with the log lines captured.
 */
export async function startErrorTestApp(databaseUrl: string, schema: string): Promise<ErrorTestApp> {
  database = createDatabase<any>({ url: databaseUrl, schema, poolMax: 2 });
  await sql`create schema if not exists ${sql.id(schema)}`.execute(database.db);
  await sql`create table if not exists ${sql.id(schema, 'refs')} (ref text primary key)`.execute(database.db);
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const app: NestFastifyApplication = await createServiceApp({
    service: 'error-test-service',
    module: FailingModule,
    fastRoutes,
    config: parseConfig(baseServiceConfigSchema, { PORT: '0', AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'info' }),
    logger: { stream },
  });
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('preHandler', (request, _reply, done) => {
      if (request.url.endsWith('/failing/hook')) throw new Error(UNEXPECTED);
      done();
    });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    logLines: () =>
      text
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    close: async () => {
      await app.close();
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database!.db);
      await database!.close();
    },
  };
}

export { UNEXPECTED as UNEXPECTED_ERROR_MESSAGE };
