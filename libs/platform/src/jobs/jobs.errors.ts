import { CodedError } from '../errors/coded-error';

/**
 * Errors of the jobs module. Each has a stable `code` (prefix `PLATFORM_JOBS_`), keeps its `cause` and carries
 * context fields a structured logger can print.
 */
export abstract class PlatformJobError extends CodedError {}

/**
 * A newer fencing token has claimed the job: this holder's lease expired and another instance took over. Thrown
 * by `ctx.transaction` before the job's statements run (the transaction is rolled back).
 */
export class JobFencedOutError extends PlatformJobError {
  readonly code = 'PLATFORM_JOBS_FENCED_OUT';
}

/** A job name or schedule option the runner cannot use (a programming error, thrown at once). */
export class InvalidJobError extends PlatformJobError {
  readonly code = 'PLATFORM_JOBS_INVALID_JOB';
}

/** The reason `ctx.signal` carries when the job's schedule was stopped (service shutdown). */
export class JobStoppedError extends PlatformJobError {
  readonly code = 'PLATFORM_JOBS_STOPPED';
}
