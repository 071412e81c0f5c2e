// What the deployment tests check every service's environment against: the contract's services and ports, and each
// service's own config schema (apps/<name>/src/config.ts), so a service added to apps/ is checked as soon as it lands.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, parseConfig } from '@cpq/platform';
import { redisConfigFromEnv } from '@cpq/redis-runtime';
import { z } from 'zod';

export const ROOT = resolve(__dirname, '..', '..');

/** The contract's services and their ports (CONTRACT.md, "Common HTTP rules"). */
export const CONTRACT_PORTS: Readonly<Record<string, number>> = {
  'catalog-service': 3001,
  'pricing-service': 3002,
  'config-service': 3003,
  'order-service': 3004,
};
export const CONTRACT_SERVICES = Object.keys(CONTRACT_PORTS);

/** The Redis workload URLs every service reads (libs/redis-runtime, read outside the service's own schema). */
export const REDIS_URL_VARIABLES = ['REDIS_CACHE_URL', 'REDIS_RATE_URL', 'REDIS_SESSION_URL'];

const LOOPBACK = /127\.0\.0\.1|localhost|\[::1\]/;

export type ServiceSchema = z.ZodObject;

/** Every service in apps/ that has a config schema: the exported object schema holding AUTH_JWT_SECRET. */
export async function serviceSchemas(): Promise<Map<string, ServiceSchema>> {
  const schemas = new Map<string, ServiceSchema>();
  for (const name of readdirSync(join(ROOT, 'apps')).sort()) {
    const file = join(ROOT, 'apps', name, 'src', 'config.ts');
    if (!existsSync(file)) continue;
    const exported = Object.values((await import(file)) as Record<string, unknown>);
    const schema = exported.find(
      (value): value is ServiceSchema => value instanceof z.ZodObject && 'AUTH_JWT_SECRET' in value.shape,
    );
    if (!schema)
      throw new Error(`apps/${name}/src/config.ts exports no config schema extending the platform's`);
    schemas.set(name, schema);
  }
  return schemas;
}

/**
 * The variables a deployment must set itself: those the schema requires (no default) and those whose default only
 * works on a developer's machine (a loopback address: HOST, DATABASE_URL, KAFKA_BROKERS, CONFIG_CATALOG_URL, ...),
 * plus the Redis workload URLs, which default to loopback too.
 */
export function variablesToSet(schema: ServiceSchema): string[] {
  const names = Object.entries(schema.shape as Record<string, z.ZodType>)
    .filter(([, field]) => {
      const fallback = field.safeParse(undefined);
      return !fallback.success || LOOPBACK.test(JSON.stringify(fallback.data) ?? '');
    })
    .map(([name]) => name);
  return [...names, ...REDIS_URL_VARIABLES].sort();
}

/**
 * Everything wrong with `env` as the environment of `service`: unset variables, loopback addresses, values the
 * schema or the Redis config refuses, a port other than the contract's. Empty when the service would start there.
 */
export function envProblems(service: string, schema: ServiceSchema, env: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const name of variablesToSet(schema)) {
    if (env[name] === undefined) problems.push(`${service}: ${name} is not set`);
    else if (LOOPBACK.test(env[name])) problems.push(`${service}: ${name} points at loopback (${env[name]})`);
  }
  try {
    const config = parseConfig(schema, env) as { PORT: number };
    if (config.PORT !== CONTRACT_PORTS[service])
      problems.push(`${service}: PORT is ${config.PORT}, the contract says ${CONTRACT_PORTS[service]}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.issues.map((issue) => `${service}: ${issue}`));
  }
  try {
    redisConfigFromEnv(env);
  } catch (error) {
    problems.push(`${service}: ${(error as Error).message}`);
  }
  return problems;
}
