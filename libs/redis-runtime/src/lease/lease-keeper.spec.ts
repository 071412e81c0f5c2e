import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseLostError } from '../errors';
import { keepLease } from './lease-keeper';
import type { Lease } from './lease-manager';

/** A lease whose validity the test controls: renewed by each successful extension, like HeldLease. */
function fakeLease(ttlMs: number) {
  let validUntil = Date.now() + ttlMs;
  const lease = {
    resource: { tenant: 't', id: 'r' },
    token: 'tok',
    fencingToken: 1n,
    ttlMs,
    get remainingMs() {
      return Math.max(0, validUntil - Date.now());
    },
    isValid: () => validUntil > Date.now(),
  } satisfies Lease;
  return { lease, renew: () => (validUntil = Date.now() + ttlMs) };
}

describe('keepLease', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('extends every interval and keeps the signal open while extensions succeed', async () => {
    const { lease, renew } = fakeLease(3000);
    const extend = vi.fn(async () => (renew(), true));
    const keeper = keepLease(lease, { everyMs: 1000, extend, onLost: vi.fn(), context: {} });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(extend).toHaveBeenCalledTimes(10);
    expect(keeper.signal.aborted).toBe(false);
    keeper.stop();
  });

  it('aborts with LeaseLostError at the first refused extension', async () => {
    const { lease } = fakeLease(3000);
    const onLost = vi.fn();
    const keeper = keepLease(lease, { everyMs: 1000, extend: async () => false, onLost, context: {} });
    await vi.advanceTimersByTimeAsync(1000);
    expect(keeper.signal.aborted).toBe(true);
    expect(keeper.signal.reason).toBeInstanceOf(LeaseLostError);
    expect(onLost).toHaveBeenCalledWith('taken-over');
  });

  it('retries failing extensions and aborts when the validity runs out', async () => {
    const { lease } = fakeLease(3000);
    const extend = vi.fn(async () => {
      throw new Error('redis down');
    });
    const onLost = vi.fn();
    const keeper = keepLease(lease, { everyMs: 1000, extend, onLost, context: {} });
    await vi.advanceTimersByTimeAsync(2999);
    expect(keeper.signal.aborted).toBe(false);
    expect(extend.mock.calls.length).toBeGreaterThan(2); // retried sooner than every 1000 ms
    await vi.advanceTimersByTimeAsync(1);
    expect(keeper.signal.aborted).toBe(true);
    expect(onLost).toHaveBeenCalledWith('expired');
  });

  it('does nothing after stop', async () => {
    const { lease } = fakeLease(3000);
    const extend = vi.fn(async () => false);
    const keeper = keepLease(lease, { everyMs: 1000, extend, onLost: vi.fn(), context: {} });
    keeper.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(extend).not.toHaveBeenCalled();
    expect(keeper.signal.aborted).toBe(false);
  });
});
