import { randomBytes } from 'node:crypto';

/**
 * A random id that is safe as a Redis key segment, Kafka topic, consumer group or schema suffix:
 * only [a-z0-9-]. Use one per test so parallel tests and reruns never share keys, topics or groups.
 */
export function uniqueId(prefix: string): string {
  const safePrefix =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'id';
  return `${safePrefix}-${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
}
