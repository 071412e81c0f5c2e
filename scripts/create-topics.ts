// Creates the contract's Kafka topics when missing (the compose `migrate` service and the Kubernetes migrate Job
// run it after the migrations; scripts/infra creates them with Kafka's own tool):
//   KAFKA_BROKERS=kafka:19092 node --import tsx scripts/create-topics.ts
// KAFKA_TOPIC_PARTITIONS (3) and KAFKA_REPLICATION_FACTOR (1) size new topics; existing ones are left as they are.
// Events are keyed `<tenant>:<aggregate>`, so partitions spread tenants and keep each aggregate's events in order.
import { EVENT_TYPES } from '@cpq/contracts';
import { Kafka, logLevel } from 'kafkajs';

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
  const numPartitions = Number(process.env.KAFKA_TOPIC_PARTITIONS ?? 3);
  const replicationFactor = Number(process.env.KAFKA_REPLICATION_FACTOR ?? 1);
  const admin = new Kafka({ clientId: 'cpq-create-topics', brokers, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = EVENT_TYPES.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions, replicationFactor })),
        waitForLeaders: true,
      });
    }
    console.log(
      `kafka topics: ${missing.length === 0 ? 'all present' : `created ${missing.join(', ')}`} (${EVENT_TYPES.length} in the contract)`,
    );
  } finally {
    await admin.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error('creating the topics failed:', error);
  process.exitCode = 1;
});
