/**
 * Every error this library throws. Each has a stable `code` (prefix `REDIS_RUNTIME_`), keeps its `cause`
 * and carries context fields that a structured logger can print. Never put raw ids or keys in them.
 */
export abstract class RedisRuntimeError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A key segment from user input contained `:`, `{`, `}`, whitespace or a control character. */
export class InvalidKeySegmentError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_INVALID_KEY_SEGMENT';
}

/** A key was built or written for a family that is not declared in the registry. */
export class UnknownKeyFamilyError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_UNKNOWN_KEY_FAMILY';
}

/** A family was declared twice, or declared with an inconsistent definition. */
export class InvalidKeyFamilyError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_INVALID_KEY_FAMILY';
}

/** A write had no TTL, or a TTL outside the family's declared range. */
export class MissingTtlError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_MISSING_TTL';
}

/** Redis did not answer within the operation's timeout budget. */
export class RedisTimeoutError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_TIMEOUT';
}

/** Redis could not be reached or answered with an error. */
export class RedisUnavailableError extends RedisRuntimeError {
  readonly code: string = 'REDIS_RUNTIME_UNAVAILABLE';
}

/**
 * Redis refused the command to this connection's ACL user (`NOPERM`: a command, key or channel its rules do not
 * cover). Callers fall back exactly as when Redis is unavailable; operators see it apart (its own metric, and
 * `ACL LOG` names what was refused): usually a user generated before a new family or command.
 */
export class RedisAccessDeniedError extends RedisUnavailableError {
  override readonly code = 'REDIS_RUNTIME_ACCESS_DENIED';
}

/** A cache write's `versionOf` returned something other than a non-negative safe integer. */
export class InvalidCacheVersionError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_INVALID_CACHE_VERSION';
}

/** A Lua script failed or returned a reply the wrapper does not understand. */
export class LuaScriptError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_LUA_ERROR';
}

/** The Redis configuration given at start-up is invalid. */
export class RedisConfigError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_CONFIG_INVALID';
}

/** A lease could not be acquired because another holder has it. */
export class LeaseContendedError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_LEASE_CONTENDED';
}

/** A lease expired or was taken over while the protected work was running. */
export class LeaseLostError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_LEASE_LOST';
}

/** The rate limiter could not reach Redis and the policy's fail-closed insurance budget is spent. */
export class RateLimiterUnavailableError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_RATE_LIMITER_UNAVAILABLE';
}

/** A rate-limit policy is inconsistent, or a check names a policy the limiter does not know. */
export class InvalidRateLimitPolicyError extends RedisRuntimeError {
  readonly code = 'REDIS_RUNTIME_INVALID_RATE_LIMIT_POLICY';
}
