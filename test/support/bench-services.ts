// What the service benchmarks share: the infrastructure's addresses, a fresh run's names, a service as a child.
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { freePort, startChild, type Child } from './bench-processes';

export const ROOT = resolve(__dirname, '../..');

/** The infrastructure the services use: the environment's, else the local defaults of `scripts/infra`. */
export const benchInfra = {
  DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/cpq',
  REDIS_CACHE_URL: process.env.REDIS_CACHE_URL ?? 'redis://127.0.0.1:6379',
  REDIS_RATE_URL: process.env.REDIS_RATE_URL ?? 'redis://127.0.0.1:6380',
  REDIS_SESSION_URL: process.env.REDIS_SESSION_URL ?? 'redis://127.0.0.1:6381',
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
};

/** A fresh run: its own APP_ENV (a key segment, at most 32 characters), tenant and log folder under `.data/bench/`. */
export function benchRun(): { appEnv: string; tenant: string; logDir: string } {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const appEnv = `bench${runId}`;
  return { appEnv, tenant: `bench-${runId}`, logDir: join(ROOT, '.data', 'bench', appEnv) };
}

/** `--cpu-prof` arguments writing a V8 CPU profile into `dir` at `intervalUs`. */
export function cpuProfileArgs(dir: string, intervalUs: number): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${intervalUs}`];
}

/**
 * Starts `main` (a TypeScript entry, through @swc-node/register: NestJS needs the decorator metadata tsx does not
 * emit) on a free loopback port, with the infrastructure's variables, `env` on top, stdout to `<logDir>/<name>.log`;
 * resolves once `/health/live` answers.
 */
export async function startService(options: {
  name: string;
  main: string;
  logDir: string;
  env: Record<string, string>;
  /** Node options before the entry, e.g. `cpuProfileArgs(...)`. */
  nodeArgs?: string[];
  /** A module to `-r` before the entry (experiments). */
  preload?: string;
}): Promise<Child> {
  const port = await freePort();
  return startChild({
    name: options.name,
    args: [
      ...(options.nodeArgs ?? []),
      '-r',
      '@swc-node/register',
      ...(options.preload ? ['-r', resolve(ROOT, options.preload)] : []),
      options.main,
    ],
    cwd: ROOT,
    env: {
      ...process.env,
      ...benchInfra,
      SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'),
      HOST: '127.0.0.1',
      PORT: String(port),
      ...options.env,
    },
    port,
    logDir: options.logDir,
  });
}
