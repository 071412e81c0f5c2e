import { createService } from '@cpq/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { catalogModule } from './catalog.module';
import { openCatalogRuntime, SERVICE_NAME, type CatalogRuntime } from './catalog-runtime';
import type { CatalogConfig } from './config';
import { registerCatalogProblems } from './http/catalog-problems';
import { catalogFastRoutes } from './http/catalog-fast-routes';

export interface CatalogApp {
  app: NestFastifyApplication;
  runtime: CatalogRuntime;
}

/** Builds the whole service (runtime + HTTP app), not listening yet: what `main.ts` and the tests share. */
export function createCatalogApp(
  config: CatalogConfig,
  options: { env?: NodeJS.ProcessEnv; logStream?: NodeJS.WritableStream } = {},
): Promise<CatalogApp> {
  return createService({
    service: SERVICE_NAME,
    config,
    registerProblems: registerCatalogProblems,
    openRuntime: openCatalogRuntime,
    module: catalogModule,
    fastRoutes: (runtime) => catalogFastRoutes(runtime.reader),
    ...options,
  });
}
