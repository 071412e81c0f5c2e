import { describe, expect, it } from 'vitest';
import { driftMs, retryDelayMs, validUntil } from './lease-timing';

describe('lease timing', () => {
  it('counts validity from the send time, minus a drift margin, so the round trip is never counted as held', () => {
    // sent at 1000, Redis says 10 000 ms left: held surely until 1000 + 10 000 - (100 + 2)
    expect(validUntil(1000, 10_000, 10_000)).toBe(10_898);
    expect(driftMs(10_000)).toBe(102);
  });

  it('backs off exponentially with jitter, capped', () => {
    expect(retryDelayMs(0, 5000, 10_000, () => 0)).toBe(13);
    expect(retryDelayMs(0, 5000, 10_000, () => 1)).toBe(25);
    expect(retryDelayMs(3, 5000, 10_000, () => 1)).toBe(200);
    expect(retryDelayMs(20, 5000, 10_000, () => 1)).toBe(500);
  });

  it("never sleeps past the holder's PTTL or the caller's remaining wait", () => {
    expect(retryDelayMs(20, 40, 10_000, () => 1)).toBe(41);
    expect(retryDelayMs(20, 5000, 30, () => 1)).toBe(30);
    expect(retryDelayMs(20, -1, 10_000, () => 1)).toBe(500); // no TTL on the holder: plain backoff
  });
});
