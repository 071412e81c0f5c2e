// Creates the services' least-privilege Redis ACL users (rules from the key-family registry, generated passwords)
// on the Redis servers of the three workloads, and returns each service's workload URLs logged in as its user.
// Used by `npm start -- --acl` (scripts/redis-acl-users.ts) and by the end-to-end test on private servers.
import { randomBytes } from 'node:crypto';
import { aclRulesFor, platformKeyFamilyRegistry, type ServiceName, type Workload } from '@cpq/redis-runtime';
import Redis from 'ioredis';

export const ACL_SERVICES: ServiceName[] = [
  'catalog-service',
  'pricing-service',
  'config-service',
  'order-service',
];
const WORKLOADS: Workload[] = ['cache', 'rate', 'session'];

/** The workloads' URLs, as the services read them; their credentials (if any) are an administrator's. */
export type WorkloadUrls = Record<Workload, string>;

/** `REDIS_CACHE_URL`, `REDIS_RATE_URL`, `REDIS_SESSION_URL` of one service, logged in as its own user. */
export type ServiceRedisEnv = Record<string, string>;

export interface AclUsersInput {
  urls: WorkloadUrls;
  /** The services' `APP_ENV`: the users may touch only that environment's keys. */
  appEnv: string;
  services?: ServiceName[];
  /** @default `<appEnv>-<service>` (what `npm run redis:acl` names them) */
  userOf?: (service: ServiceName) => string;
}

/**
 * `ACL SETUSER <user> reset on ><password> <rules>` on every server, one user per service. Workloads that share
 * a server share the user there, with the rules of every workload (a per-workload user would overwrite the
 * others'). Returns each service's environment.
 */
export async function createServiceAclUsers(input: AclUsersInput): Promise<Record<string, ServiceRedisEnv>> {
  const registry = platformKeyFamilyRegistry();
  const services = input.services ?? ACL_SERVICES;
  const userOf = input.userOf ?? ((service: ServiceName) => `${input.appEnv}-${service}`);
  const servers = new Map<string, Workload[]>();
  for (const workload of WORKLOADS) {
    const address = serverOf(input.urls[workload]);
    servers.set(address, [...(servers.get(address) ?? []), workload]);
  }
  const env: Record<string, ServiceRedisEnv> = {};
  for (const service of services) {
    const user = userOf(service);
    const password = randomBytes(24).toString('hex');
    env[service] = {};
    for (const workloads of servers.values()) {
      const rules = aclRulesFor(registry, {
        service,
        env: input.appEnv,
        ...(workloads.length === 1 ? { workload: workloads[0]! } : {}),
      });
      const admin = new Redis(input.urls[workloads[0]!], { lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await admin.connect();
        await admin.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, ...rules);
      } finally {
        admin.disconnect();
      }
      for (const workload of workloads) {
        const url = new URL(input.urls[workload]);
        url.username = user;
        url.password = password;
        env[service]![`REDIS_${workload.toUpperCase()}_URL`] = url.toString();
      }
    }
  }
  return env;
}

/** host:port of a Redis URL: workloads with the same one share a server (and its users). */
function serverOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || '6379'}`;
}
