import { randomBytes } from 'node:crypto';
import type { RedisConnection, ScriptArg } from '../clients/redis-connection';
import { InvalidRateLimitPolicyError, RateLimiterUnavailableError, RedisUnavailableError } from '../errors';
import type { KeyFactory, RedisKey } from '../keys/key-factory';
import { hashKeySegment } from '../keys/key-segment';
import type { RuntimeMetrics } from '../observability/runtime-metrics';
import { silentLogger, type RuntimeLogger } from '../observability/runtime-logger';
import { InsuranceBudget, type InsuranceBudgetOptions, type InsuranceClaim } from './insurance-budget';
import {
  combineDecisions,
  decodeScriptReply,
  type DimensionDecision,
  type RateLimitDecision,
} from './rate-limit-decision';
import { compilePolicy, type CompiledPolicy, type RateLimitPolicy } from './rate-limit-policy';
import type { RateLimitDimension, RateLimiter } from './rate-limiter';

export interface RedisRateLimiterOptions {
  /** A `rate` workload connection. */
  connection: RedisConnection;
  keys: KeyFactory;
  /** Every policy a check may name; validated here, once. */
  policies: readonly RateLimitPolicy[];
  /** @default connection.metrics */
  metrics?: RuntimeMetrics;
  /** @default silentLogger */
  logger?: RuntimeLogger;
  /** Local budget of fail-closed policies while Redis is unavailable. @default { maxEntries: 10_000 } */
  insurance?: InsuranceBudgetOptions;
}

/** Logs about Redis being unavailable at most this often, so an outage does not flood the log. */
const WARN_EVERY_MS = 10_000;
/** Built keys kept for reuse (a SHA-256 digest and five checked segments each); cleared when full. */
const KEY_CACHE_SIZE = 10_000;

