import type { FastifyInstance } from 'fastify';
import type { Params } from 'nestjs-pino';
import type { Logger, LoggerOptions, Logger as PinoBaseLogger } from 'pino';
import type { RuntimeLogger } from '@cpq/redis-runtime';
import { logContextOf, requestContext } from './request-log-context';

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

/** The pino options every logger of a service shares: level, service, redaction, the request id of the moment. */
export function pinoOptions(input: LoggerOptionsInput): LoggerOptions {
  return {
    level: input.level,
    base: { service: input.service },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
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

/**
 * Options of the logger that writes only the request lines: the line is built from the request's log context (ids
 * already hashed, the request id included, no headers), so it needs neither the redaction pass nor the request-id
 * mixin, which every other logger keeps.
 */
export function requestLineOptions(input: LoggerOptionsInput): LoggerOptions {
  return { level: input.level, base: { service: input.service } };
}

/** One JSON line per request: id, service, method, route pattern, status, duration, hashed tenant and user. */
export function registerRequestLog(instance: FastifyInstance, logger: Logger): void {
  instance.addHook('onResponse', (request, reply, done) => {
    const context = logContextOf(request.raw);
    const status = reply.statusCode;
    const line = {
      ...context,
      res: { statusCode: status },
      durationMs: Math.round(reply.elapsedTime),
    };
    if (status >= 500) logger.error(line, `request failed ${status}`);
    else if (status >= 400) logger.warn(line, `request completed ${status}`);
    else logger.info(line, `request completed ${status}`);
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
