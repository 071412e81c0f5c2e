import { inject } from 'vitest';
import { type InfraEnv, infraEnvVarsFrom, INFRA_ENV_VARS, toInfraEnv } from './infra-config';

export type { InfraEnv } from './infra-config';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraEnv;
  }
}

/**
 * Where the integration tests find PostgreSQL, Redis and Kafka: what the global setup resolved
 * (`inject('infra')`), else the environment variables it also sets.
 */
export function infraEnv(): InfraEnv {
  const provided = inject('infra');
  if (provided) return provided;
  const vars = infraEnvVarsFrom(process.env);
  if (!vars) {
    throw new Error(
      `infrastructure not resolved: run the 'integration' vitest project (its global setup provides it) or set ${INFRA_ENV_VARS.join(', ')}`,
    );
  }
  return toInfraEnv(vars);
}
