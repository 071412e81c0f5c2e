import { describe, expect, it } from 'vitest';
import { jobFencesDdl } from './job-fences-ddl';
import { InvalidJobError, JobFencedOutError, JobStoppedError } from './jobs.errors';

describe('jobs errors and DDL', () => {
  it('pins the stable codes, keeps the cause and the context', () => {
    const cause = new Error('root');
    const error = new JobFencedOutError('fenced out', { job: 'purge' }, { cause });
    expect(error).toMatchObject({ code: 'PLATFORM_JOBS_FENCED_OUT', name: 'JobFencedOutError', cause });
    expect(error.context).toEqual({ job: 'purge' });
    expect(new InvalidJobError('x').code).toBe('PLATFORM_JOBS_INVALID_JOB');
    expect(new JobStoppedError('x').code).toBe('PLATFORM_JOBS_STOPPED');
  });

  it('writes the agreed job_fences table into the given schema only', () => {
    const [table] = jobFencesDdl('ordering');
    expect(table).toContain('create table ordering.job_fences');
    expect(table).toMatch(
      /job_name text primary key,\s+fencing_token bigint not null,\s+claimed_at timestamptz not null default now\(\)/,
    );
    expect(() => jobFencesDdl('ordering; drop table x')).toThrow();
  });
});
