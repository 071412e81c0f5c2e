// The whole platform as child processes: the four services from their production build (apps/<svc>/dist/main.js),
// N instances each on free loopback ports, against infrastructure given as URLs. For end-to-end tests, fault
// campaigns and soak runs. No vitest import: scripts use it too; a test closes it in `afterAll`.
//
//   const stack = await startPlatformStack({ instances: { 'order-service': 2 } });
//   afterAll(() => stack.close());
//   const token = await stack.token({ tenant: 't1', sub: 'alice', roles: ['catalog:admin'] });
//   await fetch(`${stack.url('catalog-service')}/v1/tenants/t1/catalog`, { headers: { authorization: `Bearer ${token}` } });
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signDevToken } from '@cpq/platform';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from './bench-processes';
import { infraEnvVarsFrom, LOCAL_INFRA_ENV } from './infra-config';

export const STACK_SERVICES = [
  'catalog-service',
  'pricing-service',
  'config-service',
  'order-service',
] as const;
export type StackService = (typeof STACK_SERVICES)[number];

const ROOT = resolve(__dirname, '../..');

/** Where the services find PostgreSQL, Redis and Kafka; each field defaults to the environment's (shared) one. */
export interface StackInfra {
  DATABASE_URL: string;
  REDIS_CACHE_URL: string;
  REDIS_RATE_URL: string;
  REDIS_SESSION_URL: string;
  /** Comma-separated host:port list. */
  KAFKA_BROKERS: string;
}

export interface PlatformStackOptions {
  /** Instances per service. @default 1 each; 0 leaves a service out */
  instances?: Partial<Record<StackService, number>>;
  /** Private infrastructure (e.g. `startRedisProcess().url`); unset fields use the shared servers. */
  infra?: Partial<StackInfra>;
  /** Variables for every instance (e.g. `LOG_LEVEL`, `REDIS_CACHE_TIMEOUT_MS`). */
  env?: Record<string, string>;
  /** Variables of one service's instances, on top of `env` (e.g. its own Redis ACL user's URLs). */
  serviceEnv?: Partial<Record<StackService, Record<string, string>>>;
  /** The stack's `APP_ENV` (key prefix, consumer groups). @default a new unique one */
  appEnv?: string;
  /** `AUTH_JWT_SECRET` shared by every instance. @default random */
  secret?: string;
  /** How long each instance may take to answer `/health/ready` 200. @default 120000 */
  readyTimeoutMs?: number;
}

export interface TokenClaims {
  tenant: string;
  sub: string;
  roles?: string[];
  azp?: string;
  /** @default 3600 */
  ttlSeconds?: number;
}

/** A Prometheus text page with a lookup: the sum of the samples of `name` whose labels include `labels`. */
export interface MetricsPage {
  text: string;
  value(name: string, labels?: Record<string, string>): number;
}

