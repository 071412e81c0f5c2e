// `npm start` refuses to start a second time beside a running one, and refuses busy ports, before touching anything.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './service-env';

const stateDir = mkdtempSync(join(tmpdir(), 'cpq-start-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function runStart(env: Record<string, string>) {
  return spawnSync('bash', ['scripts/start'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('scripts/start (npm start)', () => {
  it('says that one is already running, exits 1 and leaves the running one alone', async () => {
    const dir = join(stateDir, 'running');
    // what a running `npm start` holds: the lock, and its pid in the pid file
    mkdirSync(dir);
    const holder = spawn('flock', [join(dir, 'start.lock'), 'sleep', '60'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      writeFileSync(join(dir, 'start.pid'), `${holder.pid}\n`);
      const result = runStart({ START_STATE_DIR: dir });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`npm start is already running in this checkout (pid ${holder.pid})`);
      expect(holder.exitCode).toBeNull(); // still running
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('names a busy port and the variable that moves the service, and exits 1', async () => {
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = runStart({
        START_STATE_DIR: join(stateDir, 'ports'),
        CATALOG_SERVICE_PORT: String(port),
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`port ${port} (catalog-service) is already in use`);
      expect(result.stderr).toContain('CATALOG_SERVICE_PORT=');
    } finally {
      server.close();
    }
  });
});
