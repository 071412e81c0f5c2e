import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemError, ProblemType } from './problem';
import { sendProblem } from './problem-exception.filter';

/**
 * Fastify's `frameworkErrors`: what the router refuses before any route, hook or error handler runs (a malformed
 * percent-encoding, a path parameter over its 100 characters) is answered as a problem. Fastify's own handling
 * (and Nest's, which forwards to an error handler captured before Nest installs its own) answers JSON that is not
 * problem+json.
 */
export function problemFrameworkErrors(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  sendProblem(request, reply, error);
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses before any route or hook runs (a header block over
 * its 16 KiB limit, bytes that are not HTTP, a request that never finished) is answered as a problem like every
 * other error, instead of Fastify's own `application/json` body. The connection is closed after the answer, as the
 * parser cannot tell where the next request would start.
 */
export function problemClientErrorHandler(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers exceed 16 KiB.']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request did not arrive in time.']
        : [400, 'The request is not valid HTTP/1.1.'];
  const problem = new ProblemError({
    type: ProblemType.malformedRequest,
    title: STATUS_CODES[status] ?? 'Bad Request',
    status,
    detail,
  });
  const body = JSON.stringify(problem.toProblem());
  if (!socket.writable) {
    socket.destroy(error);
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
