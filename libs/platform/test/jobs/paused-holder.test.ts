import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { RedisConnection } from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/database';
import { FencedJobRunner, type JobContext, type JobRunOutcome } from '../../src/jobs';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import type { HolderMessage } from './paused-holder.child';
import { addDrafts, createJobSchema, draftCount, openRateConnection, testJobLeases } from './job-test-parts';

const ROOT = path.resolve(__dirname, '../../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process state letter from /proc (`T`: stopped by a signal). */
const processState = (pid: number) => /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];

/**
 * The case fencing exists for: a holder that stops dead (GC pause, stalled VM) while running a retention job, past
 * its lease TTL. Its keeper is frozen with it, the lease expires in Redis, another instance takes the job over and
 * runs it; then the first holder wakes up and goes on with the delete it had decided on. It must delete nothing.
 */
describe('a job holder paused past its lease TTL', () => {
  const schema = uniqueId('jobs_paused').replace(/-/g, '_');
  const keysEnv = uniqueId('paused');
  let database: Database<any>;
  let db: Kysely<any>;
  let connection: RedisConnection;
  let holder: ChildProcess | undefined;

  beforeAll(async () => {
    database = createDatabase<any>({ url: infraEnv().databaseUrl, poolMax: 4 });
    db = database.db;
    await createJobSchema(db, schema);
    connection = await openRateConnection(infraEnv().redisRateUrl);
  });

  afterAll(async () => {
    if (holder?.pid && holder.exitCode === null) {
      holder.kill('SIGCONT');
      holder.kill('SIGKILL');
    }
    await connection?.close();
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
    await database?.close();
  });

  it('wakes up after another runner took over and ran the job, and deletes nothing', async () => {
    const job = uniqueId('purge');
    await addDrafts(db, schema, job, 3);
    const messages = startHolder(job);
    const holding = await messages.next('holding');
    const pid = holder!.pid!;

    // Stop the holder dead while it holds the lease and the fence.
    process.kill(pid, 'SIGSTOP');
    await expectEventually(() => processState(pid) === 'T');

    // Its 1 s lease expires in Redis (no keeper runs in a stopped process); another instance takes over and runs.
    const other = new FencedJobRunner({ db, schema, leases: testJobLeases(connection, keysEnv) });
    const purge = async (ctx: JobContext) =>
      ctx.transaction(async (trx) => {
        const result = await trx
          .deleteFrom(`${schema}.drafts`)
          .where('job', '=', job)
          .where('expired', '=', true)
          .where(ctx.holdsFence)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    let takeover: JobRunOutcome<number> = { ran: false, reason: 'held-elsewhere' };
    const deadline = Date.now() + 15_000;
    while (!takeover.ran && Date.now() < deadline) {
      takeover = await other.runOnce(job, { ttlMs: 5000 }, purge);
      if (!takeover.ran) await sleep(100);
    }
    expect(takeover).toMatchObject({ ran: true, value: 3 });
    expect(processState(pid)).toBe('T'); // the holder was stopped the whole time
    expect(takeover.ran && takeover.fencingToken).toBeGreaterThan(BigInt(holding.fencingToken));

    // Drafts expire again after the takeover's purge: exactly what the woken holder's old decision would delete.
    await addDrafts(db, schema, job, 2);
    process.kill(pid, 'SIGCONT');
    holder!.send('go');
    const done = await messages.next('done');

    expect(done).toMatchObject({
      ran: true,
      deletedOutsideTransaction: 0,
      transactionError: 'PLATFORM_JOBS_FENCED_OUT',
    });
    expect(await draftCount(db, schema, job)).toBe(2);
    const fence = await sql<{ fencing_token: string }>`
      select fencing_token from ${sql.id(schema)}.job_fences where job_name = ${job}`.execute(db);
    expect(fence.rows[0]?.fencing_token).toBe(String(takeover.ran && takeover.fencingToken));
  }, 60_000);

  /** Forks the holder (TypeScript through @swc-node/register) and reads its IPC messages in order. */
  function startHolder(job: string) {
    const child = fork(path.join(__dirname, 'paused-holder.child.ts'), [], {
      cwd: ROOT,
      execArgv: ['-r', '@swc-node/register'],
      env: {
        ...process.env,
        SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.base.json'),
        DATABASE_URL: infraEnv().databaseUrl,
        REDIS_RATE_URL: infraEnv().redisRateUrl,
        SCHEMA: schema,
        KEYS_ENV: keysEnv,
        JOB: job,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    holder = child;
    const queue: HolderMessage[] = [];
    let wake: (() => void) | undefined;
    child.on('message', (m) => {
      queue.push(m as HolderMessage);
      wake?.();
    });
    child.on('exit', () => wake?.());
    return {
      async next<T extends HolderMessage['type']>(type: T): Promise<Extract<HolderMessage, { type: T }>> {
        const deadline = Date.now() + 45_000;
        for (;;) {
          const m = queue.shift();
          if (m?.type === 'failed') throw new Error(`holder failed: ${m.error}`);
          if (m?.type === type) return m as Extract<HolderMessage, { type: T }>;
          if (m) throw new Error(`holder sent ${m.type}, expected ${type}`);
          if (child.exitCode !== null) throw new Error(`holder exited (${child.exitCode}) before ${type}`);
          if (Date.now() > deadline) throw new Error(`no ${type} message from the holder`);
          await new Promise<void>((r) => {
            wake = r;
            setTimeout(r, 500);
          });
        }
      },
    };
  }
});

async function expectEventually(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
