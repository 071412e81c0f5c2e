import { Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { Registry } from 'prom-client';
import type { BaseServiceConfig } from '../config/base-service-config';
import type { HealthIndicator } from '../observability/health-indicators';
import { registerHttpMetrics } from '../observability/http-metrics';
import { registerRequestLog } from '../observability/logger-options';
import { RequestLineWriter } from '../observability/request-line';
import pino from 'pino';
import { BatchedLines } from '../observability/batched-lines';
import { BODY_LIMIT_BYTES, registerRouteBodyLimits } from './body-limits';
import { registerGracefulClose } from './graceful-close';
import { Hs256TokenVerifier } from '../auth/jwt-verifier';
import { problemClientErrorHandler, problemFrameworkErrors } from './pre-route-errors';
import { registerFastRoutes, type FastRoute } from './fast-route';
import { PlatformModule } from './platform.module';
import { ProblemExceptionFilter } from './problem-exception.filter';
import { registerRequestContext, requestIdFor } from './request-id';

export { BODY_LIMIT_BYTES, PUBLISH_BODY_LIMIT_BYTES } from './body-limits';

export interface CreateServiceAppOptions {
  /** The service name on every log line and in the OpenAPI title, e.g. `catalog-service`. */
  service: string;
  /** The app's root module; `PlatformModule` is imported next to it. */
  module: Type<unknown>;
  config: BaseServiceConfig;
  /** @default a new Registry */
  metricsRegistry?: Registry;
  healthIndicators?: HealthIndicator[];
  /** Hot read routes served by Fastify directly (see `FastRoute`). */
  fastRoutes?: readonly FastRoute[];
  logger?: {
    /** Where log lines go, e.g. a stream a test reads. @default stdout */
    stream?: NodeJS.WritableStream;
  };
}

/**
 * Nest on Fastify with everything the contract's common HTTP rules ask for: request ids, problem+json
 * errors, the 256 KiB body limit (a route raises its own with `@RouteConfig({ bodyLimit })`, a fast route with
 * `bodyLimit`; a 413 names the route's limit), auth, structured logs, `/health/*`, `/metrics` and `/docs`.
 * The app is initialized but not listening: `runService` (or a test's `listen(0)`) does that.
 */
export async function createServiceApp(options: CreateServiceAppOptions): Promise<NestFastifyApplication> {
  const registry = options.metricsRegistry ?? new Registry();
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    logger: false,
    // In-flight requests finish on close; idle keep-alive connections are dropped.
    forceCloseConnections: 'idle',
    // What Node's HTTP parser (headers over 16 KiB, not HTTP at all) and the router (a malformed percent-encoding,
    // a parameter over 100 characters) refuse before any route runs is a problem too.
    clientErrorHandler: problemClientErrorHandler,
    frameworkErrors: problemFrameworkErrors,
  });
  // Before Nest registers its own middleware, so every later hook and log line sees the request id.
  registerRequestContext(adapter.getInstance());
  registerRouteBodyLimits(adapter.getInstance());
  registerHttpMetrics(adapter.getInstance(), registry);
  // stdout through an asynchronous destination, in one write every 10 ms: a write per log line (one per request)
  // was the largest single cost of a cached read. Flushed when the server closes and on exit, so shutdown loses no
  // line; a SIGKILL loses at most the last 10 ms.
  const stdout = options.logger?.stream
    ? undefined
    : new BatchedLines(pino.destination({ dest: 1, sync: false }), 10);
  const destination = options.logger?.stream ?? (stdout as unknown as NodeJS.WritableStream);
  registerRequestLog(
    adapter.getInstance(),
    new RequestLineWriter(options.service, options.config.LOG_LEVEL, destination),
  );
  if (stdout) {
    const flushOnExit = () => stdout.flushSync();
    process.once('exit', flushOnExit);
    adapter.getInstance().addHook('onClose', (_instance, done) => {
      process.removeListener('exit', flushOnExit);
      stdout.end();
      done();
    });
  }
  registerGracefulClose(adapter.getInstance());

  const verifier = new Hs256TokenVerifier(options.config.AUTH_JWT_SECRET);
  registerFastRoutes(adapter.getInstance(), options.fastRoutes ?? [], verifier);

  @Module({
    imports: [
      PlatformModule.forRoot({
        service: options.service,
        config: options.config,
        registry,
        healthIndicators: options.healthIndicators,
        logStream: destination as NodeJS.WritableStream,
        verifier,
        fastRoutes: options.fastRoutes ?? [],
      }),
      options.module,
    ],
  })
  class ServiceRootModule {}

  const app = await NestFactory.create<NestFastifyApplication>(ServiceRootModule, adapter, {
    bufferLogs: true,
    // Fastify's own JSON parser (built once, the same prototype-poisoning checks and body limit); Nest's wrapper
    // builds a new parser function for every request body.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemExceptionFilter());
  await app.init();
  return app;
}
