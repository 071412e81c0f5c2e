/**
 * kafkajs 2.2.4 (its latest release) re-arms a timer on every broker connection after each check of its request
 * queue, whether anything is pending or not, with a delay computed from an unset throttle: hugely negative, so
 * Node runs it after 1 ms and, since Node 24, prints a TimeoutNegativeWarning at start. The result is an endless
 * 1 ms wake-up loop per connection (tulios/kafkajs#1704, #1751; fixes proposed upstream, never released).
 *
 * This replaces that one method with the upstream proposal's logic: with nothing pending and no throttle in
 * force, nothing is scheduled. Nothing is lost: a request that has to wait is pushed through `push`, which
 * schedules the check again, and every fulfilled request checks the queue.
 */

const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10; // kafkajs' own constant

interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const FIXED = Symbol.for('cpq.kafkajs.idle-queue-fix');

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  let delayMs = this.throttledUntil - Date.now();
  if (this.pending.length > 0) delayMs = delayMs > 0 ? delayMs : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (delayMs <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delayMs);
}

/** Applies the fix once per process; returns false when kafkajs no longer has the method (then it changed: look). */
export function fixKafkajsIdleQueue(): boolean {
  let RequestQueue: { prototype: RequestQueueInternals & { [FIXED]?: true } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    RequestQueue = require('kafkajs/src/network/requestQueue');
  } catch {
    return false;
  }
  const prototype = RequestQueue.prototype;
  if (typeof prototype?.scheduleCheckPendingRequests !== 'function') return false;
  if (prototype[FIXED]) return true;
  prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  prototype[FIXED] = true;
  return true;
}