export interface PlatformStack {
  readonly appEnv: string;
  readonly secret: string;
  /** `.data/stacks/<appEnv>/`: one JSON-lines log per instance, `<service>-<i>.log` (restarts append). */
  readonly logDir: string;
  url(service: StackService, i?: number): string;
  token(claims: TokenClaims): Promise<string>;
  /** Signals an instance; SIGKILL/SIGTERM/SIGINT resolve once it has exited (SIGTERM: SIGKILL after 30 s). */
  kill(service: StackService, i?: number, signal?: NodeJS.Signals): Promise<void>;
  /** Stops the instance if it runs (SIGTERM), starts it again on the same port, resolves once it is ready. */
  restart(service: StackService, i?: number): Promise<void>;
  metrics(service: StackService, i?: number): Promise<MetricsPage>;
  pid(service: StackService, i?: number): number | undefined;
  logFile(service: StackService, i?: number): string;
  /** Every instance's log file. */
  logFiles(): string[];
  /**
   * Resolves once each consumer group has committed offsets up to the end its topic had when called, e.g.
   * `{ 'pricing-service-offer-status': 'cpq.catalog.published.v1' }` (the stack's `.<APP_ENV>` is appended): a new
   * stack's replaying projections have caught up. Rejects after `timeoutMs` (default 120000) naming the lag.
   */
  waitForConsumerGroups(groups: Record<string, string>, timeoutMs?: number): Promise<void>;
  /** SIGTERM to every instance (SIGKILL past 30 s); never throws, safe to call twice. */
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Last resort: never leave a service behind, whatever ends this process.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts the stack; if any instance fails to get ready, stops what started and throws with its log's tail. */
export async function startPlatformStack(options: PlatformStackOptions = {}): Promise<PlatformStack> {
  await buildServicesOnce();
  const appEnv = options.appEnv ?? `stk${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const logDir = join(ROOT, '.data', 'stacks', appEnv);
  mkdirSync(logDir, { recursive: true });
  const shared = infraEnvVarsFrom(process.env) ?? LOCAL_INFRA_ENV;
  const infra: StackInfra = {
    DATABASE_URL: shared.DATABASE_URL,
    REDIS_CACHE_URL: shared.REDIS_CACHE_URL,
    REDIS_RATE_URL: shared.REDIS_RATE_URL,
    REDIS_SESSION_URL: shared.REDIS_SESSION_URL,
    KAFKA_BROKERS: shared.KAFKA_BROKERS,
    ...options.infra,
  };
  const instances = new Map<StackService, Instance[]>();
  for (const service of STACK_SERVICES) {
    const count = options.instances?.[service] ?? 1;
    const list: Instance[] = [];
    for (let i = 0; i < count; i++) list.push(new Instance(service, i, await freePort(), logDir));
    instances.set(service, list);
  }
  const catalog = instances.get('catalog-service')?.[0];
  const envOf = (instance: Instance): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...infra,
    APP_ENV: appEnv,
    AUTH_JWT_SECRET: secret,
    HOST: '127.0.0.1',
    PORT: String(instance.port),
    LOG_LEVEL: 'info',
    ...(catalog ? { CONFIG_CATALOG_URL: `http://127.0.0.1:${catalog.port}` } : {}),
    ...options.env,
    ...options.serviceEnv?.[instance.service],
  });
  const all = [...instances.values()].flat();
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;
  const close = async () => {
    await Promise.all(all.map((instance) => instance.stop('SIGTERM').catch(() => undefined)));
  };
  const started = await whileNotBuilding(() =>
    Promise.allSettled(all.map((instance) => instance.start(envOf(instance), readyTimeoutMs))),
  );
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await close();
    throw (failed as PromiseRejectedResult).reason;
  }

  const instance = (service: StackService, i = 0): Instance => {
    const found = instances.get(service)?.[i];
    if (!found) throw new Error(`the stack has no ${service} instance ${i}`);
    return found;
  };
  return {
    appEnv,
    secret,
    logDir,
    url: (service, i) => `http://127.0.0.1:${instance(service, i).port}`,
    token: (claims) =>
      signDevToken({
        secret,
        tenantId: claims.tenant,
        sub: claims.sub,
        roles: claims.roles ?? [],
        ttlSeconds: claims.ttlSeconds ?? 3600,
        ...(claims.azp ? { azp: claims.azp } : {}),
      }),
    kill: (service, i, signal = 'SIGKILL') => instance(service, i).stop(signal),
    restart: async (service, i) => {
      const target = instance(service, i);
      await target.stop('SIGTERM');
      await whileNotBuilding(() => target.start(envOf(target), readyTimeoutMs));
    },
    metrics: async (service, i) => {
      const response = await fetch(`http://127.0.0.1:${instance(service, i).port}/metrics`);
      return metricsPage(await response.text());
    },
    pid: (service, i) => instance(service, i).pid,
    logFile: (service, i) => instance(service, i).logFile,
    logFiles: () => all.map((each) => each.logFile),
    waitForConsumerGroups: (groups, timeoutMs = 120_000) =>
      waitForConsumerGroups(infra.KAFKA_BROKERS.split(','), appEnv, groups, timeoutMs),
    close,
  };
}

