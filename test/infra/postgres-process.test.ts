import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processIsAlive, startPostgresProcess, type PostgresProcess } from '../support/postgres-process';

/** One query on a new connection, bounded: resolves to the error when the server does not answer in time. */
async function query(url: string, text: string, timeoutMs = 2_000): Promise<unknown> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query(text)).rows;
  } catch (error) {
    return error;
  } finally {
    void client.end().catch(() => undefined);
  }
}

describe('startPostgresProcess (test helper for PostgreSQL fault tests)', () => {
  let server: PostgresProcess;

  beforeAll(async () => {
    server = await startPostgresProcess();
  }, 120_000);
  afterAll(() => server?.destroy(), 60_000);

  it('runs a private, migrated cluster on its own port, never the shared 5432', async () => {
    expect(server.port).not.toBe(5432);
    expect(server.url).toBe(`postgres://postgres@127.0.0.1:${server.port}/cpq`);
    const schemas = (await query(server.url, `select nspname from pg_namespace order by 1`)) as {
      nspname: string;
    }[];
    expect(schemas.map((s) => s.nspname)).toEqual(
      expect.arrayContaining(['catalog', 'config', 'ordering', 'pricing', 'runtime']),
    );
  });

  it('stop() refuses connections, start() brings the same data back', async () => {
    await query(
      server.url,
      `create table if not exists public.kept (v int); insert into public.kept values (1)`,
    );
    const pid = server.pid!;
    await server.stop();
    expect(server.running).toBe(false);
    expect(processIsAlive(pid)).toBe(false);
    expect(await query(server.url, 'select 1')).toMatchObject({ code: 'ECONNREFUSED' });

    await server.start();
    expect(server.pid).not.toBe(pid);
    expect(await query(server.url, 'select count(*)::int as n from public.kept')).toEqual([{ n: 1 }]);
  }, 60_000);

  it('pause() leaves connections open and unanswered, resume() answers them', async () => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    server.pause();
    expect(server.paused).toBe(true);
    const pending = client.query('select 42 as answer');
    const settled = await Promise.race([
      pending.then(() => 'answered'),
      new Promise((resolve) => setTimeout(() => resolve('waiting'), 1_000)),
    ]);
    expect(settled).toBe('waiting');
    // a new connection is accepted by the kernel, never by the stopped server
    expect(await query(server.url, 'select 1', 500)).toBeInstanceOf(Error);

    server.resume();
    expect((await pending).rows).toEqual([{ answer: 42 }]);
    await client.end();
  }, 30_000);

  it('kill() takes the postmaster and every backend down; start() recovers the cluster', async () => {
    const client = new pg.Client({ connectionString: server.url });
    client.on('error', () => undefined);
    await client.connect();
    const backend = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    server.pause(); // SIGKILL works on a stopped server too
    await server.kill();
    expect(server.running).toBe(false);
    expect(processIsAlive(backend)).toBe(false);
    await client.end().catch(() => undefined);

    await server.start();
    expect(await query(server.url, 'select 1 as up')).toEqual([{ up: 1 }]);
  }, 60_000);
});
