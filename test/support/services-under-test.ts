import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, signDevToken } from '@cpq/platform';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { z } from 'zod';
import { listenForTest, serviceTestEnv, type ListeningInstance } from './service-instance';
import { uniqueId } from './unique';

/**
 * Every service present in `apps/`, started the way its own `main.ts` does, without a hand-kept list: the
 * repository-wide tests (hostile input, tenant isolation) cover a service as soon as it lands. A service is a
 * folder `apps/<name>-service` with `src/<name>-app.ts` exporting `create<Name>App(config, {env})` and
 * `src/config.ts` exporting its zod schema `<name>ConfigSchema`, the layout every service has.
 */

const ROOT = path.resolve(__dirname, '../..');

/** One secret for every service of a run: config-service forwards the caller's token to catalog-service. */
export const RUN_SECRET = 'security-test-secret-security-test-secret';

export interface ServiceUnderTest extends ListeningInstance {
  service: string;
  app: NestFastifyApplication;
  runtime: unknown;
}

/** `catalog-service`, `pricing-service`, ... : every folder of `apps/` with a `src/main.ts`, sorted. */
export function servicesInApps(): string[] {
  const apps = path.join(ROOT, 'apps');
  return readdirSync(apps, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(apps, entry.name, 'src', 'main.ts')))
    .map((entry) => entry.name)
    .sort();
}

interface ServiceModules {
  create(config: unknown, options: { env: NodeJS.ProcessEnv }): Promise<{ app: NestFastifyApplication }>;
  schema: z.ZodObject;
}

async function modulesOf(service: string): Promise<ServiceModules> {
  const short = service.replace(/-service$/, '');
  const src = path.join(ROOT, 'apps', service, 'src');
  const appModule = (await import(path.join(src, `${short}-app.ts`))) as Record<string, unknown>;
  const configModule = (await import(path.join(src, 'config.ts'))) as Record<string, unknown>;
  const create = Object.entries(appModule).find(([name]) => /^create[A-Za-z]+App$/.test(name))?.[1];
  const schema = Object.entries(configModule).find(([name]) => /ConfigSchema$/.test(name))?.[1];
  if (typeof create !== 'function' || schema === undefined)
    throw new Error(
      `${service}: expected create<Name>App in ${short}-app.ts and <name>ConfigSchema in config.ts`,
    );
  return { create: create as ServiceModules['create'], schema: schema as z.ZodObject };
}

/**
 * Settings a service gets in these tests, chosen by its configuration's variable names (so new services need
 * nothing here): `*_EVENTS` and `*_PURGE` off (no Kafka consumers, relays or background jobs: the tests judge
 * what one request does), `*_CATALOG_URL` at the run's catalog-service instance.
 */
function conventionalEnv(schema: z.ZodObject, catalogUrl: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of Object.keys(schema.shape)) {
    if (/_(EVENTS|PURGE)$/.test(name)) env[name] = 'off';
    if (/_CATALOG_URL$/.test(name) && catalogUrl) env[name] = catalogUrl;
  }
  return env;
}

/** One instance of a service, listening on a free port; closed after the test file. */
export async function startServiceUnderTest(
  service: string,
  options: { appEnv: string; catalogUrl?: string; env?: Record<string, string> },
): Promise<ServiceUnderTest> {
  const { create, schema } = await modulesOf(service);
  const vars = serviceTestEnv(options.appEnv, RUN_SECRET, {
    ...conventionalEnv(schema, options.catalogUrl),
    ...options.env,
  });
  const built = await create(parseConfig(schema as never, vars), { env: vars });
  return { service, ...(await listenForTest(built)) } as ServiceUnderTest;
}

/**
 * Every service of `apps/`, one instance each, sharing one `APP_ENV` (so one SCAN finds every key the run made):
 * catalog-service first, as the others read it. `env` is given to every one (e.g. a private `DATABASE_URL`).
 */
export async function startEveryService(
  appEnv: string,
  env: Record<string, string> = {},
): Promise<Map<string, ServiceUnderTest>> {
  const services = servicesInApps();
  const started = new Map<string, ServiceUnderTest>();
  const catalog = services.includes('catalog-service')
    ? await startServiceUnderTest('catalog-service', { appEnv, env })
    : undefined;
  if (catalog) started.set('catalog-service', catalog);
  for (const service of services.filter((s) => s !== 'catalog-service')) {
    started.set(
      service,
      await startServiceUnderTest(service, { appEnv, env, ...(catalog ? { catalogUrl: catalog.url } : {}) }),
    );
  }
  return started;
}

/** An `APP_ENV` of its own per run: the SCAN after the run sees this run's keys only. */
export function newRunAppEnv(prefix: string): string {
  return uniqueId(prefix).replace(/-/g, '').slice(0, 30);
}

/** A token the services of the run accept. */
export function runToken(tenantId: string, sub: string, roles: string[]): Promise<string> {
  return signDevToken({ secret: RUN_SECRET, tenantId, sub, roles });
}
