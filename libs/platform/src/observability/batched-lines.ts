/** What the batch is handed to: pino's asynchronous stdout destination (sonic-boom) in production. */
export interface LineSink {
  write(chunk: string): boolean;
  flushSync(): void;
}

/**
 * Collects log lines and hands them to the sink as one string every `flushIntervalMs`. Each hand-over is a write
 * that sonic-boom sends through the libuv thread pool (waking a worker, then the event loop again when it is
 * done), and it measures the byte length of its whole pending buffer on every write. At one request line per
 * request that cost a near-cached read about 2 µs per line when handed over line by line, 1.5 µs when handed over
 * once per event-loop turn, and well under 1 µs every 10 ms. Lines wait at most that long; `flushSync` (process
 * exit) and `end` (server closed) hand over what is pending.
 */
export class BatchedLines implements LineSink {
  private pending: string[] = [];
  private ended = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly flush = () => {
    this.timer = undefined;
    const lines = this.pending;
    if (lines.length === 0) return;
    this.pending = [];
    this.sink.write(lines.length === 1 ? lines[0]! : lines.join(''));
  };

  constructor(
    private readonly sink: LineSink,
    private readonly flushIntervalMs = 10,
  ) {}

  write(line: string): boolean {
    if (this.ended) return this.sink.write(line);
    this.pending.push(line);
    if (this.timer === undefined) {
      this.timer = setTimeout(this.flush, this.flushIntervalMs);
      // A pending flush never keeps the process alive: exit and end() hand the lines over.
      this.timer.unref();
    }
    return true;
  }

  flushSync(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.flush();
    this.sink.flushSync();
  }

  /**
   * Hands over what is pending and passes every later line straight to the sink: lines logged after the server
   * closed (the last ones before `process.exit`) must not wait for a timer that may never fire. The sink's own exit
   * hook then writes them.
   */
  end(): void {
    this.ended = true;
    this.flushSync();
  }
}
