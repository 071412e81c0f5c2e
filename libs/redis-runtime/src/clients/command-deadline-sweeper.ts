import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';

/** Rejection reason of a command that outlived its budget; `RedisConnection` maps it to `RedisTimeoutError`. */
export class DeadlineExceeded extends Error {
  constructor() {
    super('Redis command timed out');
  }
}

/** A connection whose oldest command has owed its reply this long (or ten budgets) is dropped and reopened. */
const STUCK_AFTER_MIN_MS = 1000;

interface QueuedCommand {
  command: { isResolved: boolean; reject(error: Error): void };
}

interface CommandQueue {
  readonly length: number;
  peekAt(index: number): QueuedCommand | undefined;
}

/**
 * Command timeouts without a timer per command. ioredis' `commandTimeout` arms a `setTimeout` for every command,
 * which cost about a quarter of the throughput of a cached GET here, and wrapping each command in a promise kept
 * in a deadline list cost as much again (the list keeps every in-flight closure alive past the young-generation
 * GC). Instead, one interval walks the client's own queue of commands awaiting a reply: it stamps the ones it
 * has not seen, and rejects those seen more than the budget ago. The reply, if it ever comes, then finds the
 * command already settled, exactly as with ioredis' own timeout. A command is rejected between one budget and one
 * budget plus two sweep intervals (a quarter budget each) after it was sent.
 */
export class CommandDeadlineSweeper {
  private readonly firstSeen = new WeakMap<object, number>();
  /** The oldest command when the connection was last dropped (ioredis fails it once the socket closes). */
  private dropRequestedFor: object | undefined;
  private readonly timer: NodeJS.Timeout;

  private readonly stuckAfterMs: number;

  constructor(
    private readonly client: Redis,
    private readonly budgetMs: number,
  ) {
    this.stuckAfterMs = Math.max(STUCK_AFTER_MIN_MS, budgetMs * 10);
    this.timer = setInterval(() => this.sweep(), Math.max(1, Math.floor(budgetMs / 4))).unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    const queue = (this.client as unknown as { commandQueue?: CommandQueue }).commandQueue;
    if (!queue || queue.length === 0) return;
    const now = performance.now();
    // Newest first, stopping at the first command already stamped: everything older was stamped before.
    for (let i = queue.length - 1; i >= 0; i--) {
      const command = queue.peekAt(i)?.command;
      if (!command || this.firstSeen.has(command)) break;
      this.firstSeen.set(command, now);
    }
    // A hung server (or a half-open socket) keeps the connection "ready" while nothing comes back: after a
    // while, drop it. ioredis then fails everything queued on it and reconnects with its backoff.
    const oldest = queue.peekAt(0)?.command;
    if (oldest && now - (this.firstSeen.get(oldest) ?? now) >= this.stuckAfterMs) {
      // Once per stuck command: the socket may take ioredis' disconnectTimeout to close, and every further
      // request meanwhile would add a timer and a close listener to it.
      if (this.dropRequestedFor !== oldest) {
        this.dropRequestedFor = oldest;
        this.client.disconnect(true);
      }
      return;
    }
    // Oldest first: Redis answers in order, so once one command is young enough, the rest are too.
    for (let i = 0; i < queue.length; i++) {
      const command = queue.peekAt(i)?.command;
      if (!command) break;
      if (command.isResolved) continue;
      const seen = this.firstSeen.get(command) ?? now;
      if (now - seen < this.budgetMs) break;
      command.reject(new DeadlineExceeded());
    }
  }
}
