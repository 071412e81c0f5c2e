import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import type { z } from 'zod';
import type { BaseServiceConfig } from '../config/base-service-config';
import { loadConfig } from '../config/config-loader';

export interface RunServiceOptions {
  /** Past this, shutdown gives up on draining and exits with status 1. @default 25_000 */
  shutdownTimeoutMs?: number;
}

/**
 * Listens on HOST:PORT and closes gracefully on SIGINT/SIGTERM. `app.close()` stops accepting, waits for
 * in-flight requests, then runs `onApplicationShutdown` hooks, where apps stop consumers, the relay and
 * their Redis and PostgreSQL pools (in that order, by module dependency).
 */
export async function runService(
  app: NestFastifyApplication,
  config: Pick<BaseServiceConfig, 'HOST' | 'PORT'>,
  options: RunServiceOptions = {},
): Promise<void> {
  const logger = new Logger('Service');
  await app.listen({ host: config.HOST, port: config.PORT });
  logger.log(`listening on http://${config.HOST}:${config.PORT}`);

  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal} received: draining`);
    const timer = setTimeout(() => {
      logger.error('shutdown timed out');
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 25_000);
    timer.unref();
    app.close().then(
      () => {
        logger.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

/**
 * A service's `main`: its configuration loaded from the environment (a wrong value exits with one line), the app
 * built by `create` and run by `runService`; a failure to start is printed and exits with status 1.
 */
export function runServiceMain<S extends z.ZodType<BaseServiceConfig>>(
  service: string,
  schema: S,
  create: (config: z.infer<S>) => Promise<{ app: NestFastifyApplication }>,
): void {
  const start = async () => {
    const config = loadConfig(schema);
    const { app } = await create(config);
    await runService(app, config);
  };
  start().catch((error: unknown) => {
    console.error(`${service} failed to start:`, error);
    process.exit(1);
  });
}
