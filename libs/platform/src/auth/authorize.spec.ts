import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ProblemError } from '../http/problem';
import { authorize, type AuthorizationInput } from './authorize';
import { InvalidTokenError, type TokenVerifier } from './jwt-verifier';
import type { Principal } from './principal';

/** A verifier over a fixed table: `known` tokens are cached, `fresh` ones need verifying, others are invalid. */
function verifier(known: Record<string, Principal>, fresh: Record<string, Principal> = {}): TokenVerifier {
  return {
    cached: (token) => known[token],
    verify: async (token) => {
      const principal = known[token] ?? fresh[token];
      if (!principal) throw new InvalidTokenError('invalid');
      return principal;
    },
  };
}

const alice: Principal = { sub: 'alice', tenantId: 'acme', roles: ['catalog:admin'] };
const input = (overrides: Partial<AuthorizationInput> = {}): AuthorizationInput => ({
  authorization: 'Bearer tok-alice',
  pathTenant: 'acme',
  requiredRoles: [],
  raw: {} as IncomingMessage,
  ...overrides,
});

async function statusOf(run: () => unknown): Promise<number> {
  try {
    await run();
  } catch (error) {
    return (error as ProblemError).status;
  }
  return 200;
}

describe('authorize', () => {
  it('answers a token the verifier already holds synchronously, and a new one after verifying it', async () => {
    const cachedOnly = verifier({ 'tok-alice': alice });
    expect(authorize(cachedOnly, input())).toBe(alice);
    const needsVerifying = verifier({}, { 'tok-alice': alice });
    const pending = authorize(needsVerifying, input());
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBe(alice);
  });

  it('accepts the scheme in any case and spaces around the header, for held and new tokens alike', async () => {
    for (const authorization of ['bearer tok-alice', ' Bearer tok-alice ', 'BEARER tok-alice']) {
      expect(await authorize(verifier({ 'tok-alice': alice }), input({ authorization }))).toBe(alice);
      expect(await authorize(verifier({}, { 'tok-alice': alice }), input({ authorization }))).toBe(alice);
    }
  });

  it('applies the same rules on both paths: 403 for another tenant or a missing role', async () => {
    for (const v of [verifier({ 'tok-alice': alice }), verifier({}, { 'tok-alice': alice })]) {
      expect(await statusOf(() => authorize(v, input({ pathTenant: 'globex' })))).toBe(403);
      expect(await statusOf(() => authorize(v, input({ requiredRoles: ['pricing:admin'] })))).toBe(403);
      expect(await statusOf(() => authorize(v, input({ requiredRoles: ['catalog:admin'] })))).toBe(200);
    }
  });

  it('refuses a malformed path tenant (400), a missing or malformed header and an invalid token (401)', async () => {
    const v = verifier({ 'tok-alice': alice });
    expect(await statusOf(() => authorize(v, input({ pathTenant: 'ACME!' })))).toBe(400);
    expect(await statusOf(() => authorize(v, input({ authorization: undefined })))).toBe(401);
    expect(await statusOf(() => authorize(v, input({ authorization: 'Basic abc' })))).toBe(401);
    expect(await statusOf(() => authorize(v, input({ authorization: 'Bearer tok-bob' })))).toBe(401);
  });
});