/**
 * Rate limiter on Redis: one EVALSHA per check (script per algorithm, time from Redis `TIME`), all dimensions
 * of a tenant in one hash slot. When Redis fails, each policy's failure mode decides.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly connection: RedisConnection;
  private readonly keys: KeyFactory;
  private readonly policies = new Map<string, CompiledPolicy>();
  private readonly metrics: RuntimeMetrics;
  private readonly logger: RuntimeLogger;
  private readonly budget: InsuranceBudget;
  /** Sliding-log members are `<ms>-<instance><sequence>-<unit>`: unique across processes and calls. */
  private readonly instance = randomBytes(6).toString('base64url');
  private sequence = 0;
  private lastWarnAt = -Infinity;
  /** policy → tenant → subject → key: nested maps hash the caller's strings instead of a concatenation. */
  private readonly keyCache = new Map<CompiledPolicy, Map<string, Map<string, RedisKey>>>();
  private cachedKeys = 0;

  constructor(options: RedisRateLimiterOptions) {
    this.connection = options.connection;
    this.keys = options.keys;
    this.metrics = options.metrics ?? options.connection.metrics;
    this.logger = options.logger ?? silentLogger;
    this.budget = new InsuranceBudget(options.insurance);
    const registry = { get: (name: string) => this.keys.familyOf(name) };
    for (const policy of options.policies) {
      if (this.policies.has(policy.name)) {
        throw new InvalidRateLimitPolicyError(`rate-limit policy ${policy.name} is declared twice`, {
          policy: policy.name,
        });
      }
      this.policies.set(policy.name, compilePolicy(policy, registry));
    }
  }

  check(tenant: string, dimensions: readonly RateLimitDimension[], cost = 1): Promise<RateLimitDecision> {
    const n = dimensions.length;
    if (n === 0) {
      return Promise.reject(
        new InvalidRateLimitPolicyError('a rate-limit check needs at least one dimension', {}),
      );
    }
    if (!Number.isSafeInteger(cost) || cost < 1) {
      return Promise.reject(
        new InvalidRateLimitPolicyError('rate-limit cost must be a positive integer', { cost }),
      );
    }
    const compiled = new Array<CompiledPolicy>(n);
    const keys = new Array<RedisKey>(n);
    const args: ScriptArg[] = [cost];
    try {
      const first = this.policy(dimensions[0]!.policy);
      if (first.script === 'slidingLog') args.push(this.instance + (this.sequence++).toString(36));
      for (let i = 0; i < n; i++) {
        const dimension = dimensions[i]!;
        const policy = i === 0 ? first : this.policy(dimension.policy);
        if (policy.script !== first.script) {
          throw new InvalidRateLimitPolicyError('all dimensions of one check must use the same algorithm', {
            policies: dimensions.map((d) => d.policy),
          });
        }
        compiled[i] = policy;
        keys[i] = this.keyFor(policy, tenant, dimension.subject);
        for (const arg of policy.argv) args.push(arg);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.connection.ready) {
      return Promise.resolve(
        this.fallback(compiled, keys, cost, new RedisUnavailableError('rate Redis is not connected', {})),
      );
    }
    return this.connection.script(compiled[0]!.script, keys, args).then(
      (reply) => {
        let decisions: DimensionDecision[];
        try {
          decisions = decodeScriptReply(reply, compiled, cost);
        } catch (error) {
          return this.fallback(compiled, keys, cost, error);
        }
        const decision = combineDecisions(decisions, 'redis');
        this.count(decision);
        return decision;
      },
      (error: unknown) => this.fallback(compiled, keys, cost, error),
    );
  }

  /** The Redis key of one dimension (for operators and tests); the subject appears only as a digest. */
  keyOf(tenant: string, dimension: RateLimitDimension): RedisKey {
    return this.keyFor(this.policy(dimension.policy), tenant, dimension.subject);
  }

  private keyFor(policy: CompiledPolicy, tenant: string, subject: string): RedisKey {
    let byTenant = this.keyCache.get(policy);
    if (byTenant === undefined) this.keyCache.set(policy, (byTenant = new Map()));
    let bySubject = byTenant.get(tenant);
    if (bySubject === undefined) byTenant.set(tenant, (bySubject = new Map()));
    let key = bySubject.get(subject);
    if (key === undefined) {
      if (this.cachedKeys >= KEY_CACHE_SIZE) {
        this.keyCache.clear();
        this.cachedKeys = 0;
        return this.keyFor(policy, tenant, subject);
      }
      key = this.keys.key(
        policy.family.name,
        tenant,
        policy.name,
        policy.policy.scope,
        hashKeySegment(subject),
      );
      bySubject.set(subject, key);
      this.cachedKeys++;
    }
    return key;
  }

  private policy(name: string): CompiledPolicy {
    const policy = this.policies.get(name);
    if (!policy) throw new InvalidRateLimitPolicyError(`unknown rate-limit policy ${name}`, { policy: name });
    return policy;
  }

  /**
   * Redis could not decide. Fail-open dimensions pass; fail-closed ones spend the local insurance budget
   * (all or nothing across them) and, once it is spent, reject with a `RateLimiterUnavailableError`.
   */
  private fallback(
    compiled: CompiledPolicy[],
    keys: RedisKey[],
    cost: number,
    cause: unknown,
  ): RateLimitDecision {
    this.warn(compiled, cause);
    const claims: InsuranceClaim[] = [];
    for (let i = 0; i < compiled.length; i++) {
      const insurance = compiled[i]!.insurance;
      if (insurance) claims.push({ id: keys[i]!.key, limit: insurance.limit, windowMs: insurance.windowMs });
    }
    const verdicts = claims.length > 0 ? this.budget.take(claims, cost) : [];
    let v = 0;
    const decisions = compiled.map((policy): DimensionDecision => {
      if (!policy.insurance) {
        const { name, limit, windowSeconds } = policy;
        return {
          policy: name,
          allowed: true,
          limit,
          windowSeconds,
          remaining: limit,
          resetSeconds: 0,
          retryAfterSeconds: 0,
          source: 'fail-open',
        };
      }
      const verdict = verdicts[v++]!;
      const resetSeconds = Math.ceil(verdict.resetMs / 1000);
      return {
        policy: policy.name,
        allowed: verdict.allowed,
        limit: policy.insurance.limit,
        windowSeconds: Math.ceil(policy.insurance.windowMs / 1000),
        remaining: verdict.remaining,
        resetSeconds,
        retryAfterSeconds: verdict.allowed ? 0 : Math.max(1, resetSeconds),
        source: 'insurance',
      };
    });
    const source = claims.length > 0 ? 'insurance' : 'fail-open';
    const rejected = decisions.some((d) => !d.allowed);
    const error = rejected
      ? new RateLimiterUnavailableError(
          'rate limiter unavailable and the insurance budget is spent',
          {
            policies: decisions.filter((d) => !d.allowed).map((d) => d.policy),
          },
          { cause },
        )
      : undefined;
    const decision = combineDecisions(decisions, source, true, error);
    this.count(decision);
    return decision;
  }

  private count(decision: RateLimitDecision): void {
    for (const d of decision.policies) {
      if (decision.allowed) this.metrics.rateLimit(d.policy, 'allowed', d.source);
      else if (!d.allowed) this.metrics.rateLimit(d.policy, 'rejected', d.source);
    }
  }

  private warn(compiled: CompiledPolicy[], cause: unknown): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_EVERY_MS) return;
    this.lastWarnAt = now;
    const code = (cause as { code?: unknown } | undefined)?.code;
    this.logger.warn(
      { policies: compiled.map((p) => p.name), errorCode: typeof code === 'string' ? code : 'unknown' },
      'rate limiter cannot reach Redis; applying each policy failure mode',
    );
  }
}
