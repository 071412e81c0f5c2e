// Public API of @cpq/redis-runtime. Services import from here only.

// errors
export * from './errors';

// keys and key families
export type {
  KeyFamily,
  ServiceName,
  Workload,
  ValueFormat,
  Sensitivity,
  HashTag,
  TtlRange,
} from './keys/key-family';
export { defineKeyFamily } from './keys/key-family';
export { KeyFamilyRegistry, assertTtlSeconds } from './keys/key-family-registry';
export { KeyFactory, type RedisKey } from './keys/key-factory';
export { assertKeySegment, escapeKeySegment, hashKeySegment, type KeySegment } from './keys/key-segment';
export { PLATFORM_KEY_FAMILIES, platformKeyFamilyRegistry } from './keys/platform-key-families';
export { renderKeyFamilyTable, replaceKeyFamilyTable } from './keys/key-family-table';
export { aclPatternOf, aclRulesFor, RUNTIME_COMMANDS, type AclRulesInput } from './keys/redis-acl';
export {
  censusOf,
  KeyFamilyClassifier,
  type CensusOptions,
  type FamilyCensus,
  type KeyCensus,
  type KeyOwner,
  type ParsedKey,
} from './keys/key-family-census';

// codec
export { JsonCodec, type DecodeResult, type DecodeFailure, type JsonCodecOptions } from './codec/json-codec';

// clients
export {
  DEFAULT_TIMEOUTS,
  loginOfWorkload,
  redactRedisUrl,
  redisConfigFromEnv,
  redisWorkloadConfigSchema,
  type RedisLogin,
  type RedisRuntimeConfig,
  type RedisWorkloadConfig,
} from './clients/redis-config';
export { RedisConnection, type ScriptArg } from './clients/redis-connection';
export type { WriteFlush } from './clients/write-coalescer';
export {
  createRedisClient,
  connectClient,
  closeClient,
  type RedisClient,
} from './clients/redis-client-factory';
export { RedisRuntime, type RedisRuntimeOptions } from './redis-runtime';

// observability
export { RuntimeMetrics, type RuntimeMetricsOptions, type CacheEvent } from './observability/runtime-metrics';
export { silentLogger, hashForLog, type RuntimeLogger } from './observability/runtime-logger';
export { FastCounter, FastHistogram } from './observability/fast-metrics';
export { withSoftTimeout, TIMED_OUT } from './util/with-timeout';

// cache-aside and near-cache
export {
  RedisCacheAside,
  type CacheAside,
  type CacheAsideOptions,
  type ReadOptions,
  type Loader,
  type FillLock,
} from './cache/cache-aside';
export { NearCache, type NearCacheOptions } from './cache/near-cache';
export { NearCacheInvalidationBus, type InvalidationMessage } from './cache/near-cache-invalidation-bus';
export { SingleFlight } from './cache/single-flight';
export { leaseFillLock } from './cache/lease-fill-lock';
export { readMany } from './cache/batch-read';

// versioned documents (interactive drafts under optimistic concurrency)
export type {
  ReplaceOptions,
  Versioned,
  VersionedDocuments,
  VersionedDocumentsUnavailable,
  VersionedReadOutcome,
  VersionedWriteOutcome,
} from './versioned/versioned-documents';
export {
  RedisVersionedDocuments,
  type RedisVersionedDocumentsOptions,
} from './versioned/redis-versioned-documents';

// hot-key tracking (pre-warm input)
export { HotKeyTracker, type HotKeyTrackerOptions } from './hot-keys/hot-key-tracker';

// rate limiting
export type { RateLimiter, RateLimitDimension } from './rate-limit/rate-limiter';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './rate-limit/redis-rate-limiter';
export type {
  RateLimitPolicy,
  WindowRateLimitPolicy,
  TokenBucketRateLimitPolicy,
  RateLimitAlgorithm,
  RateLimitScope,
  RateLimitFailureMode,
} from './rate-limit/rate-limit-policy';
export { MAX_SLIDING_LOG_LIMIT } from './rate-limit/rate-limit-policy';
export {
  combineDecisions,
  type RateLimitDecision,
  type DimensionDecision,
  type RateLimitSource,
} from './rate-limit/rate-limit-decision';
export { rateLimitHeaders, type RateLimitHeaderValues } from './rate-limit/rate-limit-headers';
export { InsuranceBudget, type InsuranceBudgetOptions } from './rate-limit/insurance-budget';

// leases and fencing
export type {
  AcquireOptions,
  AcquireResult,
  Lease,
  LeaseManager,
  LeaseResource,
  LeaseWork,
  WithLeaseOptions,
} from './lease/lease-manager';
export { RedisLeaseManager, type RedisLeaseManagerOptions } from './lease/redis-lease-manager';
export { tryWithLease } from './lease/try-with-lease';

// dedup window and idempotency response cache
export type { DedupWindow } from './dedup/dedup-window';
export { RedisDedupWindow, type RedisDedupWindowOptions } from './dedup/redis-dedup-window';
export type {
  AbandonOutcome,
  BeginOutcome,
  CompleteOutcome,
  IdempotencyCacheUnavailable,
  IdempotencyRecord,
  IdempotencyResponseCache,
  IdempotentResponse,
  LookupOutcome,
} from './idempotency/idempotency-response-cache';
export {
  RedisIdempotencyResponseCache,
  type RedisIdempotencyResponseCacheOptions,
} from './idempotency/redis-idempotency-response-cache';
