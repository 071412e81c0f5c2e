// `npm start -- --acl`: every service logs in to each Redis server as its own least-privilege ACL user, created with
// a generated password by the script, and starts and serves with no ACL denial. Private Redis servers: the script
// creates users on the servers it is given, and the shared ones are never touched.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/bench-processes';
import { type RedisProcess, startRedisProcess } from '../support/redis-process';
import { ROOT } from './service-env';

const SERVICES = ['catalog-service', 'pricing-service', 'config-service', 'order-service'];
const stateDir = mkdtempSync(join(tmpdir(), 'cpq-start-acl-'));
const cleanups: (() => Promise<void> | void)[] = [() => rmSync(stateDir, { recursive: true, force: true })];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
}, 90_000);

/** Resolves with the output so far once `line` was printed; rejects if the script ends first or after `ms`. */
function waitForOutput(child: ChildProcess, line: string, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`no "${line}" after ${ms} ms:\n${output}`)), ms);
    const take = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(line)) {
        clearTimeout(timer);
        resolve(output);
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited (${code}) before "${line}":\n${output}`));
    });
  });
}

describe('npm start -- --acl', () => {
  it('creates each service its own Redis ACL user on every workload server, and the services serve under them with an empty ACL LOG', async () => {
    const servers: Record<string, RedisProcess> = {};
    for (const workload of ['cache', 'rate', 'session']) {
      const server = await startRedisProcess();
      servers[workload] = server;
      cleanups.push(() => server.stop());
    }
    const ports = await Promise.all(SERVICES.map(() => freePort()));
    const appEnv = `startacl${Date.now().toString(36)}`;
    const start = spawn('bash', ['scripts/start', '--acl'], {
      cwd: ROOT,
      env: {
        ...process.env,
        START_STATE_DIR: stateDir,
        APP_ENV: appEnv,
        DEMO_SEED: 'off',
        REDIS_CACHE_URL: servers.cache!.url,
        REDIS_RATE_URL: servers.rate!.url,
        REDIS_SESSION_URL: servers.session!.url,
        ...Object.fromEntries(
          SERVICES.map((service, i) => [`${service.replace('-', '_').toUpperCase()}_PORT`, String(ports[i])]),
        ),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise((resolve) => start.once('exit', resolve));
    cleanups.push(async () => {
      if (start.exitCode === null) start.kill('SIGTERM');
      await exited;
    });
    const output = await waitForOutput(start, 'Ctrl-C stops what this started', 170_000);
    expect(output).toContain(`every service is logged in as its own ACL user (${appEnv}-<service>)`);
    for (const port of ports) expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);

    for (const [workload, server] of Object.entries(servers)) {
      const admin = new Redis(server.url);
      try {
        const clients = String(await admin.call('CLIENT', 'LIST'));
        for (const service of SERVICES)
          expect({ workload, service, connected: clients.includes(` user=${appEnv}-${service} `) }).toEqual({
            workload,
            service,
            connected: true,
          });
        expect({ workload, denials: await admin.call('ACL', 'LOG', '128') }).toEqual({
          workload,
          denials: [],
        });
      } finally {
        admin.disconnect();
      }
    }
    start.kill('SIGTERM');
    await exited;
  }, 240_000);
});
