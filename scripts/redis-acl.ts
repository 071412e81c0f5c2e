// Prints the least-privilege Redis ACL users of a service, from the key-family registry; see scripts/redis-acl.
import { parseArgs } from 'node:util';
import { aclRulesFor, platformKeyFamilyRegistry, type ServiceName, type Workload } from '@cpq/redis-runtime';

const SERVICES: ServiceName[] = ['catalog-service', 'pricing-service', 'config-service', 'order-service'];
const WORKLOADS: Workload[] = ['cache', 'rate', 'session'];
const USAGE =
  'usage: npm run redis:acl -- --service <name> [--env dev] [--workload cache|rate|session | --one-server] [--user <name>]\n' +
  '  one user per workload server; --one-server: one user for all three workloads on one server (development)\n' +
  '  the password comes from REDIS_ACL_PASSWORD, else the line says <password>';

function fail(message: string): never {
  process.stderr.write(`redis:acl: ${message}\n${USAGE}\n`);
  process.exit(1);
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        service: { type: 'string' },
        env: { type: 'string', default: process.env['APP_ENV'] ?? 'dev' },
        workload: { type: 'string' },
        user: { type: 'string' },
        'one-server': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const service = values.service as ServiceName;
  if (!SERVICES.includes(service)) fail(`--service must be one of ${SERVICES.join(', ')}`);
  if (values.workload !== undefined && !WORKLOADS.includes(values.workload as Workload))
    fail(`--workload must be one of ${WORKLOADS.join(', ')}`);
  if (values['one-server'] && values.workload !== undefined)
    fail('--one-server and --workload exclude each other');
  const workloads: (Workload | undefined)[] = values['one-server']
    ? [undefined]
    : values.workload
      ? [values.workload as Workload]
      : WORKLOADS;
  const password = process.env['REDIS_ACL_PASSWORD'] ?? '<password>';
  const registry = platformKeyFamilyRegistry();
  for (const workload of workloads) {
    let rules: string[];
    try {
      rules = aclRulesFor(registry, { service, env: values.env, workload });
    } catch (error) {
      fail((error as Error).message);
    }
    if (!rules.some((rule) => rule.startsWith('~') || rule.startsWith('&'))) continue; // no family there
    const user = values.user ?? `${values.env}-${service}`;
    const urls = workload
      ? `REDIS_${workload.toUpperCase()}_URL`
      : 'REDIS_CACHE_URL, REDIS_RATE_URL, REDIS_SESSION_URL';
    process.stdout.write(`# ${workload ?? 'every'} workload (${urls}=redis://${user}:...@host:port)\n`);
    process.stdout.write(`ACL SETUSER ${user} reset on >${password} ${rules.join(' ')}\n`);
  }
}

main();
