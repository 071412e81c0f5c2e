import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const ROOT = path.resolve(__dirname, '../..');

export interface PostgresProcessOptions {
  /** Run `scripts/migrate.ts` (every schema of `migrations/`) against the new database. @default true */
  migrate?: boolean;
  /** The database created for the tests, the one `url` names. @default 'cpq' */
  database?: string;
  /** Extra server settings, `-c name=value` each (e.g. `{ max_connections: '20' }`). */
  settings?: Record<string, string>;
  /** Where `initdb` and `postgres` are. @default `$PG_BIN`, else `pg_config --bindir`, else the newest /usr/lib/postgresql/<n>/bin */
  binDir?: string;
  /** How long a start may take before it fails. @default 30000 */
  startTimeoutMs?: number;
}

export interface PostgresProcess {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>`, for DATABASE_URL. */
  readonly url: string;
  /** The same server's `postgres` maintenance database (to create or drop databases). */
  readonly adminUrl: string;
  /** The cluster's data directory (under os.tmpdir(), owned by the server's user). */
  readonly dataDir: string;
  /** The postmaster's pid; undefined while the server is down. */
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly paused: boolean;
  /** Starts the server again on the same port and data, after `stop()` or `kill()`; waits until it accepts connections. */
  start(): Promise<void>;
  /**
   * An immediate shutdown (SIGQUIT, as `pg_ctl stop -m immediate`): every backend quits at once, no checkpoint; a
   * crash as far as clients can tell, recovered from the WAL at the next start. Waits until the server is gone.
   */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and every backend (a host that died); waits until they are gone. */
  kill(): Promise<void>;
  /** SIGSTOP to the postmaster and every backend: connections stay open, nothing answers (a hung server). */
  pause(): void;
  /** SIGCONT after `pause()`. */
  resume(): void;
  /** Stops the server and deletes its data directory; idempotent. */
  destroy(): Promise<void>;
}

/**
 * A private PostgreSQL cluster (initdb into a fresh directory, a free loopback port, its socket in that directory)
 * for tests that stop, kill or pause the database: the shared server on 5432 is never touched. The schemas are
 * migrated with `scripts/migrate.ts`, as `scripts/infra` does. Running as root (this machine), initdb and the server
 * run as the `postgres` user; as anyone else, as that user. `fsync=off` (the machine is shared): commits reach the
 * kernel before they are acknowledged, so `stop()` and `kill()` (process crashes) lose nothing; only the host crashing would.
 * A server left running when the test process exits is killed.
 */
export async function startPostgresProcess(options: PostgresProcessOptions = {}): Promise<PostgresProcess> {
  const server = new ManagedPostgres(await freePort(), options);
  try {
    await server.init();
    await server.start();
    await server.createDatabase();
    if (options.migrate ?? true) await server.migrate();
  } catch (error) {
    await server.destroy();
    throw error;
  }
  return server;
}

class ManagedPostgres implements PostgresProcess {
  readonly dataDir: string;
  readonly url: string;
  readonly adminUrl: string;
  private readonly dir: string;
  private readonly bin: string;
  /** uid and gid of `postgres` when running as root (the server refuses to run as root). */
  private readonly identity: { uid: number; gid: number } | undefined;
  private server: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private isPaused = false;
  private destroyed = false;
  private readonly killOnExit = () => void this.signalServer('SIGKILL');

  constructor(
    readonly port: number,
    private readonly options: PostgresProcessOptions,
  ) {
    this.bin = options.binDir ?? postgresBinDir();
    this.dir = mkdtempSync(path.join(os.tmpdir(), `postgres-${port}-`));
    this.dataDir = path.join(this.dir, 'data');
    if (process.getuid?.() === 0) {
      const [uid, gid] = ['-u', '-g'].map((flag) =>
        Number(execFileSync('id', [flag, 'postgres']).toString()),
      );
      this.identity = { uid: uid!, gid: gid! };
      chownSync(this.dir, uid!, gid!);
    }
    const database = options.database ?? 'cpq';
    this.url = `postgres://postgres@127.0.0.1:${port}/${database}`;
    this.adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }

  get pid(): number | undefined {
    return this.server?.pid;
  }

  get running(): boolean {
    return this.server !== undefined;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  async init(): Promise<void> {
    const initdb = spawn(
      path.join(this.bin, 'initdb'),
      ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '--encoding=UTF8', '--locale=C'],
      { ...this.identity, cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const { status, output } = await completion(initdb);
    if (status !== 0) throw new Error(`initdb failed (${status}): ${output.trim()}`);
  }

  /**
   * The postmaster runs as this process's child (not through pg_ctl, whose server is an orphan): it is reaped when it
   * exits, so neither its pid nor its lock files outlive it.
   */
  async start(): Promise<void> {
    if (this.destroyed) throw new Error('postgres-process: destroyed');
    if (this.server) return;
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: this.dir,
      fsync: 'off',
      shared_buffers: '16MB',
      max_connections: '100',
      ...this.options.settings,
    };
    const args = ['-D', this.dataDir, '-p', String(this.port)];
    for (const [name, value] of Object.entries(settings)) args.push('-c', `${name}=${value}`);
    const log = openSync(path.join(this.dir, 'server.log'), 'a');
    const child = spawn(path.join(this.bin, 'postgres'), args, {
      ...this.identity,
      cwd: this.dir,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.server = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.server === child) this.forget();
        resolve();
      }),
    );
    process.once('exit', this.killOnExit);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 30_000);
    while (!(await this.answers())) {
      if (this.server !== child) throw new Error(`postgres exited during start: ${this.logTail()}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`postgres on ${this.port} did not answer: ${this.logTail()}`);
      }
      await sleep(50);
    }
  }

  /** SIGQUIT is what `pg_ctl stop -m immediate` sends. */
  async stop(): Promise<void> {
    if (!this.server) return;
    if (this.isPaused) this.resume(); // a stopped process would never see the shutdown signal
    this.server.kill('SIGQUIT');
    const timer = setTimeout(() => this.signalServer('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.server) return;
    const killed = this.signalServer('SIGKILL');
    await this.exited;
    // The backends, orphaned now, die of the same signal; wait for them, or the next start finds their shared memory.
    const deadline = Date.now() + 10_000;
    while (killed.some(processIsAlive)) {
      if (Date.now() > deadline)
        throw new Error(`postgres processes survived SIGKILL: ${killed.filter(processIsAlive).join(', ')}`);
      await sleep(20);
    }
  }

  pause(): void {
    if (!this.server || this.isPaused) return;
    this.signalServer('SIGSTOP');
    this.isPaused = true;
  }

  resume(): void {
    if (!this.server || !this.isPaused) return;
    this.signalServer('SIGCONT');
    this.isPaused = false;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    try {
      await this.stop().catch(() => this.kill());
    } finally {
      this.destroyed = true;
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  async createDatabase(): Promise<void> {
    const database = this.options.database ?? 'cpq';
    const client = new pg.Client({ connectionString: this.adminUrl });
    await client.connect();
    try {
      await client.query(`create database ${database}`);
    } finally {
      await client.end();
    }
  }

  async migrate(): Promise<void> {
    const migrate = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: this.url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { status, output } = await completion(migrate);
    if (status !== 0) throw new Error(`scripts/migrate.ts failed (${status}): ${output.trim()}`);
  }

  /**
   * Signals the postmaster, then every process it forked (each backend and auxiliary process calls setsid, so there
   * is no one process group to signal). The postmaster goes first: once stopped or killed it forks nothing new.
   */
  private signalServer(signal: NodeJS.Signals): number[] {
    const postmaster = this.server?.pid;
    if (postmaster === undefined) return [];
    const processes = [postmaster, ...childrenOf(postmaster)];
    for (const pid of processes) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    return processes;
  }

  private forget(): void {
    this.server = undefined;
    this.isPaused = false;
    process.removeListener('exit', this.killOnExit);
  }

  private answers(): Promise<boolean> {
    return new Promise((resolve) => {
      const client = new pg.Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 1000 });
      client.on('error', () => undefined);
      client
        .connect()
        .then(() => client.query('select 1'))
        .then(
          () => resolve(true),
          () => resolve(false),
        )
        .finally(() => void client.end().catch(() => undefined));
    });
  }

  private logTail(): string {
    try {
      return readFileSync(path.join(this.dir, 'server.log'), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no server log)';
    }
  }
}

/** `$PG_BIN`, else `pg_config --bindir`, else the newest `/usr/lib/postgresql/<major>/bin` (Debian's layout). */
function postgresBinDir(): string {
  if (process.env['PG_BIN']) return process.env['PG_BIN'];
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const fromConfig = pgConfig.status === 0 ? pgConfig.stdout.trim() : '';
  if (fromConfig && existsSync(path.join(fromConfig, 'initdb'))) return fromConfig;
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian)
    ? readdirSync(debian)
        .filter((name) => /^\d+$/.test(name))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  for (const major of majors) {
    const dir = path.join(debian, major, 'bin');
    if (existsSync(path.join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL server binaries (initdb, postgres) not found: set PG_BIN');
}

/** State and parent of a process from /proc (Linux), undefined when it is gone. */
function procStat(pid: number | string): { state: string; parent: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid ...: comm may hold spaces or parentheses, so split after its last ')'
  const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: state!, parent: Number(parent) };
}

/**
 * Whether a process is alive: not gone and not a zombie (a server process is an orphan whose zombie lingers until
 * PID 1 reaps it, so `process.kill(pid, 0)` is no proof of life).
 */
export function processIsAlive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.state !== 'Z';
}

/** The live processes whose parent is `pid`. */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat?.parent === pid && stat.state !== 'Z') children.push(Number(entry));
  }
  return children;
}

/** Waits for a child's exit; its output (stdout and stderr) for the error message. */
function completion(child: ChildProcess): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, output }));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
