import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './support/problem-assertions';
import { startTestApp, token, type TestApp } from './support/test-app';

let t: TestApp;
let adminToken: string;
beforeAll(async () => {
  t = await startTestApp();
  adminToken = await token({ roles: ['catalog:admin'] });
});
afterAll(async () => t?.close());

const post = (body: string, contentType = 'application/json') =>
  fetch(`${t.baseUrl}/v1/tenants/t1/things`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': contentType },
    body,
  });

describe('request errors are problem+json, never 5xx', () => {
  it('answers 400 for malformed JSON', async () => {
    await expectProblem(await post('{"name": "a",'), 400, 'malformed-request');
  });

  it('answers 400 with field errors for wrong types', async () => {
    const body = await expectProblem(
      await post(JSON.stringify({ name: 5, quantity: 'many' })),
      400,
      'validation-error',
    );
    const errors = body['errors'] as Array<{ in: string; pointer: string; message: string }>;
    expect(errors.map((e) => e.pointer).sort()).toEqual(['/name', '/quantity']);
    expect(errors.every((e) => e.in === 'body' && e.message.length > 0)).toBe(true);
  });

  it('answers 400 naming every unknown field', async () => {
    const body = await expectProblem(
      await post(JSON.stringify({ name: 'a', quantity: 1, extra: true })),
      400,
      'validation-error',
    );
    expect(body['errors']).toEqual([{ in: 'body', pointer: '/extra', message: 'unknown field' }]);
  });

  it('answers 400 for an invalid query value', async () => {
    const response = await fetch(`${t.baseUrl}/v1/tenants/t1/things?limit=999`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const body = await expectProblem(response, 400, 'validation-error');
    expect(body['errors']).toEqual([expect.objectContaining({ in: 'query', pointer: '/limit' })]);
  });

  it('answers 413 for a body over 256 KiB', async () => {
    const big = JSON.stringify({ name: 'a', quantity: 1, tags: ['x'.repeat(257 * 1024)] });
    await expectProblem(await post(big), 413, 'payload-too-large');
  });

  it("names the route's own limit in the 413: 256 KiB by default, 8 MiB on a publish-sized route, a fast route's own", async () => {
    const defaultRoute = await expectProblem(
      await post(JSON.stringify({ name: 'a', quantity: 1, tags: ['x'.repeat(257 * 1024)] })),
      413,
      'payload-too-large',
    );
    expect(defaultRoute['detail']).toBe('The request body exceeds the limit of 256 KiB.');

    const postTo = (path: string, body: string) =>
      fetch(`${t.baseUrl}/v1/tenants/t1/${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body,
      });
    const tags = (kib: number) => JSON.stringify({ tags: ['x'.repeat(kib * 1024)] });
    // before: every route took 256 KiB at most, and every 413 said so
    const underItsLimit = await postTo('things/bulk', tags(7 * 1024));
    expect(underItsLimit.status).toBe(201);
    const overItsLimit = await expectProblem(
      await postTo('things/bulk', tags(8 * 1024 + 1)),
      413,
      'payload-too-large',
    );
    expect(overItsLimit['detail']).toBe('The request body exceeds the limit of 8 MiB.');

    expect((await postTo('fast-bulk', tags(900))).status).toBe(201);
    const fast = await expectProblem(await postTo('fast-bulk', tags(1025)), 413, 'payload-too-large');
    expect(fast['detail']).toBe('The request body exceeds the limit of 1 MiB.');
  });

  it('accepts a body just under 256 KiB (then validates it)', async () => {
    const almost = JSON.stringify({ name: 'a', quantity: 1, tags: ['x'.repeat(250 * 1024)] });
    expect((await post(almost)).status).toBe(201);
  });

  it('answers 415 for a non-JSON body', async () => {
    await expectProblem(await post('name=a', 'text/xml'), 415, 'unsupported-media-type');
  });

  it('answers 404 problem for an unknown route', async () => {
    await expectProblem(await fetch(`${t.baseUrl}/v1/nothing/here`), 404, 'not-found');
  });

  it('answers 500 for an unexpected error without its message or stack, and logs the stack', async () => {
    const response = await fetch(`${t.baseUrl}/v1/tenants/t1/things/boom`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    const text = await response.clone().text();
    await expectProblem(response, 500, 'internal-error');
    expect(text).not.toContain('secret internal detail');
    expect(text).not.toContain('test-app.ts');
    const requestId = response.headers.get('x-request-id');
    const logged = t
      .logLines()
      .find((line) => line['msg'] === 'request failed' && line['requestId'] === requestId);
    expect(JSON.stringify(logged?.['err'])).toContain('secret internal detail');
  });

  it("answers a header block over 16 KiB with a 431 problem, not Fastify's own JSON (Node refuses it before any route)", async () => {
    const response = await fetch(`${t.baseUrl}/v1/tenants/t1/things`, {
      headers: { authorization: `Bearer ${'a'.repeat(20_000)}` },
    });
    await expectProblem(response, 431, 'malformed-request');
  });

  it("answers a request that is not HTTP at all with a 400 problem, not Fastify's own JSON", async () => {
    const reply = await rawExchange(t.baseUrl, 'GET /v1/ping HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
    expect(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4))).toMatchObject({
      type: 'https://cpq.dev/problems/malformed-request',
      status: 400,
    });
  });

  it("answers a path parameter over the router's 100 characters with a 414 problem, not Fastify's own JSON", async () => {
    const response = await fetch(`${t.baseUrl}/v1/tenants/${'a'.repeat(101)}/things`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    await expectProblem(response, 414, 'malformed-request');
  });

  it("answers a malformed percent-encoding in a path parameter with a 400 problem, not Fastify's own JSON", async () => {
    const response = await fetch(`${t.baseUrl}/v1/tenants/%ZZ/things`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    await expectProblem(response, 400, 'malformed-request');
  });

  it('maps a registered domain error to its problem with headers', async () => {
    const response = await fetch(`${t.baseUrl}/v1/tenants/t1/things/locked`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    await expectProblem(response, 409, 'conflict');
    expect(response.headers.get('retry-after')).toBe('3');
  });
});

describe('request ids', () => {
  it('echoes an X-Request-Id given by the caller', async () => {
    const response = await fetch(`${t.baseUrl}/v1/ping`, { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
  });

  it('generates a random UUID when absent or unusable, also on error responses', async () => {
    for (const headers of [{}, { 'x-request-id': 'has spaces and ünïcode' }]) {
      const response = await fetch(`${t.baseUrl}/v1/tenants/t1/things`, { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('x-request-id')).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
    }
  });
});

/** Writes raw bytes to the server and returns everything it answers until it closes the connection. */
function rawExchange(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.write(bytes));
    let reply = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString('utf8')));
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}
