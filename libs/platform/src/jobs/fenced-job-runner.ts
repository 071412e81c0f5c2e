import {
  LeaseContendedError,
  LuaScriptError,
  RedisTimeoutError,
  RedisUnavailableError,
  type LeaseManager,
} from '@cpq/redis-runtime';
import type { Kysely, RawBuilder, Transaction } from 'kysely';
import type { Registry } from 'prom-client';
import { assertSchemaName } from '../database/schema-name';
import { errorMessage, silentEventsLogger, type EventsLogger } from '../events/events-logger';
import { JobFence, startedWithin } from './job-fence';
import { jobRunsCounter, type JobRunCounter } from './job-metrics';
import { InvalidJobError, JobFencedOutError, JobStoppedError } from './jobs.errors';

export interface FencedJobRunnerOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  /** The schema holding `job_fences` (see `jobFencesDdl`). */
  schema: string;
  /**
   * Leases in the rate workload, of a tenant-tagged `lease-token` family of the service, e.g.
   * `new RedisLeaseManager({ connection: redis.connection('rate'), keys: redis.keys, family: 'order-job-lease' })`.
   */
  leases: LeaseManager;
  /** Tenant segment of the lease keys: jobs are not per tenant, and no tenant id starts with `_`. @default '_jobs' */
  leaseTenant?: string;
  /** @default silent */
  logger?: EventsLogger;
  /** Where `platform_job_runs_total{job, outcome}` is registered. @default not counted */
  registry?: Registry;
}

/** What a job's work gets for one run. */
export interface JobContext {
  readonly jobName: string;
  /** The run's lease token: larger than the token of every earlier run of this job. */
  readonly fencingToken: bigint;
  /**
   * Aborted when the lease is lost (reason `LeaseLostError`) or the schedule is stopped (`JobStoppedError`). Stop
   * soon; writes already carry the fence, so a late one cannot land after a newer run's claim.
   */
  readonly signal: AbortSignal;
  /**
   * True while this run's token is the job's newest claim: put it in the `WHERE` of every statement the job runs
   * outside `transaction` (`db.deleteFrom(t).where(...).where(ctx.holdsFence)`), so a holder paused past its lease
   * changes nothing once a newer run has claimed the job. Checked when the statement starts.
   */
  readonly holdsFence: RawBuilder<boolean>;
  /**
   * Runs `fn` in one transaction that first claims the job for this token, and throws `JobFencedOutError` (rolled
   * back, `fn` not called) when a newer run already claimed it. The claim keeps the fence row locked until the
   * transaction ends, so a newer run's claim waits: the transaction is never interleaved with a newer run's work.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  transaction<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T>;
}

export type JobWork<T> = (ctx: JobContext) => Promise<T>;

export interface RunOnceOptions {
  /** Lease TTL, within the lease family's range; the lease is extended every third of it while the work runs. */
  ttlMs: number;
}

export interface ScheduleOptions extends RunOnceOptions {
  /**
   * Each instance tries every `intervalMs` (after its previous attempt ended); a run is skipped as `not-due` when
   * any instance started one within the last 90 % of the interval, so the fleet runs the job about once per interval.
   */
  intervalMs: number;
  /** Delay before this instance's first attempt. @default 0 */
  initialDelayMs?: number;
}

/**
 * Why a run did not start: the lease is held by another instance, Redis could not grant it (the job is never run
 * without its fence), a newer run already claimed the job, or (schedules) a run started less than an interval ago.
 */
export type JobSkipReason = 'held-elsewhere' | 'redis-unavailable' | 'fenced-out' | 'not-due';

export type JobRunOutcome<T> =
  | { readonly ran: true; readonly fencingToken: bigint; readonly value: T }
  | { readonly ran: false; readonly reason: JobSkipReason };

export interface ScheduledJob {
  /** No further runs; aborts the signal of a run in progress and resolves once it has ended. */
  stop(): Promise<void>;
}

const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const DUE_SHARE = 0.9;

/**
 * "A job one instance runs at a time": a lease (Redis, rate workload) decides which instance runs, a keeper
 * extends it while the work runs and aborts `ctx.signal` when it is lost, and the fencing token, claimed in
 * `<schema>.job_fences` and checked in the job's own SQL, keeps a holder that lost its lease from changing
 * anything once a newer run has claimed the job. The lease saves duplicate work; the fence makes it correct.
 */
export class FencedJobRunner {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private readonly db: Kysely<any>;
  private readonly schema: string;
  private readonly leases: LeaseManager;
  private readonly leaseTenant: string;
  private readonly logger: EventsLogger;
  private readonly runs: JobRunCounter;

  constructor(options: FencedJobRunnerOptions) {
    this.db = options.db;
    this.schema = assertSchemaName(options.schema);
    this.leases = options.leases;
    this.leaseTenant = options.leaseTenant ?? '_jobs';
    this.logger = options.logger ?? silentEventsLogger;
    this.runs = jobRunsCounter(options.registry);
  }

