// Latency at a fixed offered load: an open-loop loader. autocannon's `overallRate` sends each connection's quota
// for the second as fast as it can and then idles, so its "fixed load" is saturation in bursts; its histogram also
// has 1 ms resolution. This loader releases `ratePerSec` requests in 1 ms ticks over keep-alive connections (one
// request in flight each), and times every response with sub-millisecond precision.
//
// A request's latency starts when it is released; if no connection is free then, it waits in the loader's queue and
// that wait counts (a server that falls behind is not hidden by the loader slowing down: no coordinated omission).
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { percentile } from './bench-report';

export interface PacedLoadResult {
  offeredReqPerSec: number;
  /** Responses received within the window, per second of the window. */
  achievedReqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  completed: number;
  /** Connection errors, and responses still missing after the drain. */
  errors: number;
  non2xx: number;
  /** Requests that found no free connection when released (they queued, and their wait is in the latency). */
  queued: number;
  /** CPU time of this process per completed request, µs. */
  clientCpuUs: number;
}

interface Connection {
  socket: Socket;
  buffer: Buffer | undefined;
  startedAt: number;
}

const DRAIN_MS = 5_000;

/** One GET, or a POST of `body` as JSON when given, at `ratePerSec` for `durationS` over `connections`. */
export async function pacedLoad(options: {
  url: string;
  headers?: Record<string, string>;
  body?: string;
  ratePerSec: number;
  durationS: number;
  connections: number;
}): Promise<PacedLoadResult> {
  const url = new URL(options.url);
  const request = requestBytes(url, options.headers ?? {}, options.body);
  const sockets = await Promise.all(
    Array.from({ length: options.connections }, () => open(url.hostname, Number(url.port))),
  );
  const cpuBefore = process.cpuUsage();
  const latencies: number[] = [];
  const pending: number[] = []; // release times of queued requests
  let pendingHead = 0;
  const idle: Connection[] = [];
  let released = 0;
  let completed = 0;
  let completedInWindow = 0;
  let errors = 0;
  let non2xx = 0;
  let queued = 0;
  let inFlight = 0;
  const t0 = performance.now();
  const windowEnd = t0 + options.durationS * 1000;
  const total = Math.round(options.ratePerSec * options.durationS);
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));

  const send = (connection: Connection, releasedAt: number) => {
    connection.startedAt = releasedAt;
    inFlight++;
    connection.socket.write(request);
  };
  const next = (connection: Connection) => {
    if (pendingHead < pending.length) send(connection, pending[pendingHead++]!);
    else idle.push(connection);
    if (released === total && inFlight === 0 && pendingHead === pending.length) settle();
  };
  const connections: Connection[] = sockets.map((socket) => {
    const connection: Connection = { socket, buffer: undefined, startedAt: 0 };
    socket.on('data', (chunk: Buffer) => {
      const response = readResponse(connection, chunk);
      if (response === undefined) return;
      const now = performance.now();
      inFlight--;
      completed++;
      if (now <= windowEnd) completedInWindow++;
      latencies.push(now - connection.startedAt);
      if (response < 200 || response >= 300) non2xx++;
      next(connection);
    });
    socket.on('error', () => {
      errors++;
    });
    return connection;
  });
  idle.push(...connections);

  const tick = () => {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - t0) / 1000) * options.ratePerSec));
    for (; released < due; released++) {
      const connection = idle.pop();
      if (connection) send(connection, now);
      else {
        queued++;
        pending.push(now);
      }
    }
    if (released < total) setTimeout(tick, 1);
    else if (inFlight === 0 && pendingHead === pending.length) settle();
  };
  setTimeout(tick, 1);
  await Promise.race([
    settled,
    new Promise((resolve) => setTimeout(resolve, options.durationS * 1000 + DRAIN_MS)),
  ]);
  const cpu = process.cpuUsage(cpuBefore);
  errors += total - completed;
  for (const socket of sockets) socket.destroy();
  return {
    offeredReqPerSec: options.ratePerSec,
    achievedReqPerSec: completedInWindow / options.durationS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    completed,
    errors,
    non2xx,
    queued,
    clientCpuUs: (cpu.user + cpu.system) / Math.max(1, completed),
  };
}

function requestBytes(url: URL, headers: Record<string, string>, body: string | undefined): Buffer {
  const lines = [
    `${body === undefined ? 'GET' : 'POST'} ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    'connection: keep-alive',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  if (body !== undefined) {
    lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body ?? ''}`);
}

function open(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/**
 * Appends `chunk` to the connection's partial response; returns the status code once a whole response is in.
 * Responses must carry `content-length` (Fastify's do for the routes measured); one request is in flight per
 * connection, so a response never shares a chunk with the next one.
 */
function readResponse(connection: Connection, chunk: Buffer): number | undefined {
  const buffer = connection.buffer ? Buffer.concat([connection.buffer, chunk]) : chunk;
  const headerEnd = buffer.indexOf('\r\n\r\n');
  if (headerEnd < 0) {
    connection.buffer = buffer;
    return undefined;
  }
  const head = buffer.toString('latin1', 0, headerEnd);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!length) throw new Error(`paced load: a response without content-length:\n${head}`);
  if (buffer.length < headerEnd + 4 + Number(length[1])) {
    connection.buffer = buffer;
    return undefined;
  }
  connection.buffer = undefined;
  return Number(head.slice(9, 12));
}
