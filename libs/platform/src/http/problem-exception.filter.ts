import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyLimitOf } from './body-limits';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { problemMappings, type ProblemMappings } from './problem-mappings';

/**
 * The one place any error becomes a response: `application/problem+json`, mapped through the problem
 * mappings. Server errors are logged with their stack and answered without message or stack.
 */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemExceptionFilter');

  constructor(private readonly mappings: ProblemMappings = problemMappings) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest | undefined>();
    const problem = this.mappings.toProblemError(exception, { bodyLimitBytes: bodyLimitOf(request) });
    if (problem.status >= 500) {
      this.logger.error({ err: exception, problemType: problem.type }, 'request failed');
    }
    if (reply.sent || reply.raw.headersSent) return;
    void reply
      .status(problem.status)
      .headers(problem.headers)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem.toProblem()));
  }
}
