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
import type { PricingConfig } from './config';
import { pricingFastRoutes } from './http/pricing-fast-routes';
import { registerPricingProblems } from './http/pricing-problems';
import { pricingModule } from './pricing.module';
import { openPricingRuntime, SERVICE_NAME, type PricingRuntime } from './pricing-runtime';

export interface PricingApp {
  app: NestFastifyApplication;
  runtime: PricingRuntime;
}

/** Builds the whole service (runtime + HTTP app), not listening yet: what `main.ts` and the tests share. */
export async function createPricingApp(
  config: PricingConfig,
  options: { env?: NodeJS.ProcessEnv; logStream?: NodeJS.WritableStream } = {},
): Promise<PricingApp> {
  registerPricingProblems();
  const registry = new Registry();
  const logger = pino(
    { level: config.LOG_LEVEL, base: { service: SERVICE_NAME } },
    options.logStream ?? process.stdout,
  );
  const runtime = await openPricingRuntime(config, registry, logger, options.env);
  const kafka = kafkaHealthIndicator({ brokers: config.KAFKA_BROKERS, clientId: `${SERVICE_NAME}-health` });
  runtime.onClose(() => kafka.close());
  const healthIndicators: HealthIndicator[] = [
    { name: 'postgres', critical: true, check: () => databaseHealth(runtime.database.db) },
    ...redisHealthIndicators(runtime.redis),
    kafka,
  ];
  const app = await createServiceApp({
    service: SERVICE_NAME,
    module: pricingModule(runtime),
    config,
    metricsRegistry: registry,
    healthIndicators,
    fastRoutes: pricingFastRoutes(runtime.calculator, runtime.rateLimits),
    ...(options.logStream ? { logger: { stream: options.logStream } } : {}),
  });
  await runtime.startEvents();
  return { app, runtime };
}
