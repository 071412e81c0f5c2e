import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import type { Logger as PinoBaseLogger } from 'pino';
import type { RuntimeLogger } from '@cpq/redis-runtime';
import { logContextOf } from './request-log-context';

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

/** nestjs-pino options: one JSON line per request with request id, service, route pattern and duration. */
export function loggerParams(input: LoggerOptionsInput): Params {
  return {
    // nestjs-pino's default route pattern (`{/*splat}`) matches nothing under Nest 12's Fastify adapter.
    forRoutes: [{ path: '*', method: RequestMethod.ALL }],
    pinoHttp: [
      {
        level: input.level,
        base: { service: input.service },
        redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
        // The id Fastify assigned (from X-Request-Id or a new UUIDv7), copied onto the raw request.
        genReqId: (req: IncomingMessage) => logContextOf(req)?.requestId ?? 'unknown',
        customAttributeKeys: { responseTime: 'durationMs' },
        // pino-http calls this twice: when it creates the request's child logger (every line logged during the
        // request carries what is returned then) and again for the completion line, which already has the
        // first call's fields. Returning the request id first and the rest at completion keeps each key once.
        customProps: (req: IncomingMessage, res: ServerResponse) => {
          const context = logContextOf(req);
          if (!context) return {};
          const { requestId, ...rest } = context;
          return res.headersSent ? rest : { requestId };
        },
        serializers: {
          // Nothing from the request object itself: its URL carries tenant and resource ids and its headers
          // tokens. Method, route pattern and request id come from the log context (customProps).
          req: () => undefined,
          res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
        },
        customSuccessMessage: (_req: IncomingMessage, res: ServerResponse) =>
          `request completed ${res.statusCode}`,
        customErrorMessage: (_req: IncomingMessage, res: ServerResponse) =>
          `request failed ${res.statusCode}`,
        customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
          err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      },
      input.stream ?? process.stdout,
    ],
  } as Params;
}

/** The redis-runtime logging port on top of a pino logger. */
export function runtimeLoggerFrom(logger: Pick<PinoBaseLogger, 'warn' | 'debug'>): RuntimeLogger {
  return {
    warn: (fields, message) => logger.warn(fields, message),
    debug: (fields, message) => logger.debug(fields, message),
  };
}
