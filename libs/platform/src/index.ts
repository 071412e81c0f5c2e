// Public API of @cpq/platform. Services import from here only.

// config
export { loadConfig, parseConfig, ConfigError } from './config/config-loader';
export { baseServiceConfigSchema, type BaseServiceConfig } from './config/base-service-config';

// http: bootstrap, auth, validation, OpenAPI, problem+json, logging
export { createServiceApp, type CreateServiceAppOptions } from './http/create-service-app';
export {
  BODY_LIMIT_BYTES,
  PUBLISH_BODY_LIMIT_BYTES,
  bodyTooLargeDetail,
  type BodyLimitRouteConfig,
} from './http/body-limits';
export { runService, runServiceMain, type RunServiceOptions } from './http/run-service';
export { PlatformModule, PLATFORM_CONFIG, type PlatformModuleOptions } from './http/platform.module';
export { REQUEST_ID_HEADER } from './http/request-id';
export {
  ProblemError,
  ProblemType,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPE_BASE,
  type Problem,
  type ProblemInit,
  type ProblemFieldError,
} from './http/problem';
export {
  registerProblemMapping,
  problemMappings,
  ProblemMappings,
  databaseUnavailableProblem,
  DATABASE_RETRY_AFTER_SECONDS,
  transactionConflictProblem,
  TRANSACTION_CONFLICT_RETRY_AFTER_SECONDS,
  type ProblemMapper,
  type ProblemRequestContext,
} from './http/problem-mappings';
export { ProblemExceptionFilter } from './http/problem-exception.filter';
export { violationsProblem, notFoundProblem } from './http/domain-problems';
export { ZodBody, ZodParams, ZodQuery, ZodValidationPipe, strictSchema } from './http/zod-validation';
export { ApiOperation, type ApiOperationSpec, type ApiResponseSpec } from './http/api-operation.decorator';
export { problemResponses } from './http/problem-responses';
export { fastRoute, type FastRoute } from './http/fast-route';
export { etagOf, ifMatchVersion, staleVersion } from './http/preconditions';
export { requiredIdempotencyKey } from './http/idempotency-key';
export { authorize, type AuthorizationInput } from './auth/authorize';
export { PublicRoute, RequireRoles, CurrentPrincipal } from './auth/auth.decorators';
export { TENANT_ID_PATTERN, type Principal } from './auth/principal';
export {
  JWT_VERIFIER,
  Hs256TokenVerifier,
  InvalidTokenError,
  signDevToken,
  type TokenVerifier,
  type DevTokenInput,
} from './auth/jwt-verifier';
export { runtimeLoggerFrom } from './observability/logger-options';
export { LOG_CONTEXT, logContextOf, type RequestLogContext } from './observability/request-log-context';

// health and metrics
export { METRICS_REGISTRY } from './observability/http-metrics';
export { registerProcessMetrics } from './observability/process-metrics';
export {
  HEALTH_INDICATORS,
  HealthIndicatorRegistry,
  redisHealthIndicators,
  type HealthIndicator,
  type HealthStatus,
  type ReadinessReport,
} from './observability/health-indicators';

// database
export * from './database';

// events: outbox, relay, inbox, consumer
export * from './events';
export * from './idempotency';
export * from './jobs';
export * from './service';

// publishing: versioned publish transaction
export * from './publishing';
