import { describe, expect, it } from 'vitest';
import { RECONNECT_DELAY_CAP_MS, reconnectDelayMs } from './redis-client-factory';

describe('reconnectDelayMs', () => {
  it('starts near 50 ms and grows with the attempts', () => {
    for (let i = 0; i < 50; i++) {
      expect(reconnectDelayMs(0)).toBeGreaterThanOrEqual(25);
      expect(reconnectDelayMs(0)).toBeLessThanOrEqual(50);
      expect(reconnectDelayMs(3)).toBeGreaterThanOrEqual(200);
    }
  });

  it('never waits longer than 1 s, however long Redis has been gone', () => {
    expect(RECONNECT_DELAY_CAP_MS).toBeLessThanOrEqual(1000);
    for (const attempt of [6, 7, 10, 100, 10_000]) {
      for (let i = 0; i < 50; i++) {
        const delay = reconnectDelayMs(attempt);
        expect(delay).toBeLessThanOrEqual(RECONNECT_DELAY_CAP_MS);
        expect(delay).toBeGreaterThanOrEqual(RECONNECT_DELAY_CAP_MS / 2);
      }
    }
  });
});
