import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './support/problem-assertions';
import { startTestApp, token, type TestApp } from './support/test-app';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

const get = (path: string, authorization?: string) =>
  fetch(`${t.baseUrl}${path}`, { headers: authorization ? { authorization } : {} });

describe('authentication and tenancy', () => {
  it('serves a public route without a token', async () => {
    const response = await get('/v1/ping');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ pong: true });
  });

  it('answers 401 without a token, with WWW-Authenticate', async () => {
    const response = await get('/v1/tenants/t1/things');
    const body = await expectProblem(response, 401, 'unauthorized');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(body['detail']).toMatch(/required/);
  });

  it('answers 401 for a token signed with another secret', async () => {
    const forged = await token({ secret: 'another-secret-that-is-also-32-characters-long' });
    await expectProblem(await get('/v1/tenants/t1/things', `Bearer ${forged}`), 401, 'unauthorized');
  });

  it('answers 401 for a garbage token and a non-bearer scheme', async () => {
    await expectProblem(await get('/v1/tenants/t1/things', 'Bearer not.a.jwt'), 401, 'unauthorized');
    await expectProblem(await get('/v1/tenants/t1/things', `Basic ${await token()}`), 401, 'unauthorized');
  });

  it('answers 401 for an expired token', async () => {
    const expired = await token({ ttlSeconds: -60 });
    const body = await expectProblem(
      await get('/v1/tenants/t1/things', `Bearer ${expired}`),
      401,
      'unauthorized',
    );
    expect(body['detail']).toMatch(/expired/);
  });

  it('answers 403 when the token belongs to another tenant', async () => {
    const other = await token({ tenantId: 't2' });
    await expectProblem(await get('/v1/tenants/t1/things', `Bearer ${other}`), 403, 'forbidden');
  });

  it('answers 200 for the own tenant', async () => {
    const response = await get('/v1/tenants/t1/things?limit=5', `Bearer ${await token()}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tenantId: 't1', limit: 5 });
  });

  it('answers 403 when a required role is missing, 201 with it', async () => {
    const post = async (roles: string[]) =>
      fetch(`${t.baseUrl}/v1/tenants/t1/things`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token({ roles })}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'a', quantity: 1 }),
      });
    const body = await expectProblem(await post(['catalog:reader']), 403, 'forbidden');
    expect(body['required-roles']).toEqual(['catalog:admin']);
    const created = await post(['catalog:admin']);
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: 'thing-1', name: 'a', quantity: 1, by: 'user-1' });
  });

  it('answers 400 for a malformed path tenant before looking at the token', async () => {
    for (const tenant of ['T1', '-t1', 'a'.repeat(64), 't%201']) {
      const body = await expectProblem(await get(`/v1/tenants/${tenant}/things`), 400, 'validation-error');
      expect(body['errors']).toEqual([expect.objectContaining({ in: 'params', pointer: '/tenantId' })]);
    }
  });
});
