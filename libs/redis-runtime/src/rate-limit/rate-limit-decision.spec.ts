import { describe, expect, it } from 'vitest';
import { LuaScriptError } from '../errors';
import { combineDecisions, decodeScriptReply, type DimensionDecision } from './rate-limit-decision';

const dim = (policy: string, over: Partial<DimensionDecision> = {}): DimensionDecision => ({
  policy,
  allowed: true,
  limit: 10,
  windowSeconds: 60,
  remaining: 5,
  resetSeconds: 30,
  retryAfterSeconds: 0,
  source: 'redis',
  ...over,
});

describe('combineDecisions', () => {
  it('allows only when every dimension allows, headlining the one with the fewest units left', () => {
    const d = combineDecisions(
      [dim('tenant', { remaining: 900, limit: 1000 }), dim('user', { remaining: 2 })],
      'redis',
    );
    expect(d).toMatchObject({
      allowed: true,
      policy: 'user',
      remaining: 2,
      retryAfterSeconds: 0,
      violated: [],
    });
  });

  it('breaks a tie in units left by the longer reset', () => {
    const d = combineDecisions(
      [dim('a', { remaining: 1, resetSeconds: 5 }), dim('b', { remaining: 1, resetSeconds: 50 })],
      'redis',
    );
    expect(d.policy).toBe('b');
  });

  it('rejects when any dimension rejects, listing every violated policy and the longest wait', () => {
    const d = combineDecisions(
      [
        dim('tenant', { allowed: false, remaining: 0, retryAfterSeconds: 3 }),
        dim('user', { remaining: 0 }),
        dim('client', { allowed: false, remaining: 0, retryAfterSeconds: 40, limit: 7 }),
      ],
      'redis',
    );
    expect(d).toMatchObject({
      allowed: false,
      policy: 'client',
      limit: 7,
      retryAfterSeconds: 40,
      violated: ['tenant', 'client'],
    });
  });

  it('carries source, unavailability and the unavailable error', () => {
    const d = combineDecisions([dim('a')], 'fail-open', true);
    expect(d).toMatchObject({ source: 'fail-open', unavailable: true });
    expect(d.error).toBeUndefined();
  });
});

describe('decodeScriptReply', () => {
  const policies = [
    { name: 'tenant', limit: 100, windowSeconds: 60 },
    { name: 'user', limit: 3, windowSeconds: 2 },
  ];

  it('turns the integer reply into per-dimension decisions with whole seconds', () => {
    const [tenant, user] = decodeScriptReply([0, 1, 97, 1500, 0, 0, 0, 1001, 1001], policies, 1);
    // the request was rejected (by user), so the tenant's unit was not consumed
    expect(tenant).toMatchObject({
      policy: 'tenant',
      allowed: true,
      remaining: 98,
      resetSeconds: 2,
      retryAfterSeconds: 0,
    });
    expect(user).toMatchObject({
      policy: 'user',
      allowed: false,
      limit: 3,
      windowSeconds: 2,
      remaining: 0,
      resetSeconds: 2,
      retryAfterSeconds: 2,
    });
  });

  it('reports remaining after consumption when every dimension allowed', () => {
    const [d] = decodeScriptReply([1, 1, 95, 1000, 0], policies.slice(0, 1), 5);
    expect(d).toMatchObject({ allowed: true, remaining: 95 });
  });

  it('never tells a rejected caller to retry after 0 seconds', () => {
    const [d] = decodeScriptReply([0, 0, 0, 0, 0], policies.slice(0, 1), 1);
    expect(d!.retryAfterSeconds).toBe(1);
  });

  it('refuses a reply of the wrong shape', () => {
    expect(() => decodeScriptReply([1, 1, 2], policies, 1)).toThrow(LuaScriptError);
    expect(() => decodeScriptReply('OK', policies, 1)).toThrow(LuaScriptError);
  });
});
