import { InvalidRateLimitPolicyError } from '../errors';
import type { KeyFamily } from '../keys/key-family';
import type { KeyFamilyRegistry } from '../keys/key-family-registry';
import { assertTtlSeconds } from '../keys/key-family-registry';
import { assertKeySegment } from '../keys/key-segment';

export type RateLimitAlgorithm = 'fixed-window' | 'sliding-log' | 'sliding-counter' | 'token-bucket';

/** What a policy counts per subject: the reference's rate-limit dimensions. */
export type RateLimitScope = 'tenant' | 'user' | 'client' | 'route' | 'adapter';

/**
 * What a policy does when Redis cannot be asked. `open` lets every request through; `closed` lets through
 * at most `insurance.limit` requests per `insurance.windowSeconds` per subject and process, then rejects
 * (the HTTP layer answers 503 with `Retry-After`).
 */
export type RateLimitFailureMode =
  | { readonly mode: 'open' }
  | {
      readonly mode: 'closed';
      readonly insurance: { readonly limit: number; readonly windowSeconds: number };
    };

interface PolicyBase {
  /** Shown in `RateLimit-Policy`, metrics and `violated-policies`; a key segment, e.g. `pricing-user`. */
  readonly name: string;
  readonly scope: RateLimitScope;
  /** A declared key family with `hashTag: 'tenant'`, e.g. `pricing-rate-limit`. */
  readonly family: string;
  readonly failureMode: RateLimitFailureMode;
}

export interface WindowRateLimitPolicy extends PolicyBase {
  readonly algorithm: 'fixed-window' | 'sliding-log' | 'sliding-counter';
  /** Requests (units) allowed per window. */
  readonly limit: number;
  /** Window length; whole milliseconds. */
  readonly windowSeconds: number;
}

export interface TokenBucketRateLimitPolicy extends PolicyBase {
  readonly algorithm: 'token-bucket';
  /** Bucket size: the largest burst. */
  readonly capacity: number;
  /** Tokens added per second (> 0). */
  readonly refillPerSecond: number;
}

export type RateLimitPolicy = WindowRateLimitPolicy | TokenBucketRateLimitPolicy;

/** Lua script (registry name) per algorithm. */
export const RATE_LIMIT_SCRIPTS: Readonly<Record<RateLimitAlgorithm, string>> = {
  'fixed-window': 'fixedWindow',
  'sliding-log': 'slidingLog',
  'sliding-counter': 'slidingCounter',
  'token-bucket': 'tokenBucket',
};

/**
 * Largest `limit` of a `sliding-log` policy. The log keeps one sorted-set member per unit of every request in the
 * window, so its memory and the time one script call takes to add a request's units (or trim them again) grow
 * with the limit, on the Redis every limited request waits for. Larger quotas belong to `sliding-counter`.
 */
export const MAX_SLIDING_LOG_LIMIT = 10_000;

/** The scripts keep a key this much longer than it is needed. */
const TTL_BUFFER_SECONDS = 1;

/** A policy checked once and turned into what the hot path needs: no validation or number formatting per call. */
export interface CompiledPolicy {
  readonly policy: RateLimitPolicy;
  readonly name: string;
  readonly script: string;
  readonly family: KeyFamily;
  /** Quota for the headers (`q`): limit, or a token bucket's capacity. */
  readonly limit: number;
  /** Window for the headers (`w`), whole seconds: a token bucket's time to refill completely. */
  readonly windowSeconds: number;
  /** The per-dimension ARGV group of the script. */
  readonly argv: readonly string[];
  readonly insurance: { readonly limit: number; readonly windowMs: number } | undefined;
}

export function compilePolicy(
  policy: RateLimitPolicy,
  registry: Pick<KeyFamilyRegistry, 'get'>,
): CompiledPolicy {
  const fail = (why: string): never => {
    throw new InvalidRateLimitPolicyError(`rate-limit policy ${policy.name}: ${why}`, {
      policy: policy.name,
    });
  };
  assertKeySegment(policy.name, 'policy name');
  assertKeySegment(policy.scope, 'policy scope');
  const script =
    RATE_LIMIT_SCRIPTS[policy.algorithm] ?? fail(`unknown algorithm ${String(policy.algorithm)}`);
  const family = registry.get(policy.family);
  if (family.hashTag !== 'tenant')
    fail(`family ${family.name} must be tenant-tagged so dimensions share a slot`);

  let limit: number, windowMs: number, ttlSeconds: number, argv: string[];
  if (policy.algorithm === 'token-bucket') {
    if (!isPositiveInt(policy.capacity)) fail('capacity must be a positive integer');
    if (!(policy.refillPerSecond > 0) || !Number.isFinite(policy.refillPerSecond))
      fail('refillPerSecond must be > 0');
    limit = policy.capacity;
    windowMs = Math.ceil((policy.capacity / policy.refillPerSecond) * 1000);
    ttlSeconds = windowMs / 1000 + TTL_BUFFER_SECONDS;
    argv = [String(policy.capacity), String(policy.refillPerSecond)];
  } else {
    if (!isPositiveInt(policy.limit)) fail('limit must be a positive integer');
    if (policy.algorithm === 'sliding-log' && policy.limit > MAX_SLIDING_LOG_LIMIT)
      fail(`a sliding log holds one member per unit: limit must be <= ${MAX_SLIDING_LOG_LIMIT}`);
    windowMs = policy.windowSeconds * 1000;
    if (!isPositiveInt(windowMs)) fail('windowSeconds must be a positive whole number of milliseconds');
    limit = policy.limit;
    // A fixed-window counter expires exactly at its window's end (its existence marks the window); a sliding
    // counter's state is still read as the previous window during the next one.
    if (policy.algorithm === 'fixed-window') ttlSeconds = windowMs / 1000;
    else
      ttlSeconds = ((policy.algorithm === 'sliding-counter' ? 2 : 1) * windowMs) / 1000 + TTL_BUFFER_SECONDS;
    argv = [String(policy.limit), String(windowMs)];
  }
  assertTtlSeconds(family, ttlSeconds);

  let insurance: CompiledPolicy['insurance'];
  const failure = policy.failureMode;
  if (failure.mode === 'closed') {
    const { limit: budget, windowSeconds } = failure.insurance;
    if (!isPositiveInt(budget) && budget !== 0) fail('insurance limit must be a whole number >= 0');
    if (!(windowSeconds > 0)) fail('insurance windowSeconds must be > 0');
    insurance = { limit: budget, windowMs: Math.round(windowSeconds * 1000) };
  } else if (failure.mode !== 'open') {
    fail('failureMode must be open or closed');
  }
  return Object.freeze({
    policy,
    name: policy.name,
    script,
    family,
    limit,
    windowSeconds: Math.ceil(windowMs / 1000),
    argv: Object.freeze(argv),
    insurance,
  });
}

function isPositiveInt(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}
