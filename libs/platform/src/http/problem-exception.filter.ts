import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyLimitOf } from './body-limits';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { problemMappings, type ProblemMappings } from './problem-mappings';

/** Nest's logger, so the line goes through the app's pino logger (and its `err` serializer) whatever route failed. */
const logger = new Logger('ProblemExceptionFilter');

/**
 * Answers an error as `application/problem+json`, mapped through the problem mappings. A server error is logged
 * once, with its stack (and the request id, from the request's log context), and answered without message or stack.
 * What controllers, guards, Fastify hooks (through the filter below) and fast routes all answer with.
 */
export function sendProblem(
  request: FastifyRequest | undefined,
  reply: FastifyReply,
  error: unknown,
  mappings: ProblemMappings = problemMappings,
): void {
  const problem = mappings.toProblemError(error, { bodyLimitBytes: bodyLimitOf(request) });
  if (problem.status >= 500) logger.error({ err: error, problemType: problem.type }, 'request failed');
  if (reply.sent || reply.raw.headersSent) return;
  void reply
    .status(problem.status)
    .headers(problem.headers)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem.toProblem()));
}

/** The one place any error of Nest's pipeline (controller, guard, pipe, Fastify hook) becomes a response. */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  constructor(private readonly mappings: ProblemMappings = problemMappings) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendProblem(
      http.getRequest<FastifyRequest | undefined>(),
      http.getResponse<FastifyReply>(),
      exception,
      this.mappings,
    );
  }
}
