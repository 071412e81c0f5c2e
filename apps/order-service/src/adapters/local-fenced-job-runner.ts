// STAND-IN for the platform's FencedJobRunner (TEAM.md interface 2, libs/platform/src/jobs, being built by
// lease-fix). Same shape: `runOnce` / `schedule`, and a work context with `fencingToken`, `signal`, `transaction`
// (claims the token in `<schema>.job_fences` first) and `holdsFence` (for the job's own WHERE). Replace it with the
// platform's runner when that lands; nothing outside the composition root and the purge job depends on it.
import { tryWithLease, type LeaseManager, type RuntimeLogger } from '@cpq/redis-runtime';
import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';

export interface FencedJobContext {
  readonly fencingToken: bigint;
  /** Aborted when the lease is lost (or the runner stops): stop soon; fenced writes stay correct anyway. */
  readonly signal: AbortSignal;
  /** Runs `fn` in one transaction that first claims `fencingToken` for the job (refused if a newer one ran). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  transaction<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T>;
  /** True while this run's token is still the job's fence: put it in the job's WHERE. */
  readonly holdsFence: Expression<SqlBool>;
}

export type FencedJobWork<T> = (context: FencedJobContext) => Promise<T>;

/** A newer holder of the job's lease already claimed the fence: this run must stop. */
export class FenceRejectedError extends Error {
  readonly code = 'ORDER_JOB_FENCE_REJECTED';
  constructor(
    readonly jobName: string,
    readonly fencingToken: bigint,
  ) {
    super(`job ${jobName}: fencing token ${fencingToken} is older than the one that already ran`);
  }
}

export interface LocalFencedJobRunnerOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  schema: string;
  /** A lease manager on the rate workload (a `lease-token` family with `hashTag: 'tenant'`). */
  leases: LeaseManager;
  logger: RuntimeLogger;
}

/** Runs a job on at most one instance at a time (lease), its writes fenced in PostgreSQL (`job_fences`). */
export class LocalFencedJobRunner {
  constructor(private readonly options: LocalFencedJobRunnerOptions) {}

  /** One run when this instance gets the lease; `undefined` when another holds it or Redis cannot grant it. */
  runOnce<T>(jobName: string, options: { ttlMs: number }, work: FencedJobWork<T>): Promise<T | undefined> {
    return tryWithLease(
      this.options.leases,
      { tenant: 'all', id: jobName },
      { ttlMs: options.ttlMs },
      (lease, signal) => work(this.context(jobName, lease.fencingToken, signal)),
    );
  }

  /** Runs the job every `intervalMs` (the first run after one interval) until `stop()`. */
  schedule(
    jobName: string,
    options: { intervalMs: number; ttlMs: number },
    work: FencedJobWork<unknown>,
  ): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() =>
        this.runOnce(jobName, options, work).catch((error: unknown) =>
          this.options.logger.warn({ job: jobName, err: String(error) }, 'fenced job failed; next run later'),
        ),
      );
    }, options.intervalMs);
    timer.unref();
    return {
      stop: async () => {
        clearInterval(timer);
        await running;
      },
    };
  }

  private context(jobName: string, fencingToken: bigint, signal: AbortSignal): FencedJobContext {
    const fences = sql.raw(`${this.options.schema}.job_fences`);
    const token = fencingToken.toString();
    return {
      fencingToken,
      signal,
      holdsFence: sql<SqlBool>`exists (select 1 from ${fences}
        where job_name = ${jobName} and fencing_token = ${token})`,
      transaction: (fn) =>
        this.options.db.transaction().execute(async (trx) => {
          const claimed = await sql`
            insert into ${fences} as f (job_name, fencing_token) values (${jobName}, ${token})
            on conflict (job_name) do update set fencing_token = excluded.fencing_token, claimed_at = now()
              where f.fencing_token <= excluded.fencing_token
            returning job_name`.execute(trx);
          if (claimed.rows.length === 0) throw new FenceRejectedError(jobName, fencingToken);
          return fn(trx);
        }),
    };
  }
}
