import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createKafkaClient, silentEventsLogger } from '@cpq/platform';

const ROOT = path.resolve(__dirname, '../..');
const CONTRACT_TOPICS = [
  'cpq.catalog.published.v1',
  'cpq.pricebook.published.v1',
  'cpq.config.finalized.v1',
  'oms.order.captured.v1',
  'oms.order.status-changed.v1',
];

export interface KafkaProcessOptions {
  /** Where the broker jars are (what `scripts/infra up` resolves with Maven). @default <repo>/.data/kafka/libs */
  libsDir?: string;
  /** Topics created at the first start. @default the contract's five, 3 partitions each */
  topics?: string[];
  /** How long to wait for the broker to answer after a start. @default 90000 */
  startTimeoutMs?: number;
}

export interface KafkaProcess {
  /** `['127.0.0.1:<port>']`, for KAFKA_BROKERS. */
  readonly brokers: string[];
  readonly running: boolean;
  /** Clean shutdown (SIGTERM, then SIGKILL after 30 s); the data stays for `start()`. */
  stop(): Promise<void>;
  /** Starts the broker again on the same ports and data (after `stop()`). */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

/**
 * A private single-node Kafka (KRaft, combined broker and controller) on free loopback ports with its own data
 * directory, for tests that stop the broker: the shared one on 9092 is never touched. Runs the jars `scripts/infra`
 * resolves into `.data/kafka/libs` (in CI the repository's infra has run first; in a worktree, link them from a
 * checkout that has them). Creates the contract's topics.
 */
export async function startKafkaProcess(options: KafkaProcessOptions = {}): Promise<KafkaProcess> {
  const libs = options.libsDir ?? path.join(ROOT, '.data', 'kafka', 'libs');
  if (!existsSync(libs)) {
    throw new Error(
      `Kafka jars not found in ${libs}: run scripts/infra up (it resolves them with Maven) first`,
    );
  }
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(os.tmpdir(), `kafka-${port}-`));
  const props = path.join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      'controller.listener.names=CONTROLLER',
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=3',
      'default.replication.factor=1',
      'auto.create.topics.enable=false',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
    ].join('\n'),
  );
  const java = (args: string[], logName: string): ChildProcess => {
    const log = createWriteStream(path.join(dir, logName), { flags: 'a' });
    const child = spawn(
      'java',
      [
        '-Xms128m',
        '-Xmx384m',
        '-XX:+UseG1GC',
        '-XX:TieredStopAtLevel=1',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${path.join(ROOT, 'infra', 'kafka', 'log4j2.properties')}`,
        `-Dkafka.logs.dir=${path.join(dir, 'logs')}`,
        '-cp',
        `${libs}/*`,
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    return child;
  };

  // A cluster id is 16 random bytes in URL-safe base64 without padding (what StorageTool random-uuid prints). It can
  // start with '-', which the tool's parser takes for an option unless it is joined to its flag with '='.
  const clusterId = randomBytes(16).toString('base64url');
  const format = java(
    ['kafka.tools.StorageTool', 'format', '--standalone', `--cluster-id=${clusterId}`, '-c', props],
    'format.log',
  );
  const formatted = await new Promise<number | null>((resolve) => format.once('exit', resolve));
  if (formatted !== 0) throw new Error(`kafka storage format failed: ${tail(path.join(dir, 'format.log'))}`);

  let broker: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const brokers = [`127.0.0.1:${port}`];
  const admin = () =>
    createKafkaClient(
      { brokers, clientId: 'kafka-process', retry: { retries: 0 } },
      silentEventsLogger,
    ).admin();

  const start = async () => {
    if (broker) return;
    const child = java(['kafka.Kafka', props], 'stdout.log');
    broker = child;
    // Last resort: never leave a broker behind, whatever ends the test process.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (broker === child) broker = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + (options.startTimeoutMs ?? 90_000);
    for (;;) {
      if (!broker) throw new Error(`kafka exited during start: ${tail(path.join(dir, 'stdout.log'))}`);
      const client = admin();
      try {
        await client.connect();
        await client.listTopics();
        return;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`kafka did not answer on ${port}: ${tail(path.join(dir, 'logs', 'server.log'))}`);
      } finally {
        await client.disconnect().catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const stop = async () => {
    const child = broker;
    if (!child) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  const client = admin();
  await client.connect();
  try {
    await client.createTopics({
      waitForLeaders: true,
      topics: (options.topics ?? CONTRACT_TOPICS).map((topic) => ({
        topic,
        numPartitions: 3,
        replicationFactor: 1,
      })),
    });
  } finally {
    await client.disconnect();
  }

  return {
    brokers,
    get running() {
      return broker !== undefined;
    },
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
