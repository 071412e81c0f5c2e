import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';

/** Rejection reason of a command that outlived its budget; `RedisConnection` maps it to `RedisTimeoutError`. */
export class DeadlineExceeded extends Error {
  constructor() {
    super('Redis command timed out');
  }
}

/** A connection that has owed a reply this long (or ten budgets) without any arriving is dropped and reopened. */
const STUCK_AFTER_MIN_MS = 1000;

interface SweptCommand {
  /** Set by ioredis when a reply resolves the command; a rejection leaves it false. */
  isResolved: boolean;
  reject(error: Error): void;
}

interface CommandQueue {
  readonly length: number;
  peekAt(index: number): { command: SweptCommand } | undefined;
}

/** A command with a budget other than the connection's (a key family's or a caller's), swept on its own. */
interface OwnDeadline {
  readonly command: SweptCommand;
  readonly deadline: number;
}

/** A command the sweep is done with, and where it last stood in the queue (found again by identity). */
interface Bookmark {
  command: object | undefined;
  index: number;
}

/**
 * Command timeouts without a timer per command. ioredis' `commandTimeout` arms a `setTimeout` for every command,
 * which cost about a quarter of the throughput of a cached GET here, and wrapping each command in a promise kept
 * in a deadline list cost as much again (the list keeps every in-flight closure alive past the young-generation
 * GC). Instead, one interval walks the client's own queue of commands awaiting a reply: it stamps the ones it
 * has not seen, and rejects, once, those seen more than the budget ago. The reply, if it ever comes, then finds
 * the command already settled, exactly as with ioredis' own timeout. A command is rejected between one budget
 * and one budget plus two sweep intervals (a quarter of the smallest budget each) after it was sent.
 *
 * Commands with a budget of their own (`ownBudget`: a key family declaring another budget than the workload's,
 * INFO for the metrics scrape) wait in a FIFO per budget with their deadline, and the queue walk steps over them.
 * The walk resumes after the last command it finished, so a stall costs each sweep only the commands sent since
 * the last one, however many stale ones wait for the socket to close.
 *
 * A budget bounds the wait for Redis, not this process's own delays: when the process was busy past a budget (a
 * long handler, a CPU taken by other processes), the reply may be waiting in the socket, and the timers phase the
 * sweep runs in comes before the I/O that would read it. So a sweep that finds a command overdue (or the connection
 * stuck) acts only after one pass of I/O (`setImmediate`), on the commands still unanswered then.
 */
export class CommandDeadlineSweeper {
  /** When the sweep first saw a command of the connection's budget, or the deadline of one with its own. */
  private readonly seen = new WeakMap<object, number | OwnDeadline>();
  /** Commands with their own budget, one FIFO per budget: deadlines come in order within each. */
  private readonly ownDeadlines = new Map<number, OwnDeadline[]>();
  /** The newest command stamped, and the last one the rejecting walk is done with. */
  private readonly stamped: Bookmark = { command: undefined, index: -1 };
  private readonly walked: Bookmark = { command: undefined, index: -1 };
  /** The oldest command awaiting a reply, and since when the sweep has seen it there. */
  private head: object | undefined;
  private headSince = 0;
  /** The head when the connection was last dropped (ioredis fails it once the socket closes). */
  private dropRequestedFor: object | undefined;
  private readonly stuckAfterMs: number;
  private intervalMs: number;
  private timer: NodeJS.Timeout;
  private closed = false;
  /** A sweep found something overdue; it is enforced once the pending I/O has been read. */
  private enforcing = false;

