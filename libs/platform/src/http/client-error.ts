import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, ProblemError, ProblemType } from './problem';

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
