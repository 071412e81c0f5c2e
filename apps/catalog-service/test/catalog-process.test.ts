import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signDevToken } from '@cpq/platform';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startChild, type Child } from '../../../test/support/bench-processes';
import { infraEnv } from '../../../test/support/infra-env';
import { uniqueId } from '../../../test/support/unique';

const ROOT = join(__dirname, '..', '..', '..');
const SECRET = 'catalog-process-secret-catalog-process-secret';

/** The JSON lines of a service's stdout+stderr (Node's own warnings are plain text). */
const jsonLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('catalog-service as a process (src/main.ts, logs to stdout)', () => {
  let child: Child | undefined;
  afterAll(() => child?.stop(), 20_000);

  it('logs every request line, and on SIGTERM drains, logs "stopped" last and exits 0', async () => {
    const infra = infraEnv();
    const port = await freePort();
    const appEnv = uniqueId('proc').replace(/-/g, '').slice(0, 30);
    child = await startChild({
      name: `catalog-${appEnv}`,
      args: ['-r', '@swc-node/register', 'apps/catalog-service/src/main.ts'],
      cwd: ROOT,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'),
        APP_ENV: appEnv,
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'info',
        AUTH_JWT_SECRET: SECRET,
        CATALOG_EVENTS: 'off',
        DATABASE_URL: infra.databaseUrl,
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        REDIS_CACHE_URL: infra.redisCacheUrl,
        REDIS_RATE_URL: infra.redisRateUrl,
        REDIS_SESSION_URL: infra.redisSessionUrl,
      },
      port,
      logDir: join(ROOT, '.data', 'test-processes'),
    });
    const tenant = uniqueId('t').slice(0, 40);
    const token = await signDevToken({ secret: SECRET, tenantId: tenant, sub: 'u1', roles: [] });
    const requests = 25;
    const statuses = await Promise.all(
      Array.from({ length: requests }, async () => {
        const response = await fetch(`${child!.url}/v1/tenants/${tenant}/catalog/offers/offer-1`, {
          headers: { authorization: `Bearer ${token}` },
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(new Set(statuses)).toEqual(new Set([404])); // nothing published for this tenant
    await child.stop();
    expect(child.exitReason()).toBe('code 0');

    const lines = jsonLines(child.logFile);
    const requestLines = lines.filter((l) => l['route'] === '/v1/tenants/:tenantId/catalog/offers/:offerId');
    expect(requestLines).toHaveLength(requests);
    expect(requestLines.every((l) => l['msg'] === 'request completed 404')).toBe(true);
    const messages = lines.map((l) => l['msg']);
    expect(messages).toContain('SIGTERM received: draining');
    expect(messages.at(-1)).toBe('stopped');
  }, 90_000);
});
