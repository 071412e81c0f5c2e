import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

// The proxy in front of a loopback echo server: what a client sends comes back through it.
let echo: net.Server;
let proxy: TcpProxy;
let client: net.Socket;

async function setUp(): Promise<{ received: () => string }> {
  echo = net.createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  proxy = await startTcpProxy((echo.address() as net.AddressInfo).port);
  client = net.connect({ host: '127.0.0.1', port: proxy.port });
  await new Promise((resolve) => client.once('connect', resolve));
  let text = '';
  client.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { received: () => text };
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 5));
};

afterEach(async () => {
  client?.destroy();
  await proxy?.close();
  await new Promise((resolve) => echo?.close(resolve));
});

describe('startTcpProxy', () => {
  it('partition: nothing passes while on, everything arrives in order once off', async () => {
    const { received } = await setUp();
    proxy.partition(true);
    client.write('a');
    client.write('b');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received()).toBe('');
    proxy.partition(false);
    client.write('c');
    await until(() => received().length === 3);
    expect(received()).toBe('abc');
  });

  it('latency: a chunk sent after the delay is lifted never overtakes the delayed ones', async () => {
    const { received } = await setUp();
    proxy.latency(100);
    client.write('1');
    await new Promise((resolve) => setTimeout(resolve, 10));
    proxy.latency(0);
    client.write('2');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(received()).toBe('');
    await until(() => received().length === 2);
    expect(received()).toBe('12');
  });
});