  /**
   * One attempt: runs `work` if this instance gets the job's lease and its fence, else says why not. An error of
   * the work (a `JobFencedOutError` from `ctx.transaction` included) rejects the promise.
   */
  async runOnce<T>(jobName: string, options: RunOnceOptions, work: JobWork<T>): Promise<JobRunOutcome<T>> {
    return this.run(assertJobName(jobName), options.ttlMs, work);
  }

  /** Attempts the job every `intervalMs` on this instance until `stop()`; failures are logged and counted. */
  schedule<T>(jobName: string, options: ScheduleOptions, work: JobWork<T>): ScheduledJob {
    const name = assertJobName(jobName);
    const { intervalMs, ttlMs } = options;
    if (!(Number.isFinite(intervalMs) && intervalMs > 0)) {
      throw new InvalidJobError(`job ${name}: intervalMs must be a positive number`, {
        job: name,
        intervalMs,
      });
    }
    const stopping = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let attempt: Promise<void> | undefined;
    const tick = () => {
      attempt = this.run(name, ttlMs, work, stopping.signal, intervalMs * DUE_SHARE)
        .then(
          () => undefined,
          (error: unknown) => this.logFailure(name, error),
        )
        .finally(() => {
          attempt = undefined;
          if (!stopping.signal.aborted) timer = setTimeout(tick, intervalMs).unref();
        });
    };
    timer = setTimeout(tick, options.initialDelayMs ?? 0).unref();
    return {
      stop: async () => {
        if (!stopping.signal.aborted) {
          stopping.abort(new JobStoppedError(`job ${name} was stopped`, { job: name }));
        }
        clearTimeout(timer);
        await attempt;
      },
    };
  }

  private async run<T>(
    jobName: string,
    ttlMs: number,
    work: JobWork<T>,
    stop?: AbortSignal,
    notWithinMs?: number,
  ): Promise<JobRunOutcome<T>> {
    let started = false;
    let outcome: JobRunOutcome<T>;
    try {
      outcome = await this.leases.withLease(
        { tenant: this.leaseTenant, id: jobName },
        { ttlMs },
        async (lease, leaseSignal): Promise<JobRunOutcome<T>> => {
          started = true;
          if (
            notWithinMs !== undefined &&
            (await startedWithin(this.db, this.schema, jobName, notWithinMs))
          ) {
            return skipped('not-due');
          }
          const fence = new JobFence(this.schema, jobName, lease.fencingToken);
          if (!(await fence.claim(this.db))) return skipped('fenced-out');
          const signal = stop ? AbortSignal.any([leaseSignal, stop]) : leaseSignal;
          const value = await work(this.context(fence, signal));
          return { ran: true, fencingToken: lease.fencingToken, value };
        },
      );
    } catch (error) {
      if (!started && error instanceof LeaseContendedError) outcome = skipped('held-elsewhere');
      else if (!started && leaseUnavailable(error)) {
        this.logger.warn(
          { job: jobName, err: errorMessage(error) },
          'job skipped: Redis cannot grant its lease (it never runs unfenced)',
        );
        outcome = skipped('redis-unavailable');
      } else {
        this.runs.inc(jobName, error instanceof JobFencedOutError ? 'fenced-out' : 'failed');
        throw error;
      }
    }
    this.runs.inc(jobName, outcome.ran ? 'ran' : outcome.reason);
    if (!outcome.ran && outcome.reason === 'fenced-out') {
      this.logger.warn({ job: jobName }, 'job skipped: a newer run already claimed its fence');
    }
    return outcome;
  }

  private context(fence: JobFence, signal: AbortSignal): JobContext {
    return {
      jobName: fence.jobName,
      fencingToken: fence.fencingToken,
      signal,
      holdsFence: fence.holds,
      transaction: (fn) =>
        this.db.transaction().execute(async (trx) => {
          if (!(await fence.claim(trx))) {
            throw new JobFencedOutError(`a newer run of job ${fence.jobName} has claimed its fence`, {
              job: fence.jobName,
              fencingToken: fence.fencingToken.toString(),
            });
          }
          return fn(trx);
        }),
    };
  }

  private logFailure(jobName: string, error: unknown): void {
    if (error instanceof JobFencedOutError) {
      this.logger.warn({ job: jobName }, 'job stopped: a newer run claimed its fence');
    } else {
      this.logger.error({ job: jobName, err: errorMessage(error) }, 'job run failed');
    }
  }
}

function skipped(reason: JobSkipReason): JobRunOutcome<never> {
  return { ran: false, reason };
}

/** Redis could not answer the acquire: down, too slow, or a broken reply. */
function leaseUnavailable(error: unknown): boolean {
  return (
    error instanceof RedisUnavailableError ||
    error instanceof RedisTimeoutError ||
    error instanceof LuaScriptError
  );
}

function assertJobName(jobName: string): string {
  if (!JOB_NAME.test(jobName)) {
    throw new InvalidJobError(
      'a job name is 1-100 characters of [a-z0-9._-], starting with a letter or digit',
      {
        job: jobName.slice(0, 100),
      },
    );
  }
  return jobName;
}
