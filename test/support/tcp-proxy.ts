import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` for a Redis behind the proxy. */
  readonly url: string;
  /**
   * While on, bytes from clients are dropped and nothing comes back: the connections stay open but every command
   * is lost on the way (a network partition of this proxy's clients only). Off: traffic flows again.
   */
  blackhole(on: boolean): void;
  /**
   * While on, nothing passes either way and nothing is lost: what is sent waits, and arrives in order once off, as
   * TCP retransmits across a network partition that heals before the connection times out. (`blackhole` loses the
   * bytes instead, which TCP never does: a client's replies then no longer match its commands.)
   */
  partition(on: boolean): void;
  /**
   * Delays every chunk, both ways, by `ms` (0: none), order kept: a slow network, each command answered `2 x ms`
   * late. Chunks already on their way keep the delay they were given.
   */
  latency(ms: number): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `127.0.0.1:<targetPort>`, to cut one client off a server that others still reach. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let dropping = false;
  let delayMs = 0;
  let partitioned = false;
  // One FIFO for every chunk while delayed or partitioned: bytes never overtake each other, whatever the delay
  // was when each arrived.
  const queue: { to: net.Socket; chunk: Buffer; dueAt: number }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const pump = () => {
    timer = undefined;
    while (!partitioned && queue.length > 0 && queue[0]!.dueAt <= Date.now()) {
      const { to, chunk } = queue.shift()!;
      if (!to.destroyed) to.write(chunk);
    }
    if (!partitioned && queue.length > 0) timer = setTimeout(pump, queue[0]!.dueAt - Date.now());
  };
  const forward = (to: net.Socket, chunk: Buffer) => {
    if (dropping) return;
    if (delayMs === 0 && !partitioned && queue.length === 0) {
      to.write(chunk);
      return;
    }
    queue.push({ to, chunk, dueAt: Date.now() + delayMs });
    if (!timer && !partitioned) pump();
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => forward(upstream, chunk));
    upstream.on('data', (chunk: Buffer) => forward(client, chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    blackhole: (on) => void (dropping = on),
    latency: (ms) => void (delayMs = ms),
    partition: (on) => {
      partitioned = on;
      if (timer) clearTimeout(timer);
      pump();
    },
    close: async () => {
      if (timer) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
