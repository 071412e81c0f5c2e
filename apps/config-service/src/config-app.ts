import { createService } from '@cpq/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConfigServiceConfig } from './config';
import { configModule } from './config.module';
import { openConfigRuntime, SERVICE_NAME, type ConfigRuntime } from './config-runtime';
import { configFastRoutes } from './http/config-fast-routes';
import { registerConfigProblems } from './http/config-problems';

export interface ConfigApp {
  app: NestFastifyApplication;
  runtime: ConfigRuntime;
}

/** Builds the whole service (runtime + HTTP app), not listening yet: what `main.ts` and the tests share. */
export function createConfigApp(
  config: ConfigServiceConfig,
  options: { env?: NodeJS.ProcessEnv; logStream?: NodeJS.WritableStream } = {},
): Promise<ConfigApp> {
  return createService({
    service: SERVICE_NAME,
    config,
    registerProblems: registerConfigProblems,
    openRuntime: openConfigRuntime,
    module: configModule,
    fastRoutes: (runtime) => configFastRoutes(runtime.sessions, runtime.rateLimit),
    ...options,
  });
}
