import { LuaScriptError, type RateLimiterUnavailableError } from '../errors';

/**
 * Where a decision came from: Redis; the local insurance budget of a fail-closed policy (Redis unavailable);
 * or no check at all because the policy fails open and Redis is unavailable.
 */
export type RateLimitSource = 'redis' | 'insurance' | 'fail-open';

/** One policy's verdict on one request. */
export interface DimensionDecision {
  readonly policy: string;
  /** Whether this policy alone had room. In a rejected request nothing is consumed, even where this is true. */
  readonly allowed: boolean;
  /** Quota (`q`): the limit, a token bucket's capacity, or the insurance budget when `source` is `insurance`. */
  readonly limit: number;
  /** Window (`w`) in whole seconds. */
  readonly windowSeconds: number;
  /** Units left: after this request when the request was allowed, else what is left now (nothing was consumed). */
  readonly remaining: number;
  /** Seconds until quota comes back (window end, oldest logged request leaving, bucket full). */
  readonly resetSeconds: number;
  /** Seconds until this request could pass; 0 when this policy had room. */
  readonly retryAfterSeconds: number;
  readonly source: RateLimitSource;
}

/** The verdict on a request across all its dimensions: the fields of the most restrictive one, plus all of them. */
export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Name of the most restrictive policy: the one the `RateLimit` headers describe. */
  readonly policy: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly remaining: number;
  readonly resetSeconds: number;
  /** 0 when allowed, else at least 1: the `Retry-After` value. */
  readonly retryAfterSeconds: number;
  readonly policies: readonly DimensionDecision[];
  /** Policies that rejected the request (`violated-policies`); empty when allowed. */
  readonly violated: readonly string[];
  /** `insurance` or `fail-open` when any dimension could not be decided by Redis. */
  readonly source: RateLimitSource;
  /** True when Redis could not be asked: the decision is a fallback. */
  readonly unavailable: boolean;
  /** Set when a fail-closed policy rejected because Redis is unavailable and its insurance is spent (503, not 429). */
  readonly error?: RateLimiterUnavailableError;
}

/** Per-dimension fields the scripts return after the leading all-allowed flag. */
export const SCRIPT_FIELDS_PER_DIMENSION = 4;

/** Meaning of the first reply element and of each dimension's first field. */
export enum ScriptVerdict {
  Rejected = 0,
  Allowed = 1,
}

/**
 * Turns a script reply `{allowed, (allowed, remaining, resetMs, retryAfterMs) per dimension}` into per-dimension
 * decisions. The one place that knows the reply layout.
 */
export function decodeScriptReply(
  reply: unknown,
  policies: readonly { readonly name: string; readonly limit: number; readonly windowSeconds: number }[],
  cost: number,
): DimensionDecision[] {
  const n = policies.length;
  if (!Array.isArray(reply) || reply.length !== 1 + SCRIPT_FIELDS_PER_DIMENSION * n) {
    throw new LuaScriptError('rate-limit script returned an unexpected reply', { dimensions: n });
  }
  // Scripts report an allowing dimension's remaining as if consumed; when another dimension rejected, nothing was.
  const refund = reply[0] === ScriptVerdict.Allowed ? 0 : cost;
  const out = new Array<DimensionDecision>(n);
  for (let i = 0; i < n; i++) {
    const at = 1 + SCRIPT_FIELDS_PER_DIMENSION * i;
    const allowed = reply[at] === ScriptVerdict.Allowed;
    const policy = policies[i]!;
    out[i] = {
      policy: policy.name,
      allowed,
      limit: policy.limit,
      windowSeconds: policy.windowSeconds,
      remaining: allowed ? (reply[at + 1] as number) + refund : (reply[at + 1] as number),
      resetSeconds: Math.ceil((reply[at + 2] as number) / 1000),
      retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((reply[at + 3] as number) / 1000)),
      source: 'redis',
    };
  }
  return out;
}

/**
 * Combines per-dimension decisions: allowed only if every dimension allowed. The headline fields come from the
 * most restrictive dimension: when rejected, the violated one with the longest wait; when allowed, the one with
 * the fewest units left (then the longest reset).
 */
export function combineDecisions(
  policies: readonly DimensionDecision[],
  source: RateLimitSource,
  unavailable = false,
  error?: RateLimiterUnavailableError,
): RateLimitDecision {
  let allowed = true;
  let violated: string[] | undefined;
  let pick = policies[0]!;
  for (let i = 0; i < policies.length; i++) {
    const d = policies[i]!;
    if (!d.allowed) {
      if (allowed || d.retryAfterSeconds > pick.retryAfterSeconds) pick = d;
      allowed = false;
      (violated ??= []).push(d.policy);
    } else if (
      allowed &&
      (d.remaining < pick.remaining || (d.remaining === pick.remaining && d.resetSeconds > pick.resetSeconds))
    ) {
      pick = d;
    }
  }
  const decision: RateLimitDecision = {
    allowed,
    policy: pick.policy,
    limit: pick.limit,
    windowSeconds: pick.windowSeconds,
    remaining: pick.remaining,
    resetSeconds: pick.resetSeconds,
    retryAfterSeconds: allowed ? 0 : pick.retryAfterSeconds,
    policies,
    violated: violated ?? NONE,
    source,
    unavailable,
  };
  return error ? { ...decision, error } : decision;
}

const NONE: readonly string[] = Object.freeze([]);