/** One service instance: a fixed port and log file across restarts. */
class Instance {
  readonly logFile: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly service: StackService,
    readonly index: number,
    readonly port: number,
    logDir: string,
  ) {
    this.logFile = join(logDir, `${service}-${index}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(env: NodeJS.ProcessEnv, readyTimeoutMs: number): Promise<void> {
    if (this.child) return;
    const log = openSync(this.logFile, 'a');
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', join(ROOT, 'apps', this.service, 'dist', 'main.js')],
      { cwd: ROOT, env, stdio: ['ignore', log, log] },
    );
    closeSync(log); // the child has its own descriptor
    this.child = child;
    running.add(child);
    let exitReason: string | undefined;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        exitReason = signal ? `signal ${signal}` : `code ${code}`;
        running.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + readyTimeoutMs;
    for (;;) {
      if (exitReason !== undefined) throw this.failure(`exited (${exitReason}) before it was ready`);
      if (await answersReady(this.port)) return;
      if (Date.now() > deadline) {
        await this.stop('SIGKILL');
        throw this.failure(`not ready after ${readyTimeoutMs} ms`);
      }
      await sleep(200);
    }
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    if (signal !== 'SIGKILL' && signal !== 'SIGTERM' && signal !== 'SIGINT') return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }

  private failure(what: string): Error {
    return new Error(`${this.service} #${this.index} ${what}; log ${this.logFile}:\n${tail(this.logFile)}`);
  }
}

async function answersReady(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health/ready`, {
      signal: AbortSignal.timeout(5_000),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitForConsumerGroups(
  brokers: string[],
  appEnv: string,
  groups: Record<string, string>,
  timeoutMs: number,
): Promise<void> {
  const admin = new Kafka({ brokers, clientId: 'platform-stack', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    for (const [group, topic] of Object.entries(groups)) {
      const ends = await admin.fetchTopicOffsets(topic);
      const groupId = `${group}.${appEnv}`;
      for (;;) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const offsetOf = (partition: number) =>
          Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
        const behind = ends.filter(
          (end) => Number(end.high) > Number(end.low) && offsetOf(end.partition) < Number(end.high),
        );
        if (behind.length === 0) break;
        if (Date.now() > deadline) {
          const lag = behind.map(
            (end) => `partition ${end.partition}: ${offsetOf(end.partition)} of ${end.high}`,
          );
          throw new Error(`consumer group ${groupId} has not caught up on ${topic} (${lag.join(', ')})`);
        }
        await sleep(250);
      }
    }
  } finally {
    await admin.disconnect();
  }
}

function metricsPage(text: string): MetricsPage {
  return {
    text,
    value(name, labels = {}) {
      let sum = 0;
      for (const line of text.split('\n')) {
        const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
        if (!match || match[1] !== name) continue;
        const have = match[2] ?? '';
        if (Object.entries(labels).every(([k, v]) => have.includes(`${k}=${JSON.stringify(v)}`)))
          sum += Number(match[3]);
      }
      return sum;
    },
  };
}

/**
 * `nx run-many -t build` for the four services, what `npm start` runs, when a build input is newer than the build
 * (Nx restores unchanged projects from its cache). Once per process; processes (vitest workers) take turns through
 * a lock directory, and one whose build is fresh runs no nx at all: a cache restore rewrites `dist/` while another
 * process's stack may be loading it.
 */
let built: Promise<void> | undefined;
function buildServicesOnce(): Promise<void> {
  built ??= buildServices().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}

async function buildServices(): Promise<void> {
  if (buildIsFresh()) return;
  await withBuildLock(async () => {
    if (buildIsFresh()) return; // built by the process that held the lock
    const result = await run(join(ROOT, 'node_modules', '.bin', 'nx'), [
      'run-many',
      '-t',
      'build',
      `--projects=${STACK_SERVICES.join(',')}`,
      '--outputStyle=static',
    ]);
    if (result.code !== 0) throw new Error(`nx run-many -t build failed:\n${result.output.slice(-5_000)}`);
    writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
  });
}

const BUILD_LOCK = join(ROOT, '.data', 'stack-build.lock');
const STARTING = join(ROOT, '.data', 'stack-build.readers');
const LOCK_WAIT_MS = 600_000;

/**
 * Runs `work` holding the checkout's build lock (a directory under `.data/`), once no service of any process is
 * loading its build (see `whileNotBuilding`): Nx may rewrite `dist/` even when nothing changed, and a service that
 * loads it meanwhile fails on a missing module. Two builds never run at once either.
 */
export async function withBuildLock<T>(work: () => Promise<T> | T): Promise<T> {
  mkdirSync(STARTING, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      // a lock older than the deadline belongs to a process that died while building
      if (existsSync(BUILD_LOCK) && Date.now() - statSync(BUILD_LOCK).mtimeMs > LOCK_WAIT_MS)
        rmSync(BUILD_LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the build lock ${BUILD_LOCK} was not released`);
      await sleep(500);
    }
  }
  try {
    while (liveStarters().length > 0) {
      if (Date.now() > deadline)
        throw new Error(`services of ${liveStarters().join(', ')} are still starting`);
      await sleep(200);
    }
    return await work();
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** Runs `work` (services loading `dist/`) while no build runs; a build waits for it (readers of the build lock). */
async function whileNotBuilding<T>(work: () => Promise<T>): Promise<T> {
  mkdirSync(STARTING, { recursive: true });
  const marker = join(STARTING, `${process.pid}-${randomBytes(4).toString('hex')}`);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    while (existsSync(BUILD_LOCK)) {
      if (Date.now() > deadline) throw new Error(`the build lock ${BUILD_LOCK} was not released`);
      await sleep(200);
    }
    writeFileSync(marker, '');
    if (!existsSync(BUILD_LOCK)) break;
    rmSync(marker, { force: true }); // a build took the lock meanwhile: it waits for starters, so step back
  }
  try {
    return await work();
  } finally {
    rmSync(marker, { force: true });
  }
}

