// Public API of @cpq/redis-runtime. Services import from here only.

// errors
export * from './errors';

// keys and key families
export type { KeyFamily, ServiceName, Workload, ValueFormat, Sensitivity, HashTag, TtlRange } from './keys/key-family';
export { defineKeyFamily } from './keys/key-family';
export { KeyFamilyRegistry, assertTtlSeconds } from './keys/key-family-registry';
export { KeyFactory, type RedisKey } from './keys/key-factory';
export { assertKeySegment, escapeKeySegment, hashKeySegment, type KeySegment } from './keys/key-segment';
export { PLATFORM_KEY_FAMILIES, platformKeyFamilyRegistry } from './keys/platform-key-families';

// codec
export { JsonCodec, type DecodeResult, type DecodeFailure, type JsonCodecOptions } from './codec/json-codec';

// clients
export {
  DEFAULT_TIMEOUTS,
  redisConfigFromEnv,
  redisWorkloadConfigSchema,
  type RedisRuntimeConfig,
  type RedisWorkloadConfig,
} from './clients/redis-config';
export { RedisConnection, type ScriptArg } from './clients/redis-connection';
export { createRedisClient, connectClient, closeClient, type RedisClient } from './clients/redis-client-factory';
export { RedisRuntime, type RedisRuntimeOptions } from './redis-runtime';

// observability
export { RuntimeMetrics, type RuntimeMetricsOptions, type CacheEvent } from './observability/runtime-metrics';
export { silentLogger, hashForLog, type RuntimeLogger } from './observability/runtime-logger';
export { withSoftTimeout, TIMED_OUT } from './util/with-timeout';

// cache-aside and near-cache

// rate limiting

// leases and fencing

// dedup window and idempotency response cache
