import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RedisRuntime, RuntimeLogger } from '@cpq/redis-runtime';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { BaseServiceConfig } from '../config/base-service-config';
import { databaseHealth } from '../database/database-health';
import type { Kysely } from 'kysely';
import type { EventsLogger } from '../events/events-logger';
import { kafkaHealthIndicator } from '../events/kafka-health';
import { createServiceApp } from '../http/create-service-app';
import type { FastRoute } from '../http/fast-route';
import { redisHealthIndicators, type HealthIndicator } from '../observability/health-indicators';
import { pinoOptions } from '../observability/logger-options';
import { registerProcessMetrics } from '../observability/process-metrics';

/** What `createService` needs of a service's runtime (its composition root, usually on a `ServiceFoundation`). */
export interface ServiceRuntime {
  readonly redis: RedisRuntime;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly database: { readonly db: Kysely<any> };
  startEvents(): Promise<void>;
  onClose(close: () => Promise<void>): void;
  close(): Promise<void>;
}

export interface CreateServiceInput<C extends BaseServiceConfig, R extends ServiceRuntime> {
  service: string;
  config: C;
  /** The service's problem mappings (domain errors to problem types), registered before anything runs. */
  registerProblems?: () => void;
  openRuntime(
    config: C,
    registry: Registry,
    logger: EventsLogger & RuntimeLogger,
    env: NodeJS.ProcessEnv | undefined,
  ): Promise<R>;
  /** The Nest module over the runtime; it closes the runtime on application shutdown. */
  module(runtime: R): Type<unknown>;
  fastRoutes?(runtime: R): FastRoute[];
  /** Where the runtime reads the Redis workload URLs. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Where log lines go instead of stdout (tests). */
  logStream?: NodeJS.WritableStream;
}

/**
 * Builds a whole service, not listening yet: its runtime, readiness over PostgreSQL (critical), each Redis
 * workload and Kafka, the HTTP app with the service's module and fast routes; then starts its events. What each
 * service's `main.ts` and its tests share.
 */
export async function createService<C extends BaseServiceConfig, R extends ServiceRuntime>(
  input: CreateServiceInput<C, R>,
): Promise<{ app: NestFastifyApplication; runtime: R }> {
  const { service, config } = input;
  input.registerProblems?.();
  const registry = new Registry();
  registerProcessMetrics(registry);
  const logger = pino(pinoOptions({ service, level: config.LOG_LEVEL }), input.logStream ?? process.stdout);
  const runtime = await input.openRuntime(config, registry, logger, input.env);
  const kafka = kafkaHealthIndicator({ brokers: config.KAFKA_BROKERS, clientId: `${service}-health` });
  runtime.onClose(() => kafka.close());
  const healthIndicators: HealthIndicator[] = [
    { name: 'postgres', critical: true, check: () => databaseHealth(runtime.database.db) },
    ...redisHealthIndicators(runtime.redis),
    kafka,
  ];
  const app = await createServiceApp({
    service,
    module: input.module(runtime),
    config,
    metricsRegistry: registry,
    healthIndicators,
    fastRoutes: input.fastRoutes?.(runtime) ?? [],
    ...(input.logStream ? { logger: { stream: input.logStream } } : {}),
  });
  await runtime.startEvents();
  return { app, runtime };
}