/** Starter markers of processes that still run (a crashed process's marker is ignored). */
function liveStarters(): string[] {
  return readdirSync(STARTING).filter((name) => {
    try {
      process.kill(Number(name.split('-')[0]), 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
    }
  });
}

const BUILD_STAMP = join(ROOT, '.data', 'stack-build.stamp');

/** A build of this process or another finished after the last change of any build input (specs and docs aside). */
function buildIsFresh(): boolean {
  const projects = [
    ...STACK_SERVICES.map((service) => join(ROOT, 'apps', service)),
    ...readdirSync(join(ROOT, 'libs')).map((lib) => join(ROOT, 'libs', lib)),
  ];
  if (!existsSync(BUILD_STAMP) || projects.some((project) => !existsSync(join(project, 'dist'))))
    return false;
  let newestInput = 0;
  for (const file of [
    'tsconfig.base.json',
    'tsconfig.build.json',
    'package-lock.json',
    'scripts/build/build-project.cjs',
  ])
    newestInput = Math.max(newestInput, mtimeOf(join(ROOT, file)));
  for (const project of projects)
    newestInput = Math.max(
      newestInput,
      newestMtime(join(project, 'src')),
      mtimeOf(join(project, 'package.json')),
    );
  return statSync(BUILD_STAMP).mtimeMs > newestInput;
}

function mtimeOf(file: string): number {
  return existsSync(file) ? statSync(file).mtimeMs : 0;
}

/** The newest production source under `dir` (what Nx's `production` inputs hold: no specs, no Markdown). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile() && !/\.spec\.ts$|\.md$/.test(entry.name))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NX_DAEMON: 'false' } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
