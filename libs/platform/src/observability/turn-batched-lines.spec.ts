import { describe, expect, it } from 'vitest';
import { TurnBatchedLines, type LineSink } from './turn-batched-lines';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

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

describe('TurnBatchedLines', () => {
  it('hands the lines of one turn to the sink as one chunk, in order, once the turn ends', async () => {
    const sink = new RecordingSink();
    const lines = new TurnBatchedLines(sink);
    lines.write('{"n":1}\n');
    lines.write('{"n":2}\n');
    lines.write('{"n":3}\n');
    await Promise.resolve();
    expect(sink.writes).toEqual([]);
    await nextTurn();
    expect(sink.writes).toEqual(['{"n":1}\n{"n":2}\n{"n":3}\n']);
  });

  it('starts a new chunk for the next turn', async () => {
    const sink = new RecordingSink();
    const lines = new TurnBatchedLines(sink);
    lines.write('a\n');
    await nextTurn();
    lines.write('b\n');
    await nextTurn();
    expect(sink.writes).toEqual(['a\n', 'b\n']);
  });

  it('flushSync hands over the pending lines at once and flushes the sink', async () => {
    const sink = new RecordingSink();
    const lines = new TurnBatchedLines(sink);
    lines.write('last words\n');
    lines.flushSync();
    expect(sink.writes).toEqual(['last words\n']);
    expect(sink.syncFlushes).toBe(1);
    await nextTurn();
    expect(sink.writes).toEqual(['last words\n']); // nothing written twice
  });

  it('after end, passes every line straight to the sink (nothing waits for a turn before process.exit)', () => {
    const sink = new RecordingSink();
    const lines = new TurnBatchedLines(sink);
    lines.write('draining\n');
    lines.end();
    expect(sink.writes).toEqual(['draining\n']);
    lines.write('stopped\n');
    expect(sink.writes).toEqual(['draining\n', 'stopped\n']);
  });
});
