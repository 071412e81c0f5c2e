import type { KeyFamily, ServiceName, Workload } from './key-family';
import type { KeyFamilyRegistry } from './key-family-registry';
import { channelNameOf } from './key-factory';
import { InvalidKeySegmentError } from '../errors';

/**
 * Every command the runtime sends, the ones its Lua scripts call included (Redis checks those against the
 * caller's ACL too). A least-privilege user needs exactly these; a test runs each service under such a user and
 * fails on any ACL denial, so a command added to the runtime without being listed here shows up at once.
 */
export const RUNTIME_COMMANDS: readonly string[] = [
  // connection set-up (ioredis): ready check, client name, database, health checks
  'ping',
  'info',
  'client|setname',
  'select',
  'quit',
  // reads and writes of the key families
  'get',
  'mget',
  'getex',
  'set',
  'del',
  'pexpire',
  'pttl',
  'pexpiretime',
  'incrby',
  'time',
  'zadd',
  'zincrby',
  'zcard',
  'zrange',
  'zrevrange',
  'zremrangebyrank',
  'zremrangebyscore',
  // scripts: EVALSHA, and EVAL once where a server does not have the script yet (NOSCRIPT)
  'evalsha',
  'eval',
  // near-cache invalidation hints
  'publish',
  'subscribe',
  'unsubscribe',
  // Redis Cluster topology (REDIS_CLUSTER=true)
  'cluster|slots',
  'cluster|shards',
  'cluster|nodes',
  'cluster|info',
  'readonly',
  'asking',
];

export interface AclRulesInput {
  service: ServiceName;
  /** `APP_ENV`, the first segment of every key. */
  env: string;
  /** Only the families of this workload (one user per Redis server); all of the service's when omitted. */
  workload?: Workload;
}

/** The `~pattern` (keys) or `&pattern` (channels) a family's keys match: `<env>:<service>:<tenant>:<domain>:<purpose>:*`. */
export function aclPatternOf(family: KeyFamily, env: string): string {
  // Glob characters (`*`, `?`, `[`, `\`) in the env would widen the pattern to other environments' keys.
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(env))
    throw new InvalidKeySegmentError('env must be letters, digits, - or _ for an ACL pattern', {
      what: 'env',
    });
  if (family.format === 'channel') return `&${channelNameOf(family, env)}`;
  return `~${env}:${family.owner}:*:${family.domain}:${family.purpose}:*`;
}

/**
 * The rules of a least-privilege Redis ACL user for one service: its own key families' patterns (per workload
 * if asked), its own channels, and only the commands the runtime sends. Everything else, other services' keys,
 * `KEYS`, `FLUSHALL`, `CONFIG`, is refused by Redis (NOPERM). Append them to `ACL SETUSER <user> on ><password>`.
 */
export function aclRulesFor(registry: KeyFamilyRegistry, input: AclRulesInput): string[] {
  const families = registry
    .all()
    .filter((family) => family.owner === input.service)
    .filter((family) => input.workload === undefined || family.workload === input.workload);
  const keys = families.filter((f) => f.format !== 'channel').map((f) => aclPatternOf(f, input.env));
  const channels = families.filter((f) => f.format === 'channel').map((f) => aclPatternOf(f, input.env));
  return [
    'resetkeys',
    ...keys,
    'resetchannels',
    ...channels,
    '-@all',
    ...RUNTIME_COMMANDS.map((command) => `+${command}`),
  ];
}
