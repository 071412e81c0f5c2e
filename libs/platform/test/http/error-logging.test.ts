import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { expectProblem } from './support/problem-assertions';
import {
  SECRET_ROW_VALUE,
  startErrorTestApp,
  UNEXPECTED_ERROR_MESSAGE,
  type ErrorTestApp,
} from './support/error-test-app';
import { token } from './support/test-app';

let t: ErrorTestApp;
let bearer: string;
beforeAll(async () => {
  t = await startErrorTestApp(infraEnv().databaseUrl, uniqueId('it_err').replace(/-/g, '_'));
  bearer = await token();
});
afterAll(async () => t?.close());

/** Sends the request, expects a 500 problem without internals, and returns the other lines logged under its id. */
async function failedRequest(path: string): Promise<Array<Record<string, unknown>>> {
  const requestId = uniqueId('req');
  const response = await fetch(`${t.baseUrl}/v1/tenants/t1/failing/${path}`, {
    headers: { authorization: `Bearer ${bearer}`, 'x-request-id': requestId },
  });
  const text = await response.clone().text();
  await expectProblem(response, 500, 'internal-error');
  expect(text).not.toContain(UNEXPECTED_ERROR_MESSAGE);
  expect(text).not.toContain(SECRET_ROW_VALUE);
  expect(response.headers.get('x-request-id')).toBe(requestId);
  // The request line is written after the response (the error line before it): wait for it, not for a time.
  const ofRequest = () => t.logLines().filter((line) => line['requestId'] === requestId);
  for (let tries = 0; tries < 200 && !ofRequest().some((line) => line['durationMs'] !== undefined); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const lines = ofRequest();
  // The request line (status 500, at level error) is the access log every request gets; the others are error lines.
  expect(lines.filter((line) => line['durationMs'] !== undefined)).toMatchObject([
    { res: { statusCode: 500 } },
  ]);
  return lines.filter((line) => line['durationMs'] === undefined);
}

describe('an unexpected error is a 500 problem and exactly one error line with the request id and the stack', () => {
  for (const [kind, path] of [
    ['a controller', 'controller'],
    ['a Nest guard', 'guard'],
    ['a Fastify hook', 'hook'],
    ['a fast route (synchronously)', 'fast'],
    ['a fast route (asynchronously)', 'fast-async'],
  ] as const) {
    it(`thrown in ${kind}`, async () => {
      const lines = await failedRequest(path);
      expect(lines).toHaveLength(1);
      const err = lines[0]!['err'] as Record<string, unknown>;
      expect(err['message']).toBe(UNEXPECTED_ERROR_MESSAGE);
      expect(err['stack']).toMatch(/error-test-app\.ts:\d+/);
    });
  }
});

describe("a PostgreSQL error's logged form", () => {
  for (const [kind, path] of [
    ['a controller', 'database'],
    ['a fast route', 'fast-database'],
  ] as const) {
    it(`keeps the SQLSTATE, constraint and table but never the row values of its detail (${kind})`, async () => {
      const lines = await failedRequest(path);
      expect(lines).toHaveLength(1);
      expect(lines[0]!['err']).toMatchObject({
        code: '23505',
        constraint: 'refs_pkey',
        table: 'refs',
        message: 'duplicate key value violates unique constraint "refs_pkey"',
      });
      expect(JSON.stringify(t.logLines())).not.toContain(SECRET_ROW_VALUE);
    });
  }
});

describe('a write that lost to concurrent ones on every attempt (retryableTransaction)', () => {
  it('is a 503 transaction-conflict with Retry-After, not a 500', async () => {
    const response = await fetch(`${t.baseUrl}/v1/tenants/t1/failing/conflict`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    const body = await expectProblem(response, 503, 'transaction-conflict');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(JSON.stringify(body)).not.toMatch(/40001|serializ/);
  });
});
