import { LeaseContendedError, RedisTimeoutError, RedisUnavailableError } from '../errors';
import type { LeaseManager, LeaseResource, LeaseWork, WithLeaseOptions } from './lease-manager';

/**
 * `withLease` for optional work that one instance should do (pre-warm, a cache rebuild): the work's result, or
 * `undefined` when another holder has the lease or Redis cannot grant one. Errors of the work itself propagate.
 */
export async function tryWithLease<T>(
  leases: LeaseManager,
  resource: LeaseResource,
  options: WithLeaseOptions,
  work: LeaseWork<T>,
): Promise<T | undefined> {
  let started = false;
  try {
    return await leases.withLease(resource, options, (lease, signal) => {
      started = true;
      return work(lease, signal);
    });
  } catch (error) {
    const notGranted =
      error instanceof LeaseContendedError ||
      error instanceof RedisUnavailableError ||
      error instanceof RedisTimeoutError;
    if (!started && notGranted) return undefined;
    throw error;
  }
}
