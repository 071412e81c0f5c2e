import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from '@nestjs/common';
import type { BaseServiceConfig } from '../config/base-service-config';

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
