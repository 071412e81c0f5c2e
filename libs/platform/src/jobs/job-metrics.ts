import { Counter, type Registry } from 'prom-client';
import type { JobSkipReason } from './fenced-job-runner';

export type JobRunResult = 'ran' | 'failed' | JobSkipReason;

/** Counts job attempts by job and result: `platform_job_runs_total{job, outcome}`. */
export interface JobRunCounter {
  inc(job: string, outcome: JobRunResult): void;
}

const NAME = 'platform_job_runs_total';

/** The counter in `registry` (one per registry, shared by every runner on it), or a no-op without one. */
export function jobRunsCounter(registry: Registry | undefined): JobRunCounter {
  if (!registry) return { inc() {} };
  const counter =
    (registry.getSingleMetric(NAME) as Counter<'job' | 'outcome'> | undefined) ??
    new Counter({
      name: NAME,
      help: 'Attempts of fenced jobs by outcome: ran, failed, fenced-out, held-elsewhere, redis-unavailable, not-due',
      labelNames: ['job', 'outcome'],
      registers: [registry],
    });
  return { inc: (job, outcome) => counter.inc({ job, outcome }) };
}
