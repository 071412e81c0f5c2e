import { LeaseLostError, type RedisConnection } from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../src/database';
import {
  FencedJobRunner,
  InvalidJobError,
  JobFencedOutError,
  JobStoppedError,
  type FencedJobRunnerOptions,
  type JobContext,
} from '../../src/jobs';
import { JobFence } from '../../src/jobs/job-fence';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import {
  addDrafts,
  createJobSchema,
  draftCount,
  openRateConnection,
  testJobKeys,
  testJobLeases,
  TEST_JOB_LEASE,
} from './job-test-parts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `FencedJobRunner` against real PostgreSQL and the shared rate Redis (keys under this file's own `<env>`). */
describe('FencedJobRunner', () => {
  const schema = uniqueId('jobs').replace(/-/g, '_');
  const keysEnv = uniqueId('jobs');
  let database: Database<any>;
  let db: Kysely<any>;
  const connections: RedisConnection[] = [];

  /** One "instance": its own Redis connection and lease manager. */
  const instance = async (overrides: Partial<FencedJobRunnerOptions> = {}) => {
    const connection = await openRateConnection(infraEnv().redisRateUrl);
    connections.push(connection);
    const leases = testJobLeases(connection, keysEnv);
    return { connection, leases, runner: new FencedJobRunner({ db, schema, leases, ...overrides }) };
  };
  const holderKey = (job: string) =>
    testJobKeys(keysEnv).key(TEST_JOB_LEASE.name, '_jobs', job, 'holder').key;
  const purgeExpired = (job: string) => async (ctx: JobContext) => {
    const result = await ctx.transaction((trx) =>
      trx
        .deleteFrom(`${schema}.drafts`)
        .where('job', '=', job)
        .where('expired', '=', true)
        .where(ctx.holdsFence)
        .executeTakeFirst(),
    );
    return Number(result.numDeletedRows);
  };
  const fenceOf = async (job: string) =>
    (
      await sql<{ fencing_token: string }>`
        select fencing_token from ${sql.id(schema)}.job_fences where job_name = ${job}`.execute(db)
    ).rows[0]?.fencing_token;

  beforeAll(async () => {
    database = createDatabase<any>({ url: infraEnv().databaseUrl, poolMax: 10 });
    db = database.db;
    await createJobSchema(db, schema);
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
    await database?.close();
  });

  it('two runners racing for one job: exactly one runs it, the other is told it is held elsewhere', async () => {
    const [a, b] = [await instance(), await instance()];
    for (let round = 0; round < 5; round++) {
      const job = uniqueId('race');
      await addDrafts(db, schema, job, 3);
      let runs = 0;
      const work = async (ctx: JobContext) => {
        runs++;
        await sleep(100); // still running when the other runner asks
        return purgeExpired(job)(ctx);
      };
      const outcomes = await Promise.all([
        a.runner.runOnce(job, { ttlMs: 5000 }, work),
        b.runner.runOnce(job, { ttlMs: 5000 }, work),
      ]);
      expect(runs).toBe(1);
      expect(outcomes.filter((o) => o.ran)).toEqual([expect.objectContaining({ ran: true, value: 3 })]);
      expect(outcomes.filter((o) => !o.ran)).toEqual([{ ran: false, reason: 'held-elsewhere' }]);
      expect(await draftCount(db, schema, job)).toBe(0);
    }
  });

  it('the keeper extends a job running past its TTL: nobody else gets in, its signal stays open', async () => {
    const [a, b] = [await instance(), await instance()];
    const job = uniqueId('long');
    const outcome = await a.runner.runOnce(job, { ttlMs: 1000 }, async (ctx) => {
      await sleep(1500);
      const meanwhile = await b.runner.runOnce(job, { ttlMs: 1000 }, async () => 'second');
      await sleep(1000);
      expect(await a.connection.client.exists(holderKey(job))).toBe(1);
      return { meanwhile, aborted: ctx.signal.aborted };
    });
    expect(outcome).toMatchObject({
      ran: true,
      value: { meanwhile: { ran: false, reason: 'held-elsewhere' }, aborted: false },
    });
    expect(await a.connection.client.exists(holderKey(job))).toBe(0); // released at the end
  });

  it("losing the lease aborts ctx.signal (LeaseLostError); the fence keeps the run's writes valid until a newer run claims it", async () => {
    const { connection, runner } = await instance();
    const job = uniqueId('lost');
    await addDrafts(db, schema, job, 2);
    const outcome = await runner.runOnce(job, { ttlMs: 1500 }, async (ctx) => {
      await connection.client.set(holderKey(job), 'another-holder', 'PX', 10_000);
      await vi.waitFor(() => expect(ctx.signal.aborted).toBe(true), { timeout: 5000, interval: 20 });
      // Nobody else claimed the job: losing the lease alone does not fence the run out.
      return { reason: ctx.signal.reason as unknown, purged: await purgeExpired(job)(ctx) };
    });
    expect(outcome.ran && outcome.value.reason).toBeInstanceOf(LeaseLostError);
    expect(outcome.ran && outcome.value.purged).toBe(2);
    // The runner released only its own lease: the other holder's key is untouched.
    expect(await connection.client.get(holderKey(job))).toBe('another-holder');
  });

  it('with Redis down the job is skipped, never run unfenced, and the skip is logged and counted', async () => {
    const registry = new Registry();
    const logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const down = await openRateConnection('redis://127.0.0.1:1');
    connections.push(down);
    const runner = new FencedJobRunner({
      db,
      schema,
      leases: testJobLeases(down, keysEnv),
      logger,
      registry,
    });
    const job = uniqueId('down');
    await addDrafts(db, schema, job, 2);
    const work = vi.fn(purgeExpired(job));

    expect(await runner.runOnce(job, { ttlMs: 5000 }, work)).toEqual({
      ran: false,
      reason: 'redis-unavailable',
    });
    const scheduled = runner.schedule(job, { intervalMs: 50, ttlMs: 5000 }, work);
    await vi.waitFor(async () => expect(await skips(registry, job)).toBeGreaterThanOrEqual(4), {
      timeout: 10_000,
      interval: 50,
    });
    await scheduled.stop();

    expect(work).not.toHaveBeenCalled();
    expect(await draftCount(db, schema, job)).toBe(2);
    expect(await fenceOf(job)).toBeUndefined();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ job }),
      expect.stringContaining('Redis cannot grant its lease'),
    );
  });

  it('schedule: two instances run the job about once per interval, never at the same time, with growing tokens', async () => {
    const [a, b] = [await instance(), await instance()];
    const job = uniqueId('sched');
    const runs: { token: bigint; start: number; end: number }[] = [];
    const work = async (ctx: JobContext) => {
      const start = performance.now();
      await sleep(50);
      runs.push({ token: ctx.fencingToken, start, end: performance.now() });
    };
    const intervalMs = 500;
    const started = performance.now();
    // out of phase by half an interval, as instances started at different times are
    const jobs = [a, b].map((i, n) =>
      i.runner.schedule(job, { intervalMs, ttlMs: 5000, initialDelayMs: n * (intervalMs / 2) }, work),
    );
    await sleep(2600);
    await Promise.all(jobs.map((j) => j.stop()));
    const elapsed = performance.now() - started;

    expect(runs.length).toBeGreaterThanOrEqual(2);
    // without the not-due check each instance would run once per interval: about twice as many
    expect(runs.length).toBeLessThanOrEqual(Math.floor(elapsed / (intervalMs * 0.9)) + 1);
    for (let i = 1; i < runs.length; i++) {
      expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
      expect(runs[i]!.token).toBeGreaterThan(runs[i - 1]!.token);
    }
    expect(await fenceOf(job)).toBe(String(runs.at(-1)!.token));
  });

  it('stop() aborts the running work (JobStoppedError) and resolves once it has ended', async () => {
    const { runner } = await instance();
    const job = uniqueId('stop');
    let ended = false;
    let reason: unknown;
    let running!: () => void;
    const isRunning = new Promise<void>((r) => (running = r));
    const scheduled = runner.schedule(job, { intervalMs: 60_000, ttlMs: 5000 }, async (ctx) => {
      running();
      await new Promise((r) => ctx.signal.addEventListener('abort', r, { once: true }));
      reason = ctx.signal.reason;
      await sleep(100);
      ended = true;
    });
    await isRunning;
    await scheduled.stop();
    expect(ended).toBe(true);
    expect(reason).toBeInstanceOf(JobStoppedError);
  });

  it('a work error rejects runOnce, is counted as failed, and releases the lease', async () => {
    const registry = new Registry();
    const { connection, runner } = await instance({ registry });
    const job = uniqueId('fail');
    await expect(
      runner.runOnce(job, { ttlMs: 5000 }, async () => {
        throw new Error('purge failed');
      }),
    ).rejects.toThrow('purge failed');
    expect(await runsOf(registry, job, 'failed')).toBe(1);
    expect(await connection.client.exists(holderKey(job))).toBe(0);
  });

  it('refuses a job name that is not a plain identifier', async () => {
    const { runner } = await instance();
    for (const name of ['', 'Purge', 'a:b', 'a b', '{x}', 'x'.repeat(101)]) {
      await expect(
        runner.runOnce(name, { ttlMs: 5000 }, async () => 1),
        name,
      ).rejects.toThrow(InvalidJobError);
    }
    expect(() => runner.schedule('ok', { intervalMs: 0, ttlMs: 5000 }, async () => 1)).toThrow(
      InvalidJobError,
    );
  });

  describe('the fence in job_fences', () => {
    it('a newer token fences out an older one; the same token claims again; holdsFence follows the newest claim', async () => {
      const job = uniqueId('fence');
      const fence = (token: bigint) => new JobFence(schema, job, token);
      const holds = async (token: bigint) =>
        (await sql<{ h: boolean }>`select ${fence(token).holds} as h`.execute(db)).rows[0]!.h;

      expect(await fence(5n).claim(db)).toBe(true);
      expect(await fence(4n).claim(db)).toBe(false);
      expect(await fence(5n).claim(db)).toBe(true);
      expect([await holds(4n), await holds(5n)]).toEqual([false, true]);
      // tokens beyond 2^53 (Redis TIME in microseconds is about 2^50 today) are compared exactly
      expect(await fence(2n ** 62n + 1n).claim(db)).toBe(true);
      expect(await fence(2n ** 62n).claim(db)).toBe(false);
      expect([await holds(5n), await holds(2n ** 62n + 1n)]).toEqual([false, true]);
    });

    it('inside a transaction the claim holds the fence: a newer claim waits for the commit', async () => {
      const job = uniqueId('lock');
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      const older = db.transaction().execute(async (trx) => {
        expect(await new JobFence(schema, job, 10n).claim(trx)).toBe(true);
        await held;
      });
      await sleep(100);
      let newerDone = false;
      const newer = new JobFence(schema, job, 11n).claim(db).then((ok) => ((newerDone = true), ok));
      await sleep(300);
      expect(newerDone).toBe(false);
      release();
      await older;
      expect(await newer).toBe(true);
    });

    it('ctx.transaction of a fenced-out run throws JobFencedOutError and runs nothing', async () => {
      const { runner } = await instance();
      const job = uniqueId('out');
      await addDrafts(db, schema, job, 1);
      const outcome = await runner.runOnce(job, { ttlMs: 5000 }, async (ctx) => {
        await new JobFence(schema, job, ctx.fencingToken + 1n).claim(db); // a newer run claims meanwhile
        return purgeExpired(job)(ctx).catch((e: unknown) => e);
      });
      expect(outcome.ran && outcome.value).toBeInstanceOf(JobFencedOutError);
      expect(await draftCount(db, schema, job)).toBe(1);
    });
  });
});

async function runsOf(registry: Registry, job: string, outcome: string): Promise<number> {
  const metric = await registry.getSingleMetric('platform_job_runs_total')?.get();
  return metric?.values.find((v) => v.labels.job === job && v.labels.outcome === outcome)?.value ?? 0;
}

const skips = (registry: Registry, job: string) => runsOf(registry, job, 'redis-unavailable');
