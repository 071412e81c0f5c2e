// STAND-IN, to be replaced by the platform's `FencedJobRunner` (TEAM.md interface 2, libs/platform/src/jobs/, being
// built by lease-fix) once it is on main. Same shape: `runOnce(jobName, {ttlMs}, work)`, `schedule(jobName,
// {intervalMs, ttlMs}, work)` returning `{stop()}`, and `work(ctx)` with `ctx.fencingToken`, `ctx.signal`,
// `ctx.transaction(fn)` (claims the token in `config.job_fences` first, refusing if a newer token ran) and
// `ctx.holdsFence` (the SQL condition a job puts in its own WHERE). Swapping it changes config-runtime.ts only.
import { tryWithLease, type LeaseManager } from '@cpq/redis-runtime';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { ConfigTables } from './config.tables';

export interface FencedJobContext {
  readonly fencingToken: bigint;
  /** Aborted as soon as the lease is known or suspected lost. */
  readonly signal: AbortSignal;
  /** Runs `fn` in one transaction that first claims this token in `config.job_fences`. */
  transaction<T>(fn: (trx: Transaction<ConfigTables>) => Promise<T>): Promise<T>;
  /** True while this token is still the job's latest: put it in the WHERE of every write the job makes. */
  readonly holdsFence: RawBuilder<boolean>;
}

export type FencedJobWork<T> = (ctx: FencedJobContext) => Promise<T>;

/** A newer fencing token already ran this job: this holder's lease is gone; it must stop. */
export class JobFenceRefusedError extends Error {
  readonly code = 'CONFIG_JOB_FENCE_REFUSED';
  constructor(
    readonly jobName: string,
    readonly fencingToken: bigint,
  ) {
    super(`job ${jobName}: fencing token ${fencingToken} is older than the last one that ran`);
    this.name = 'JobFenceRefusedError';
  }
}

export class FencedJobRunnerStandIn {
  constructor(
    private readonly db: Kysely<ConfigTables>,
    /** A lease-token family of the rate workload (`config-purge-lease`). */
    private readonly leases: LeaseManager,
    private readonly logger: { warn(obj: object, msg: string): void },
  ) {}

  /** Runs `work` once if this instance gets the job's lease; `undefined` when another instance holds it. */
  runOnce<T>(jobName: string, options: { ttlMs: number }, work: FencedJobWork<T>): Promise<T | undefined> {
    return tryWithLease(
      this.leases,
      { tenant: 'all', id: jobName },
      { ttlMs: options.ttlMs },
      (lease, signal) => work(this.contextOf(jobName, lease.fencingToken, signal)),
    );
  }

  /** `runOnce` every `intervalMs` (first run after one interval) until `stop()`, which waits for a running one. */
  schedule(jobName: string, options: { intervalMs: number; ttlMs: number }, work: FencedJobWork<unknown>) {
    let stopped = false;
    let running: Promise<unknown> = Promise.resolve();
    const tick = () => {
      if (stopped) return;
      running = this.runOnce(jobName, options, work)
        .catch((error: unknown) => this.logger.warn({ err: error, job: jobName }, 'fenced job run failed'))
        .finally(() => {
          if (!stopped) timer = setTimeout(tick, options.intervalMs);
        });
    };
    let timer: NodeJS.Timeout = setTimeout(tick, options.intervalMs);
    timer.unref();
    return {
      async stop(): Promise<void> {
        stopped = true;
        clearTimeout(timer);
        await running;
      },
    };
  }

  /** The context of a holder of `fencingToken` (also what a test uses to play a paused holder). */
  contextOf(jobName: string, fencingToken: bigint, signal: AbortSignal): FencedJobContext {
    const token = fencingToken.toString();
    return {
      fencingToken,
      signal,
      holdsFence: sql<boolean>`exists (select 1 from config.job_fences
        where job_name = ${jobName} and fencing_token = ${token})`,
      transaction: (fn) =>
        this.db.transaction().execute(async (trx) => {
          const claimed = await trx
            .insertInto('config.job_fences')
            .values({ job_name: jobName, fencing_token: token })
            .onConflict((oc) =>
              oc
                .column('job_name')
                .doUpdateSet({ fencing_token: token, claimed_at: sql`now()` })
                .where(sql<boolean>`job_fences.fencing_token <= ${token}::bigint`),
            )
            .returning('job_name')
            .executeTakeFirst();
          if (claimed === undefined) throw new JobFenceRefusedError(jobName, fencingToken);
          return fn(trx);
        }),
    };
  }
}
