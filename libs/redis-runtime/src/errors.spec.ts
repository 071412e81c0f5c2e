import { describe, expect, it } from 'vitest';
import * as errors from './errors';

describe('error codes', () => {
  // Codes are part of the public API: dashboards, alerts and other services match on them.
  it('are stable', () => {
    const codes = Object.entries(errors)
      .filter(([, value]) => typeof value === 'function' && value !== errors.RedisRuntimeError)
      .map(([name, ErrorClass]) => [
        name,
        new (ErrorClass as new (m: string) => errors.RedisRuntimeError)('x').code,
      ]);
    expect(Object.fromEntries(codes)).toEqual({
      InvalidKeySegmentError: 'REDIS_RUNTIME_INVALID_KEY_SEGMENT',
      UnknownKeyFamilyError: 'REDIS_RUNTIME_UNKNOWN_KEY_FAMILY',
      InvalidKeyFamilyError: 'REDIS_RUNTIME_INVALID_KEY_FAMILY',
      MissingTtlError: 'REDIS_RUNTIME_MISSING_TTL',
      RedisTimeoutError: 'REDIS_RUNTIME_TIMEOUT',
      RedisUnavailableError: 'REDIS_RUNTIME_UNAVAILABLE',
      RedisAccessDeniedError: 'REDIS_RUNTIME_ACCESS_DENIED',
      InvalidCacheVersionError: 'REDIS_RUNTIME_INVALID_CACHE_VERSION',
      LuaScriptError: 'REDIS_RUNTIME_LUA_ERROR',
      RedisConfigError: 'REDIS_RUNTIME_CONFIG_INVALID',
      LeaseContendedError: 'REDIS_RUNTIME_LEASE_CONTENDED',
      LeaseLostError: 'REDIS_RUNTIME_LEASE_LOST',
      RateLimiterUnavailableError: 'REDIS_RUNTIME_RATE_LIMITER_UNAVAILABLE',
      InvalidRateLimitPolicyError: 'REDIS_RUNTIME_INVALID_RATE_LIMIT_POLICY',
    });
  });

  it('keep their cause and context', () => {
    const cause = new Error('socket closed');
    const error = new errors.RedisUnavailableError('down', { family: 'catalog-offer' }, { cause });
    expect(error.cause).toBe(cause);
    expect(error.context).toEqual({ family: 'catalog-offer' });
    expect(error.name).toBe('RedisUnavailableError');
    expect(error).toBeInstanceOf(errors.RedisRuntimeError);
  });
});
