import type { FastifyInstance } from 'fastify';
import type { Params } from 'nestjs-pino';
import type { LoggerOptions, Logger as PinoBaseLogger } from 'pino';
import type { RuntimeLogger } from '@cpq/redis-runtime';
import { errorSerializer } from './error-serializer';
import { logContextOf, requestContext } from './request-log-context';
import type { RequestLineWriter } from './request-line';

export interface LoggerOptionsInput {
  service: string;
  level: string;
  /** A pino destination stream, e.g. for tests that read the log lines. @default stdout */
  stream?: NodeJS.WritableStream;
}

/**
 * Headers that never reach a log line. The request serializer below already drops headers; the redaction
 * list is the second lock for anything that logs a request object another way.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["idempotency-key"]',
];

/**
 * The pino options every logger of a service shares: level, service, redaction, errors without PostgreSQL's row
 * values (`errorSerializer`), the request id of the moment.
 */
export function pinoOptions(input: LoggerOptionsInput): LoggerOptions {
  return {
    level: input.level,
    base: { service: input.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: { err: errorSerializer },
    // Every line written while a request is handled carries its id (set by the request context hook).
    mixin: () => {
      const context = requestContext.getStore();
      return context ? { requestId: context.requestId } : {};
    },
  };
}

/**
 * nestjs-pino options: pino as Nest's application logger, without its per-request HTTP middleware. That
 * middleware built a child logger for every request and logged through pino-http's response hook, together
 * about a quarter of a cached read; the request line now comes from one Fastify hook (`registerRequestLog`).
 */
export function loggerParams(input: LoggerOptionsInput): Params {
  return {
    forRoutes: [],
    pinoHttp: [{ ...pinoOptions(input), autoLogging: false }, input.stream ?? process.stdout],
  } as Params;
}

/** One JSON line per request: id, service, method, route pattern, status, duration, hashed tenant and user. */
export function registerRequestLog(instance: FastifyInstance, writer: RequestLineWriter): void {
  instance.addHook('onResponse', (request, reply, done) => {
    writer.write(logContextOf(request.raw), reply.statusCode, Math.round(reply.elapsedTime));
    done();
  });
}

/** The redis-runtime logging port on top of a pino logger. */
export function runtimeLoggerFrom(logger: Pick<PinoBaseLogger, 'warn' | 'debug'>): RuntimeLogger {
  return {
    warn: (fields, message) => logger.warn(fields, message),
    debug: (fields, message) => logger.debug(fields, message),
  };
}
