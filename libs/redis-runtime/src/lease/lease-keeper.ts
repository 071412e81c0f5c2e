import { LeaseLostError } from '../errors';
import type { Lease } from './lease-manager';

export interface LeaseKeeperOptions {
  everyMs: number;
  /** One extension; true when extended, false when the lease is no longer ours, throws when Redis failed. */
  extend: () => Promise<boolean>;
  /** Called once when the lease is lost, before the signal aborts. */
  onLost: (why: 'taken-over' | 'expired') => void;
  context: Record<string, unknown>;
}

/**
 * Keeps a lease alive while work runs: extends it every `everyMs`, and aborts the returned signal (reason:
 * `LeaseLostError`) when an extension is refused, or when failed extensions let the conservative validity run
 * out. A failed extension is retried sooner, since the lease may still be ours.
 */
export function keepLease(lease: Lease, options: LeaseKeeperOptions): { signal: AbortSignal; stop(): void } {
  const controller = new AbortController();
  let stopped = false;
  let tick: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;

  const stop = () => {
    stopped = true;
    clearTimeout(tick);
    clearTimeout(deadline);
  };
  const lose = (why: 'taken-over' | 'expired') => {
    if (stopped) return;
    stop();
    options.onLost(why);
    const message =
      why === 'expired' ? 'lease validity ran out before it could be extended' : 'lease was taken over';
    controller.abort(new LeaseLostError(message, { ...options.context, why }));
  };
  const armDeadline = () => {
    clearTimeout(deadline);
    deadline = setTimeout(() => lose('expired'), lease.remainingMs);
  };
  const schedule = (ms: number) => {
    tick = setTimeout(() => void extendOnce(), ms);
  };
  const extendOnce = async () => {
    let extended: boolean | undefined;
    try {
      extended = await options.extend();
    } catch {
      extended = undefined;
    }
    if (stopped) return;
    if (extended === false) return lose('taken-over');
    if (extended) armDeadline();
    schedule(extended ? options.everyMs : Math.max(10, Math.min(options.everyMs, lease.remainingMs / 3)));
  };

  armDeadline();
  schedule(options.everyMs);
  return { signal: controller.signal, stop };
}
