import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashKeySegment } from '@cpq/redis-runtime';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startChild, type Child } from '../../../test/support/bench-processes';
import { infraEnv } from '../../../test/support/infra-env';
import { capture, newAppEnv, newTenant, orderBody, SECRET, startOrder, waitUntil } from './order-fixture';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * The process dies between the key claim and the commit (a test hook holds the capture there): PostgreSQL rolls
 * the claim back with the order, and a retry with the same key, on another instance, captures exactly one order,
 * even though the dead attempt left its in-flight marker in Redis.
 */
describe('order-service SIGKILLed in the middle of a capture', () => {
  let child: Child | undefined;
  afterAll(() => child?.stop(), 20_000);

  it('a retry of the killed capture completes exactly one order', async () => {
    const infra = infraEnv();
    const appEnv = newAppEnv();
    const port = await freePort();
    child = await startChild({
      name: `order-crash-${appEnv}`,
      args: ['-r', '@swc-node/register', 'apps/order-service/src/main.ts'],
      cwd: ROOT,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'),
        APP_ENV: appEnv,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        AUTH_JWT_SECRET: SECRET,
        ORDER_EVENTS: 'off',
        ORDER_TEST_HOLD_BEFORE_COMMIT_MS: '60000',
        DATABASE_URL: infra.databaseUrl,
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        REDIS_CACHE_URL: infra.redisCacheUrl,
        REDIS_RATE_URL: infra.redisRateUrl,
        REDIS_SESSION_URL: infra.redisSessionUrl,
      },
      port,
      logDir: join(ROOT, '.data', 'test-processes'),
    });
    const tenant = newTenant();
    const body = orderBody();
    const killed = capture(child.url, tenant, body, 'crash-key').catch((error: unknown) => error);
    const held = () => readFileSync(child!.logFile, 'utf8').includes('capture held before commit');
    await waitUntil(async () => held(), 20_000, 'the capture to reach the hook');
    child.process.kill('SIGKILL');
    expect(await killed).toBeInstanceOf(Error); // the connection died with the process

    const survivor = await startOrder({}, appEnv);
    const db = survivor.runtime.database.db as unknown as Kysely<any>;
    const orderCount = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`select count(*) as n from ordering.orders where tenant_id = ${tenant}`.execute(db)
        ).rows[0]!.n,
      );
    expect(await orderCount()).toBe(0); // rolled back with the process
    const marker = await survivor.runtime.redis
      .connection('session')
      .client.get(
        survivor.runtime.redis.keys.key('order-idempotency', tenant, hashKeySegment('crash-key')).key,
      );
    expect(JSON.parse(marker!)).toMatchObject({ status: 'IN_FLIGHT' }); // left behind by the dead attempt
    const retry = await capture(survivor.url, tenant, body, 'crash-key');
    expect(retry.status, retry.text).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const again = await capture(survivor.url, tenant, body, 'crash-key');
    expect(again.text).toBe(retry.text);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await orderCount()).toBe(1);
    const outbox = await sql<{ n: string }>`select count(*) as n from ordering.outbox
      where envelope->>'tenantId' = ${tenant}`.execute(db);
    expect(Number(outbox.rows[0]!.n)).toBe(1);
  }, 90_000);
});
