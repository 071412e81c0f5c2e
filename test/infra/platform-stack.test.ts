// The platform stack harness (test/support/platform-stack.ts): the four services from their build, as processes.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { type PlatformStack, startPlatformStack, STACK_SERVICES } from '../support/platform-stack';
import { uniqueId } from '../support/unique';

const refuses = async (url: string) =>
  fetch(`${url}/health/live`).then(
    () => false,
    () => true,
  );

/** This process's children that run a service build. */
function serviceChildren(): string[] {
  const ps = spawnSync('ps', ['--ppid', String(process.pid), '-o', 'args='], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.includes('/dist/main.js'));
}

describe('startPlatformStack', () => {
  let stack: PlatformStack | undefined;
  afterAll(() => stack?.close(), 60_000);

  it('runs every service from its build on its own port, with one JSON log per instance, and kills, restarts and closes instances', async () => {
    stack = await startPlatformStack({ instances: { 'catalog-service': 2 } });
    const tenant = uniqueId('t').slice(0, 40);
    const admin = await stack.token({ tenant, sub: 'admin', roles: ['catalog:admin'] });
    const auth = { authorization: `Bearer ${admin}` };

    const published = await fetch(
      `${stack.url('catalog-service', 0)}/v1/tenants/${tenant}/catalog/versions`,
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          offers: [{ offerId: 'router', displayName: 'Router', status: 'ACTIVE', eligibleActions: ['ADD'] }],
        }),
      },
    );
    expect(published.status).toBe(201);
    const current = await fetch(`${stack.url('catalog-service', 1)}/v1/tenants/${tenant}/catalog`, {
      headers: auth,
    });
    expect(await current.json()).toMatchObject({ currentVersion: 1 });
    // config-service is pointed at a catalog instance: a session starts at the current version
    const session = await fetch(`${stack.url('config-service')}/v1/tenants/${tenant}/config-sessions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(session.status).toBe(201);
    expect(await session.json()).toMatchObject({ catalogVersion: 1 });

    // pricing's projection reads the catalog topic from its start; it has caught up with it, this publish included
    await stack.waitForConsumerGroups({ 'pricing-service-offer-status': 'cpq.catalog.published.v1' });
    const metrics = await stack.metrics('catalog-service', 0);
    expect(metrics.value('http_request_duration_seconds_count', { method: 'POST', status: '201' })).toBe(1);

    for (const service of STACK_SERVICES) {
      const lines = readFileSync(stack.logFile(service), 'utf8').trim().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(() => JSON.parse(line), `${service}: ${line}`).not.toThrow();
      expect(lines.some((line) => JSON.parse(line).service === service)).toBe(true);
    }

    const url = stack.url('catalog-service', 1);
    const pid = stack.pid('catalog-service', 1);
    await stack.kill('catalog-service', 1, 'SIGKILL');
    expect(stack.pid('catalog-service', 1)).toBeUndefined();
    expect(await refuses(url)).toBe(true);
    await stack.restart('catalog-service', 1);
    expect(stack.pid('catalog-service', 1)).not.toBe(pid);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const log = readFileSync(stack.logFile('catalog-service', 1), 'utf8');
    expect(log.match(/listening on/g)).toHaveLength(2); // the restart appended to the same file

    await stack.close();
    for (const service of STACK_SERVICES) expect(stack.pid(service)).toBeUndefined();
    expect(await refuses(stack.url('order-service'))).toBe(true);
    await stack.close(); // twice is fine
  });

  it('stops what it started and names the instance when one cannot start', async () => {
    const failed = startPlatformStack({
      instances: { 'config-service': 0, 'order-service': 0 },
      serviceEnv: { 'pricing-service': { PRICING_CACHE: 'maybe' } },
    });
    await expect(failed).rejects.toThrow(/pricing-service #0 exited .*PRICING_CACHE/s);
    expect(serviceChildren()).toEqual([]); // catalog-service, which did start, was stopped
  });
});
