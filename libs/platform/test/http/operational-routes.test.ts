import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from './support/problem-assertions';
import { startTestApp, token, type TestApp } from './support/test-app';

/** Walks a parsed JSON document; a missing step yields undefined (and fails the assertion). */
function at(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe('OpenAPI', () => {
  it('documents the routes with their zod-derived schemas', async () => {
    const response = await fetch(`${t.baseUrl}/docs/openapi.json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as unknown;
    expect(at(doc, 'openapi')).toBe('3.1.0');
    const create = at(doc, 'paths', '/v1/tenants/{tenantId}/things', 'post');
    expect(at(create, 'security')).toEqual([{ bearerAuth: [] }]);
    expect(at(create, 'x-required-roles')).toEqual(['catalog:admin']);
    expect(at(create, 'requestBody', 'required')).toBe(true);
    // a body the route's schema lets be left out is not documented as required (clients and tests trust it)
    expect(at(doc, 'paths', '/v1/tenants/{tenantId}/things/touch', 'post', 'requestBody', 'required')).toBe(false);
    const bodySchema = at(create, 'requestBody', 'content', 'application/json', 'schema');
    expect(at(bodySchema, 'required')).toEqual(['name', 'quantity']);
    expect(at(bodySchema, 'additionalProperties')).toBe(false);
    expect(at(bodySchema, 'properties', 'quantity')).toMatchObject({ type: 'integer', minimum: 1 });
    expect(
      at(create, 'responses', '201', 'content', 'application/json', 'schema', 'properties', 'id'),
    ).toEqual({
      type: 'string',
    });
    expect(at(create, 'parameters')).toContainEqual(
      expect.objectContaining({ name: 'tenantId', in: 'path', required: true }),
    );
    const list = at(doc, 'paths', '/v1/tenants/{tenantId}/things', 'get');
    expect(at(list, 'parameters')).toContainEqual(
      expect.objectContaining({
        name: 'limit',
        in: 'query',
        schema: expect.objectContaining({ maximum: 200 }),
      }),
    );
    expect(at(doc, 'paths', '/v1/ping', 'get', 'security')).toEqual([]);
    expect(at(doc, 'paths', '/v1/tenants/{tenantId}/things/boom')).toBeUndefined();
  });

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${t.baseUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain("url: '/docs/openapi.json'");
    const asset = await fetch(`${t.baseUrl}/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
    await expectProblem(await fetch(`${t.baseUrl}/docs/assets/..%2Fpackage.json`), 404, 'not-found');
  });
});

describe('metrics', () => {
  it('exposes the HTTP histogram by route pattern and status', async () => {
    await fetch(`${t.baseUrl}/v1/tenants/t1/things?limit=3`, {
      headers: { authorization: `Bearer ${await token()}` },
    });
    await fetch(`${t.baseUrl}/v1/tenants/t9/things`);
    const response = await fetch(`${t.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/tenants\/:tenantId\/things",status="200"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/v1\/tenants\/:tenantId\/things",status="401"\} 1/,
    );
    expect(text).not.toContain('/v1/tenants/t1/');
  });
});

describe('health', () => {
  it('answers live without checking dependencies', async () => {
    t.indicators.postgres.status = 'down';
    const response = await fetch(`${t.baseUrl}/health/live`);
    t.indicators.postgres.status = 'up';
    expect(response.status).toBe(200);
  });

  it('is ready when every indicator is up, and still ready when a non-critical one is degraded', async () => {
    let response = await fetch(`${t.baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'up', checks: { postgres: 'up', 'redis-cache': 'up' } });
    t.indicators.redis.status = 'down';
    response = await fetch(`${t.baseUrl}/health/ready`);
    t.indicators.redis.status = 'up';
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'degraded',
      checks: { postgres: 'up', 'redis-cache': 'down' },
    });
  });

  it('is not ready (503 problem) when a critical indicator is down', async () => {
    t.indicators.postgres.status = 'down';
    const response = await fetch(`${t.baseUrl}/health/ready`);
    t.indicators.postgres.status = 'up';
    const body = await expectProblem(response, 503, 'service-unavailable');
    expect(body['checks']).toEqual({ postgres: 'down', 'redis-cache': 'up' });
  });
});
