import { parseConfig, signDevToken } from '@cpq/platform';
import { createCatalogApp, type CatalogApp } from '../../catalog-service/src/catalog-app';
import { catalogConfigSchema } from '../../catalog-service/src/config';
import { createConfigApp, type ConfigApp } from '../src/config-app';
import { configConfigSchema } from '../src/config';
import {
  call,
  listenForTest,
  serviceTestEnv,
  type CallResult,
  type ListeningInstance,
} from '../../../test/support/service-instance';
import { freePort } from '../../../test/support/bench-processes';
import type { SnapshotRecord } from '../src/application/config-repository';
import { uniqueId } from '../../../test/support/unique';

/** One secret for both services: config-service forwards the caller's token to catalog-service. */
export const SECRET = 'config-test-secret-config-test-secret-0123';

export type ConfigInstance = ConfigApp & ListeningInstance;
export type CatalogInstance = CatalogApp & ListeningInstance;

/** An `APP_ENV` of its own per test file (keys and consumer groups never meet another file's). */
export function newAppEnv(): string {
  return uniqueId('cfg').replace(/-/g, '').slice(0, 30);
}

export function newTenant(): string {
  return uniqueId('t').slice(0, 40);
}

/**
 * A catalog-service instance (no Kafka consumers) on `port` (a free one if not given), so a test can stop it and
 * start another on the same address.
 */
export async function startCatalog(
  appEnv: string,
  port?: number,
  options: { logStream?: NodeJS.WritableStream } = {},
): Promise<CatalogInstance> {
  const vars = serviceTestEnv(appEnv, SECRET, {
    CATALOG_EVENTS: 'off',
    ...(options.logStream ? { LOG_LEVEL: 'info' } : {}),
  });
  const built = await createCatalogApp(parseConfig(catalogConfigSchema, vars), {
    env: vars,
    ...(options.logStream ? { logStream: options.logStream } : {}),
  });
  if (port === undefined) return listenForTest(built);
  await built.app.listen({ host: '127.0.0.1', port });
  let closed = false;
  return {
    ...built,
    url: `http://127.0.0.1:${port}`,
    async close() {
      if (closed) return;
      closed = true;
      await built.app.close();
    },
  };
}

/** A config-service instance against the test infrastructure (or the URLs in `env`), closed after the file. */
export async function startConfig(
  appEnv: string,
  catalogUrl: string,
  env: Record<string, string> = {},
): Promise<ConfigInstance> {
  const vars = serviceTestEnv(appEnv, SECRET, {
    CONFIG_CATALOG_URL: catalogUrl,
    CONFIG_EVENTS: 'off',
    CONFIG_PURGE: 'off',
    CONFIG_CATALOG_TIMEOUT_MS: '2000',
    ...env,
  });
  return listenForTest(await createConfigApp(parseConfig(configConfigSchema, vars), { env: vars }));
}

export { freePort };

export function token(tenantId: string, sub = 'alice', roles: string[] = []): Promise<string> {
  return signDevToken({ secret: SECRET, tenantId, sub, roles, ttlSeconds: 3600 });
}

export interface OfferInput {
  offerId: string;
  status?: 'ACTIVE' | 'RETIRED';
  rules?: { requires?: string[]; excludes?: string[]; minQuantity?: number; maxQuantity?: number };
}

/** Publishes a catalog version; returns its number. */
export async function publishCatalog(
  catalogUrl: string,
  tenantId: string,
  offers: OfferInput[],
): Promise<number> {
  const response = await call(catalogUrl, 'POST', `/v1/tenants/${tenantId}/catalog/versions`, {
    token: await token(tenantId, 'catalog-admin', ['catalog:admin']),
    body: {
      offers: offers.map((o) => ({
        offerId: o.offerId,
        displayName: o.offerId,
        status: o.status ?? 'ACTIVE',
        eligibleActions: ['ADD'],
        ...(o.rules ? { rules: o.rules } : {}),
      })),
    },
  });
  if (response.status !== 201)
    throw new Error(`publish failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.catalogVersion as number;
}

/** `n` plain ACTIVE offers `offer-0000`.. */
export function plainOffers(n: number, prefix = 'offer'): OfferInput[] {
  return Array.from({ length: n }, (_, i) => ({ offerId: `${prefix}-${String(i).padStart(4, '0')}` }));
}

/** The HTTP calls of one user of one tenant against one config-service instance. */
export class ConfigClient {
  constructor(
    readonly base: string,
    readonly tenantId: string,
    readonly bearer: string,
  ) {}

  static async of(base: string, tenantId: string, sub = 'alice'): Promise<ConfigClient> {
    return new ConfigClient(base, tenantId, await token(tenantId, sub));
  }

  path(sessionId?: string, suffix = ''): string {
    return `/v1/tenants/${this.tenantId}/config-sessions${sessionId ? `/${sessionId}` : ''}${suffix}`;
  }

  create(body?: object): Promise<CallResult> {
    return call(this.base, 'POST', this.path(), { token: this.bearer, ...(body ? { body } : {}) });
  }

  /** Creates a session and returns its id (throws unless 201). */
  async newSession(body?: object): Promise<string> {
    const created = await this.create(body);
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    return created.body.sessionId as string;
  }

  get(sessionId: string): Promise<CallResult> {
    return call(this.base, 'GET', this.path(sessionId), { token: this.bearer });
  }

  put(
    sessionId: string,
    version: number | undefined,
    selectedOptions: object[],
    headers: Record<string, string> = {},
  ): Promise<CallResult> {
    return call(this.base, 'PUT', this.path(sessionId, '/selections'), {
      token: this.bearer,
      body: { selectedOptions },
      headers: { ...(version === undefined ? {} : { 'if-match': `"${version}"` }), ...headers },
    });
  }

  finalize(sessionId: string, version: number | undefined): Promise<CallResult> {
    return call(this.base, 'POST', this.path(sessionId, '/finalize'), {
      token: this.bearer,
      headers: version === undefined ? {} : { 'if-match': `"${version}"` },
    });
  }

  configuration(configurationId: string): Promise<CallResult> {
    return call(this.base, 'GET', `/v1/tenants/${this.tenantId}/configurations/${configurationId}`, {
      token: this.bearer,
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** A durable snapshot of an empty draft owned by `alice` on catalog version 1, idle since `expiresAt` - 30 min. */
export function snapshotRecord(
  tenantId: string,
  sessionId: string,
  {
    version = 1,
    expiresAt = new Date(Date.now() + 30 * 60_000),
  }: { version?: number; expiresAt?: Date } = {},
): SnapshotRecord {
  const now = new Date().toISOString();
  return {
    tenantId,
    sessionId,
    ownerSub: 'alice',
    version,
    catalogVersion: 1,
    document: {
      sessionId,
      ownerSub: 'alice',
      catalogVersion: 1,
      selectedOptions: [],
      validationSummary: { valid: true, errors: [], warnings: [] },
      lastValidatedAt: now,
      createdAt: now,
    },
    lastActivityAt: new Date(expiresAt.getTime() - 30 * 60_000),
    expiresAt,
  };
}
