import { afterAll, describe, expect, it } from 'vitest';
import { createKafkaClient } from '../../src/events/kafka-client';
import { silentEventsLogger } from '../../src/events';
import { infraEnv } from '../../../../test/support/infra-env';
import { uniqueId } from '../../../../test/support/unique';
import { TestTopics, testKafka } from './events-fixture';

// kafkajs' request queues used to re-check themselves every 1 ms forever once a connection had sent a request
// (see kafkajs-idle-queue-fix.ts). With the fix, an idle connection runs no checks and Node prints no
// TimeoutNegativeWarning.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as {
  prototype: { checkPendingRequests(): void };
};

describe('kafkajs request queues while idle', () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  afterAll(() => {
    process.off('warning', onWarning);
  });

  it('run no timer loop and print no TimeoutNegativeWarning after sending', async () => {
    const topics = await TestTopics.connect(testKafka());
    const topic = await topics.create('it-idle-queue');
    const kafka = createKafkaClient(
      { brokers: infraEnv().kafkaBrokers, clientId: uniqueId('it-idle') },
      silentEventsLogger,
    );
    const producer = kafka.producer();
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
      checks++;
      return original.call(this);
    };
    try {
      await producer.connect();
      for (let i = 0; i < 5; i++) await producer.send({ topic, messages: [{ value: `m${i}` }] });
      const afterSends = checks;
      await new Promise((resolve) => setTimeout(resolve, 500));
      // The loop ran every ~1 ms on each connection: hundreds of checks in 500 ms. Idle now means idle.
      expect(checks - afterSends).toBeLessThan(10);
      expect(warnings.filter((w) => w.name === 'TimeoutNegativeWarning')).toEqual([]);
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
      await producer.disconnect();
      await topics.deleteAll();
    }
  });
});
