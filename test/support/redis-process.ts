import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import os from 'node:os';
import path from 'node:path';

export interface RedisProcessOptions {
  /** Extra redis-server options, e.g. ['--maxmemory', '10mb', '--maxmemory-policy', 'noeviction']. */
  args?: string[];
  /** How long to wait for the server to answer PING after (re)starting. Default 5000 ms. */
  startTimeoutMs?: number;
  /** Defaults to `redis-server` on PATH (Debian package `redis-server`). */
  redisServerPath?: string;
  /**
   * Serve TLS only (`--port 0 --tls-port <port>`), with this certificate and key; clients need no certificate of
   * their own. `url` is then `rediss://`, and readiness is checked over TLS, verified against `caFile`.
   */
  tls?: { certFile: string; keyFile: string; caFile: string };
}

export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** pid of the current server process; undefined while stopped. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGKILL and wait until the process is gone (a crash, not a clean shutdown). No-op when stopped. */
  stop(): Promise<void>;
  /** Starts a fresh, empty server on the same port (stopping the current one first if running). */
  restart(): Promise<void>;
  /** Sends a signal without waiting (default SIGKILL); see stop() to also wait for the exit. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGSTOP: the server keeps its connections but stops answering (a hung server). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

/**
 * Spawns a private redis-server on a free ephemeral port on 127.0.0.1 (no persistence, working dir under
 * os.tmpdir()) for fault tests that really kill Redis. Nothing is registered globally: callers stop it.
 */
export async function startRedisProcess(opts: RedisProcessOptions = {}): Promise<RedisProcess> {
  const port = await freePort();
  const server = new ManagedRedis(port, opts);
  await server.start();
  return server;
}

class ManagedRedis implements RedisProcess {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private dir: string | undefined;

  constructor(
    readonly port: number,
    private readonly opts: RedisProcessOptions,
  ) {
    this.url = `${opts.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    this.dir = mkdtempSync(path.join(os.tmpdir(), `redis-${this.port}-`));
    const { tls: tlsFiles } = this.opts;
    const listen = tlsFiles
      ? ['--port', '0', '--tls-port', String(this.port), '--tls-cert-file', tlsFiles.certFile]
      : ['--port', String(this.port)];
    if (tlsFiles)
      listen.push(
        '--tls-key-file',
        tlsFiles.keyFile,
        '--tls-ca-cert-file',
        tlsFiles.caFile,
        '--tls-auth-clients',
        'no',
      );
    const args = [...listen, '--bind', '127.0.0.1', '--daemonize', 'no', '--dir', this.dir];
    args.push('--save', '', '--appendonly', 'no', '--loglevel', 'warning', ...(this.opts.args ?? []));
    const child = spawn(this.opts.redisServerPath ?? 'redis-server', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'ENOENT'
            ? new Error("redis-server not found; install the Debian package 'redis-server'")
            : err,
        ),
      ),
    );
    const deadline = Date.now() + (this.opts.startTimeoutMs ?? 5000);
    const ready = (async () => {
      const ca = tlsFiles ? readFileSync(tlsFiles.caFile) : undefined;
      while (!(await answersPing(this.port, ca))) {
        if (!this.running)
          throw new Error(`redis-server on ${this.port} exited during startup: ${output.trim()}`);
        if (Date.now() > deadline)
          throw new Error(`redis-server on ${this.port} did not answer: ${output.trim()}`);
        await sleep(25);
      }
    })();
    try {
      await Promise.race([ready, spawnError]);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child?.kill(signal);
  }

  pause(): void {
    this.kill('SIGSTOP');
  }

  resume(): void {
    this.kill('SIGCONT');
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** A raw RESP PING, so the helper needs no Redis client; over TLS verified against `ca` when given. */
function answersPing(port: number, ca?: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = ca
      ? tls.connect({ host: '127.0.0.1', port, ca })
      : net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once(ca ? 'secureConnect' : 'connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
