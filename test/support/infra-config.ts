// Shared by the global setup (main process) and infra-env.ts (test workers): how the test infrastructure
// is described, both as environment variables and as the typed object tests use. No vitest imports here.

export interface InfraEnv {
  databaseUrl: string;
  redisCacheUrl: string;
  redisRateUrl: string;
  redisSessionUrl: string;
  /** Seeds of a Redis Cluster; empty when no cluster is available (e.g. under testcontainers). */
  redisClusterNodes: { host: string; port: number }[];
  kafkaBrokers: string[];
}

export const INFRA_ENV_VARS = [
  'DATABASE_URL',
  'REDIS_CACHE_URL',
  'REDIS_RATE_URL',
  'REDIS_SESSION_URL',
  'REDIS_CLUSTER_NODES',
  'KAFKA_BROKERS',
] as const;

export type InfraEnvVar = (typeof INFRA_ENV_VARS)[number];
export type InfraEnvVars = Record<InfraEnvVar, string>;

/** The URLs `scripts/infra up --cluster` serves. */
export const LOCAL_INFRA_ENV: InfraEnvVars = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cpq',
  REDIS_CACHE_URL: 'redis://127.0.0.1:6379',
  REDIS_RATE_URL: 'redis://127.0.0.1:6380',
  REDIS_SESSION_URL: 'redis://127.0.0.1:6381',
  REDIS_CLUSTER_NODES: [7000, 7001, 7002, 7003, 7004, 7005].map((p) => `127.0.0.1:${p}`).join(','),
  KAFKA_BROKERS: '127.0.0.1:9092',
};

/** The variables when every one of them is set (REDIS_CLUSTER_NODES may be empty: no cluster). */
export function infraEnvVarsFrom(env: NodeJS.ProcessEnv): InfraEnvVars | undefined {
  const vars: Partial<InfraEnvVars> = {};
  for (const name of INFRA_ENV_VARS) {
    const value = env[name];
    if (value === undefined || (value === '' && name !== 'REDIS_CLUSTER_NODES')) return undefined;
    vars[name] = value;
  }
  return vars as InfraEnvVars;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function parseHostPort(address: string): { host: string; port: number } {
  const match = /^(.+):(\d+)$/.exec(address);
  if (!match) throw new Error(`expected host:port, got '${address}'`);
  return { host: match[1]!, port: Number(match[2]) };
}

export function toInfraEnv(vars: InfraEnvVars): InfraEnv {
  return {
    databaseUrl: vars.DATABASE_URL,
    redisCacheUrl: vars.REDIS_CACHE_URL,
    redisRateUrl: vars.REDIS_RATE_URL,
    redisSessionUrl: vars.REDIS_SESSION_URL,
    redisClusterNodes: splitList(vars.REDIS_CLUSTER_NODES).map(parseHostPort),
    kafkaBrokers: splitList(vars.KAFKA_BROKERS),
  };
}
