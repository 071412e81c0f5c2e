// Global setup of the `integration` vitest project: resolves where PostgreSQL, Redis and Kafka are,
// in this order:
//   1. every variable of INFRA_ENV_VARS already set   -> used as they are
//   2. a Docker engine answers (`docker info`)        -> testcontainers, stopped in teardown
//   3. otherwise                                      -> `scripts/infra up --cluster` (local processes)
// and hands the result to tests through process.env and project.provide('infra') (see infra-env.ts).
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { GenericContainer, type StartedTestContainer, Wait, getContainerRuntimeClient } from 'testcontainers';
import { Kafka, logLevel } from 'kafkajs';
import type { TestProject } from 'vitest/node';
import { type InfraEnvVars, LOCAL_INFRA_ENV, infraEnvVarsFrom, toInfraEnv } from './infra-config';

const CONTRACT_TOPICS = [
  'cpq.catalog.published.v1',
  'cpq.pricebook.published.v1',
  'cpq.config.finalized.v1',
  'oms.order.captured.v1',
  'oms.order.status-changed.v1',
];

type Teardown = () => Promise<void>;

export default async function setup(project: TestProject): Promise<Teardown | undefined> {
  const rootDir = project.config.root;
  let vars = infraEnvVarsFrom(process.env);
  let teardown: Teardown | undefined;
  if (vars) {
    console.log('[infra] using the services named by the environment variables');
  } else if (dockerAnswers()) {
    console.log('[infra] Docker engine found: starting services with testcontainers');
    ({ vars, teardown } = await startContainers(rootDir));
  } else {
    console.log('[infra] no Docker engine: bash scripts/infra up --cluster');
    runInfraScript(rootDir);
    vars = LOCAL_INFRA_ENV;
  }
  Object.assign(process.env, vars);
  project.provide('infra', toInfraEnv(vars));
  return teardown;
}

function dockerAnswers(): boolean {
  const result = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 });
  return result.status === 0;
}

function runInfraScript(rootDir: string): void {
  const result = spawnSync('bash', [path.join(rootDir, 'scripts/infra'), 'up', '--cluster'], {
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: LOCAL_INFRA_ENV.DATABASE_URL },
  });
  if (result.status !== 0) {
    throw new Error(`scripts/infra up --cluster failed (exit ${result.status ?? result.signal})`);
  }
}

// ------------------------------------------------------------------------------------ testcontainers

async function startContainers(rootDir: string): Promise<{ vars: InfraEnvVars; teardown: Teardown }> {
  const started: StartedTestContainer[] = [];
  const teardown = async () => {
    await Promise.allSettled(started.map((c) => c.stop()));
  };
  const track = async (container: Promise<StartedTestContainer>) => {
    const c = await container;
    started.push(c);
    return c;
  };
  try {
    const [postgres, cache, rate, session, kafkaBrokers] = await Promise.all([
      track(startPostgres()),
      track(startRedis(['--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no'])),
      track(startRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'no'])),
      track(startRedis(['--maxmemory-policy', 'noeviction', '--appendonly', 'yes'])),
      startKafka(track),
    ]);
    const redisUrl = (c: StartedTestContainer) => `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
    const vars: InfraEnvVars = {
      DATABASE_URL: `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/cpq`,
      REDIS_CACHE_URL: redisUrl(cache),
      REDIS_RATE_URL: redisUrl(rate),
      REDIS_SESSION_URL: redisUrl(session),
      // A Redis Cluster behind Docker port mapping announces container addresses the host cannot reach.
      REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES ?? '',
      KAFKA_BROKERS: kafkaBrokers,
    };
    if (!vars.REDIS_CLUSTER_NODES) {
      console.warn(
        '[infra] no Redis Cluster under testcontainers: cluster tests are skipped ' +
          '(set REDIS_CLUSTER_NODES, or run without Docker so scripts/infra up --cluster provides one)',
      );
    }
    runMigrations(rootDir, vars.DATABASE_URL);
    await createTopics(kafkaBrokers);
    return { vars, teardown };
  } catch (err) {
    await teardown();
    throw err;
  }
}

function startPostgres(): Promise<StartedTestContainer> {
  return (
    new GenericContainer('postgres:17')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'cpq' })
      .withExposedPorts(5432)
      // The image's init runs a temporary server first; the second "ready" line is the real one.
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start()
  );
}

function startRedis(policy: string[]): Promise<StartedTestContainer> {
  return new GenericContainer('redis:7')
    .withCommand(['redis-server', '--maxmemory', '256mb', '--save', '', ...policy])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
    .start();
}

// Kafka advertises the address clients must use, so the host port is chosen before the container starts.
async function startKafka(track: (c: Promise<StartedTestContainer>) => Promise<StartedTestContainer>) {
  const host = (await getContainerRuntimeClient()).info.containerRuntime.host;
  const hostPort = await freePort();
  await track(
    new GenericContainer('apache/kafka:4.1.1')
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:19092,CONTROLLER://0.0.0.0:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${host}:${hostPort},INTERNAL://localhost:19092`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_NUM_PARTITIONS: '3',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .withExposedPorts({ container: 9092, host: hostPort })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .withStartupTimeout(120_000)
      .start(),
  );
  return `${host}:${hostPort}`;
}

function runMigrations(rootDir: string, databaseUrl: string): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts'], {
    cwd: rootDir,
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  if (result.status !== 0) throw new Error(`migrations failed (exit ${result.status ?? result.signal})`);
}

async function createTopics(brokers: string): Promise<void> {
  const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: CONTRACT_TOPICS.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
