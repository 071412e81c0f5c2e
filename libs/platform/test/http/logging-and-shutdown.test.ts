import { afterEach, describe, expect, it } from 'vitest';
import { hashForLog } from '@cpq/redis-runtime';
import { armSlowGate, startTestApp, token, type TestApp } from './support/test-app';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('request logs', () => {
  it('carry request id, service, route pattern, key family, duration and hashed ids, never raw ids or secrets', async () => {
    t = await startTestApp();
    const bearer = await token({ tenantId: 'acme-corp', sub: 'alice-007' });
    const response = await fetch(`${t.baseUrl}/v1/tenants/acme-corp/things?limit=2`, {
      headers: {
        authorization: `Bearer ${bearer}`,
        'x-request-id': 'req-log-1',
        'idempotency-key': 'idem-secret-42',
        cookie: 'sid=cookie-secret',
      },
    });
    expect(response.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = t
      .logLines()
      .find((l) => l['requestId'] === 'req-log-1' && typeof l['durationMs'] === 'number');
    expect(line).toMatchObject({
      service: 'test-service',
      method: 'GET',
      route: '/v1/tenants/:tenantId/things',
      keyFamily: 'test-cache',
      tenant: hashForLog('acme-corp'),
      user: hashForLog('alice-007'),
      res: { statusCode: 200 },
    });
    const everything = JSON.stringify(t.logLines());
    for (const secret of ['acme-corp', 'alice-007', bearer, 'idem-secret-42', 'cookie-secret']) {
      expect(everything).not.toContain(secret);
    }
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight request finish with 200 while the app closes', async () => {
    t = await startTestApp();
    const bearer = await token();
    const slowGate = armSlowGate();
    const inFlight = fetch(`${t.baseUrl}/v1/tenants/t1/things/slow`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    await slowGate.started;
    let closed = false;
    const closing = t.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closed).toBe(false);
    // No new work is taken while draining: the connection is refused, or answered 503.
    const late = await fetch(`${t.baseUrl}/health/live`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);
    slowGate.release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ slow: 'done' });
    await closing;
    expect(closed).toBe(true);
  });
});
