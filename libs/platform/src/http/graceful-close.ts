import type { FastifyInstance } from 'fastify';

/**
 * While the server closes, every response (in-flight ones included) says `Connection: close`. Without it
 * a keep-alive connection that was busy when closing began goes idle afterwards and holds `close()` open
 * until its keep-alive timeout.
 */
export function registerGracefulClose(instance: FastifyInstance): void {
  let closing = false;
  instance.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  instance.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
}