  constructor(
    private readonly client: Redis,
    private readonly budgetMs: number,
  ) {
    this.stuckAfterMs = Math.max(STUCK_AFTER_MIN_MS, budgetMs * 10);
    this.intervalMs = CommandDeadlineSweeper.intervalFor(budgetMs);
    this.timer = this.arm();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  /** The client's queue length now: pass it to `ownBudget` after sending the commands it should cover. */
  mark(): number {
    return this.queue()?.length ?? 0;
  }

  /**
   * Gives the commands queued since `mark` a budget of their own, counted from `sentAt`. Only commands sent
   * synchronously between the two calls are covered; one that was refused at once (not connected) was never
   * queued and needs none.
   */
  ownBudget(mark: number, budgetMs: number, sentAt: number): void {
    const queue = this.queue();
    if (!queue) return;
    let pending = this.ownDeadlines.get(budgetMs);
    if (!pending) {
      pending = [];
      this.ownDeadlines.set(budgetMs, pending);
      const intervalMs = CommandDeadlineSweeper.intervalFor(budgetMs);
      if (intervalMs < this.intervalMs && !this.closed) {
        this.intervalMs = intervalMs;
        clearInterval(this.timer);
        this.timer = this.arm();
      }
    }
    for (let i = mark; i < queue.length; i++) {
      const command = queue.peekAt(i)?.command;
      if (!command) continue;
      const own = { command, deadline: sentAt + budgetMs };
      this.seen.set(command, own);
      pending.push(own);
    }
  }

  private static intervalFor(budgetMs: number): number {
    return Math.max(1, Math.floor(budgetMs / 4));
  }

  private arm(): NodeJS.Timeout {
    return setInterval(() => this.sweep(), this.intervalMs).unref();
  }

  private queue(): CommandQueue | undefined {
    return (this.client as unknown as { commandQueue?: CommandQueue }).commandQueue;
  }

  private sweep(): void {
    const now = performance.now();
    const queue = this.queue();
    if (!queue || queue.length === 0) this.head = undefined;
    else {
      this.stamp(queue, now);
      this.trackHead(queue, now);
    }
    if (this.enforcing || !this.due(queue, now)) return;
    this.enforcing = true;
    setImmediate(() => {
      this.enforcing = false;
      if (this.closed) return;
      // First, so that a command with a short budget of its own fails before an older one with a longer budget.
      this.rejectOwnDeadlines(now);
      const current = this.queue();
      if (!current || current.length === 0) return;
      this.dropIfStuck(current, now);
      this.rejectOverdue(current, now);
    });
  }

  /** Whether, as of `now`, a command has outlived its budget or the connection looks stuck. */
  private due(queue: CommandQueue | undefined, now: number): boolean {
    for (const pending of this.ownDeadlines.values()) {
      for (const { command, deadline } of pending) {
        if (command.isResolved) continue;
        if (now >= deadline) return true;
        break;
      }
    }
    if (!queue || queue.length === 0) return false;
    if (now - this.headSince >= this.stuckAfterMs && this.dropRequestedFor !== this.head) return true;
    for (let i = indexOf(queue, this.walked) + 1; i < queue.length; i++) {
      const seen = this.seen.get(queue.peekAt(i)?.command ?? {});
      if (typeof seen === 'number') return now - seen >= this.budgetMs;
      if (seen === undefined) return false;
    }
    return false;
  }

  private stamp(queue: CommandQueue, now: number): void {
    for (let i = indexOf(queue, this.stamped) + 1; i < queue.length; i++) {
      const command = queue.peekAt(i)?.command;
      if (command && !this.seen.has(command)) this.seen.set(command, now);
    }
    this.stamped.index = queue.length - 1;
    this.stamped.command = queue.peekAt(this.stamped.index)?.command;
  }

  /** The oldest command awaiting a reply, and since when the sweep has seen it there. */
  private trackHead(queue: CommandQueue, now: number): void {
    const head = queue.peekAt(0)?.command;
    if (head === this.head) return;
    this.head = head;
    this.headSince = now;
  }

  /**
   * A hung server (or a half-open socket) keeps the connection "ready" while nothing comes back: when the oldest
   * command has waited `stuckAfterMs` without any reply arriving, drop the socket. ioredis then fails everything
   * queued on it and reconnects with its backoff. The budgets stay enforced meanwhile: closing a socket whose
   * peer is hung takes ioredis' `disconnectTimeout` (2 s).
   */
  private dropIfStuck(queue: CommandQueue, now: number): void {
    const head = queue.peekAt(0)?.command;
    // a reply read since the sweep moved the head: not stuck
    if (head !== this.head) return;
    // Once per stuck command: every further request meanwhile would add a timer and a close listener to it.
    if (now - this.headSince < this.stuckAfterMs || this.dropRequestedFor === head) return;
    this.dropRequestedFor = head;
    this.client.disconnect(true);
  }

  /** Oldest first: Redis answers in order, so once a command is young enough, the ones after it are too. */
  private rejectOverdue(queue: CommandQueue, now: number): void {
    for (let i = indexOf(queue, this.walked) + 1; i < queue.length; i++) {
      const command = queue.peekAt(i)?.command;
      if (!command) break;
      const seen = this.seen.get(command);
      if (typeof seen === 'number' || seen === undefined) {
        if (seen === undefined || now - seen < this.budgetMs) break;
        if (!command.isResolved) command.reject(new DeadlineExceeded());
      }
      // a command with its own budget is swept from its FIFO: the walk steps over it
      this.walked.command = command;
      this.walked.index = i;
    }
  }

  private rejectOwnDeadlines(now: number): void {
    for (const pending of this.ownDeadlines.values()) {
      let done = 0;
      for (; done < pending.length; done++) {
        const { command, deadline } = pending[done]!;
        if (command.isResolved) continue;
        if (now < deadline) break;
        command.reject(new DeadlineExceeded());
      }
      if (done > 0) pending.splice(0, done);
    }
  }
}

/**
 * Where a bookmarked command stands now, or -1 once it has left the queue (and with it, the queue being a
 * FIFO, everything before it; the bookmark is then cleared). Replies only remove commands from the front, so
 * it can only have moved towards it.
 */
function indexOf(queue: CommandQueue, mark: Bookmark): number {
  if (mark.command === undefined) return -1;
  for (let i = Math.min(mark.index, queue.length - 1); i >= 0; i--) {
    if (queue.peekAt(i)?.command === mark.command) return (mark.index = i);
  }
  mark.command = undefined;
  return -1;
}
