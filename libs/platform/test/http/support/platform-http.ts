// The HTTP half of @cpq/platform, imported file by file so these tests do not depend on the database and
// events half of the barrel (developed in parallel).
export * from '../../../src/config/config-loader';
export * from '../../../src/config/base-service-config';
export * from '../../../src/http/create-service-app';
export * from '../../../src/http/body-limits';
export * from '../../../src/http/fast-route';
export * from '../../../src/http/problem';
export * from '../../../src/http/problem-mappings';
export * from '../../../src/http/zod-validation';
export * from '../../../src/http/api-operation.decorator';
export * from '../../../src/auth/auth.decorators';
export * from '../../../src/auth/principal';
export * from '../../../src/auth/jwt-verifier';
export * from '../../../src/observability/health-indicators';
