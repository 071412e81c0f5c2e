// Prints, per key family, how many keys a workload's Redis holds, how many lack a TTL and their estimated memory.
import { parseArgs } from 'node:util';
import {
  censusOf,
  closeClient,
  connectClient,
  createRedisClient,
  platformKeyFamilyRegistry,
  redactRedisUrl,
  redisConfigFromEnv,
  type Workload,
} from '@cpq/redis-runtime';

const WORKLOADS: Workload[] = ['cache', 'rate', 'session'];
const USAGE =
  'usage: npm run redis:census -- [--workload cache|rate|session] [--env dev] [--sample 20]\n' +
  '  reads REDIS_<WORKLOAD>_URL and REDIS_CLUSTER like the services; SCANs the whole keyspace (never blocks Redis)';

function fail(message: string): never {
  process.stderr.write(`redis:census: ${message}\n${USAGE}\n`);
  process.exit(1);
}

const mb = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        workload: { type: 'string', default: 'cache' },
        env: { type: 'string', default: process.env['APP_ENV'] ?? 'dev' },
        sample: { type: 'string', default: '20' },
      },
      strict: true,
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const workload = values.workload as Workload;
  if (!WORKLOADS.includes(workload)) fail(`--workload must be one of ${WORKLOADS.join(', ')}`);
  const samplePerFamily = Number(values.sample);
  if (!Number.isInteger(samplePerFamily) || samplePerFamily < 0) fail('--sample must be a whole number');
  const config = redisConfigFromEnv()[workload];
  const client = createRedisClient(config, 'cpq-census');
  client.on('error', () => undefined);
  try {
    if (!(await connectClient(client, config.connectTimeoutMs)))
      fail(`cannot reach ${redactRedisUrl(config.url)}`);
    const census = await censusOf(client, {
      registry: platformKeyFamilyRegistry(),
      env: values.env,
      samplePerFamily,
    });
    console.log(
      `${workload} workload (${redactRedisUrl(config.url)}), env ${values.env}: ${census.scanned} keys scanned`,
    );
    console.log(
      `  ${'family'.padEnd(34)} ${'owner'.padEnd(16)} ${'keys'.padStart(10)} ${'no TTL'.padStart(7)} ${'est. memory'.padStart(12)}`,
    );
    for (const f of census.families) {
      console.log(
        `  ${f.family.padEnd(34)} ${f.owner.padEnd(16)} ${String(f.keys).padStart(10)} ${String(f.withoutTtl).padStart(7)} ${mb(f.estimatedBytes).padStart(12)}`,
      );
    }
    const others = Object.entries(census.otherEnvs).sort((a, b) => b[1] - a[1]);
    if (others.length) {
      const shown = others.slice(0, 10).map(([env, n]) => `${env} ${n}`);
      if (others.length > 10) shown.push(`and ${others.length - 10} more`);
      console.log(`  other environments (--env to see one): ${shown.join(', ')}`);
    }
    if (census.unknown)
      console.log(
        `  not declared: ${census.unknown} (${census.unknownWithoutTtl} without TTL), e.g. ${census.unknownSamples.join(', ')}`,
      );
    const missingTtl = census.families.reduce((n, f) => n + f.withoutTtl, 0);
    if (missingTtl) console.log(`  WARNING: ${missingTtl} keys of declared families have no TTL`);
  } finally {
    await closeClient(client);
  }
}

void main();
