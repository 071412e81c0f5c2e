// Child processes for the benchmarks and the process-level tests: start, wait until live, stop (also on error and on exit).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Child {
  name: string;
  url: string;
  logFile: string;
  process: ChildProcess;
  /** Why it exited (`code 0`, `signal SIGTERM`), undefined while it runs. */
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Last resort: never leave a service behind, whatever ends this process.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `node <args>` (the running Node binary) in `cwd` with `env`, stdout and stderr to `<logDir>/<name>.log`,
 * and waits until `GET /health/live` answers 200.
 */
export async function startChild(options: {
  name: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  port: number;
  logDir: string;
  readyTimeoutMs?: number;
}): Promise<Child> {
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `${options.name}.log`);
  const log = createWriteStream(logFile);
  await new Promise((resolve) => log.once('open', resolve));
  const child = spawn(process.execPath, options.args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', log, log],
  });
  running.add(child);
  let exited: string | undefined;
  let stopping = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = signal ? `signal ${signal}` : `code ${code}`;
      running.delete(child);
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (exited !== undefined) return;
    stopping = true;
    child.kill('SIGTERM');
    const timer = sleep(10_000).then(() => child.kill('SIGKILL'));
    await Promise.race([exit, timer]);
    await exit;
    log.end();
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) {
      throw new Error(
        `${options.name} exited (${exited}) before it was live; log ${logFile}:\n${tail(logFile)}`,
      );
    }
    try {
      const response = await fetch(`${url}/health/live`);
      await response.arrayBuffer();
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `${options.name} not live after ${options.readyTimeoutMs ?? 60_000} ms; log ${logFile}:\n${tail(logFile)}`,
      );
    }
    await sleep(100);
  }
  const exitReason = () => {
    if (exited !== undefined) return exited;
    // runService logs this when the process got the signal but is still draining.
    if (!stopping && /SIGTERM received|SIGINT received/.test(tail(logFile, 5)))
      return 'signal received, draining';
    return undefined;
  };
  return { name: options.name, url, logFile, process: child, exitReason, stop };
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * CPU time a process has used so far (user + system, seconds), from /proc: per-request CPU cost is far steadier on
 * a shared machine than throughput, which also depends on what the other processes get scheduled.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) may hold spaces: count fields after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
    return ticks / CLOCK_TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** `getconf CLK_TCK` on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;
