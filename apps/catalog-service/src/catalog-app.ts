import {
  createServiceApp,
  databaseHealth,
  kafkaHealthIndicator,
  redisHealthIndicators,
  type HealthIndicator,
} from '@cpq/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
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
export async function createCatalogApp(
  config: CatalogConfig,
  options: { env?: NodeJS.ProcessEnv; logStream?: NodeJS.WritableStream } = {},
): Promise<CatalogApp> {
  registerCatalogProblems();
  const registry = new Registry();
  const logger = pino(
    { level: config.LOG_LEVEL, base: { service: SERVICE_NAME } },
    options.logStream ?? process.stdout,
  );
  const runtime = await openCatalogRuntime(config, registry, logger, options.env);
  const kafka = kafkaHealthIndicator({ brokers: config.KAFKA_BROKERS, clientId: `${SERVICE_NAME}-health` });
  runtime.onClose(() => kafka.close());
  const healthIndicators: HealthIndicator[] = [
    { name: 'postgres', critical: true, check: () => databaseHealth(runtime.database.db) },
    ...redisHealthIndicators(runtime.redis),
    kafka,
  ];
  const app = await createServiceApp({
    service: SERVICE_NAME,
    module: catalogModule(runtime),
    config,
    metricsRegistry: registry,
    healthIndicators,
    fastRoutes: catalogFastRoutes(runtime.reader),
    ...(options.logStream ? { logger: { stream: options.logStream } } : {}),
  });
  await runtime.startEvents();
  return { app, runtime };
}
