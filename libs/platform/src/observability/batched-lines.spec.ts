import { describe, expect, it } from 'vitest';
import { BatchedLines, type LineSink } from './batched-lines';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class RecordingSink implements LineSink {
  readonly writes: string[] = [];
  syncFlushes = 0;
  write(chunk: string): boolean {
    this.writes.push(chunk);
    return true;
  }
  flushSync(): void {
    this.syncFlushes++;
  }
}

describe('BatchedLines', () => {
  it('hands the lines written within one interval to the sink as one chunk, in order, when it ends', async () => {
    const sink = new RecordingSink();
    const lines = new BatchedLines(sink, 20);
    lines.write('{"n":1}\n');
    await nextTurn();
    lines.write('{"n":2}\n');
    await nextTurn();
    lines.write('{"n":3}\n');
    expect(sink.writes).toEqual([]);
    await sleep(40);
    expect(sink.writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
  });

  it('starts a new chunk for the next interval', async () => {
    const sink = new RecordingSink();
    const lines = new BatchedLines(sink, 20);
    lines.write('a\n');
    await sleep(40);
    lines.write('b\n');
    await sleep(40);
    expect(sink.writes).toEqual(['a\n', 'b\n']);
  });

  it('flushSync hands over the pending lines at once and flushes the sink', async () => {
    const sink = new RecordingSink();
    const lines = new BatchedLines(sink, 20);
    lines.write('last words\n');
    lines.flushSync();
    expect(sink.writes).toEqual(['last words\n']);
    expect(sink.syncFlushes).toBe(1);
    await nextTurn();
    expect(sink.writes).toEqual(['last words\n']); // nothing written twice
  });

  it('after end, passes every line straight to the sink (nothing waits for a timer before process.exit)', () => {
    const sink = new RecordingSink();
    const lines = new BatchedLines(sink, 20);
    lines.write('draining\n');
    lines.end();
    expect(sink.writes).toEqual(['draining\n']);
    lines.write('stopped\n');
    expect(sink.writes).toEqual(['draining\n', 'stopped\n']);
  });
});
