import type { Kafka } from 'kafkajs';

/** Where one partition of a consumer session starts. */
export interface PartitionSeek {
  topic: string;
  partition: number;
  offset: string;
}

export interface StartPositionsInput {
  groupId: string;
  topics: string[];
  /** Epoch ms: each partition starts at its first message at or after this time, or at its end when none is. */
  at: number;
  /** Every partition (a broadcast consumer's first join), or only those the group has no committed offset for. */
  everyPartition: boolean;
}

/**
 * The start positions of a consumer session, in place of kafkajs' "latest" for partitions without a committed
 * offset: "latest" is wherever the topic ends when the group happens to (re)join, so events published between the
 * consumer's start and that join (an outbox relay draining its backlog the moment Kafka returns, before the group
 * is back) would be skipped. A time-based position does not depend on when the join happens.
 */
export async function startPositions(kafka: Kafka, input: StartPositionsInput): Promise<PartitionSeek[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const committed = new Set<string>();
    let topics = input.topics;
    if (!input.everyPartition) {
      const byTopic = await admin.fetchOffsets({ groupId: input.groupId, topics: input.topics });
      for (const { topic, partitions } of byTopic) {
        for (const { partition, offset } of partitions)
          if (Number(offset) >= 0) committed.add(`${topic}:${partition}`);
      }
      // The usual case once a group has consumed: nothing to position, no further request.
      topics = byTopic
        .filter(({ topic, partitions }) => partitions.some((p) => !committed.has(`${topic}:${p.partition}`)))
        .map(({ topic }) => topic);
    }
    const seeks: PartitionSeek[] = [];
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, input.at);
      for (const { partition, offset } of offsets)
        if (!committed.has(`${topic}:${partition}`)) seeks.push({ topic, partition, offset });
    }
    return seeks;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
