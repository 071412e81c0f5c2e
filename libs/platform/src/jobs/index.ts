export { createJobFencesTable, jobFencesDdl } from './job-fences-ddl';
export {
  FencedJobRunner,
  type FencedJobRunnerOptions,
  type JobContext,
  type JobRunOutcome,
  type JobSkipReason,
  type JobWork,
  type RunOnceOptions,
  type ScheduledJob,
  type ScheduleOptions,
} from './fenced-job-runner';
export { InvalidJobError, JobFencedOutError, JobStoppedError, PlatformJobError } from './jobs.errors';
