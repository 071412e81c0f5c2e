import { describe, expect, it } from 'vitest';
import { ReplyBatching } from './reply-batching';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ReplyBatching', () => {
  it('holds a reply ready in its request turn until that turn ends', async () => {
    const batching = new ReplyBatching();
    const turn = batching.begin();
    const held = batching.release(turn);
    expect(held).toBeInstanceOf(Promise);
    let released = false;
    void held!.then(() => (released = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(released).toBe(false); // microtasks alone do not release it
    await nextTurn();
    expect(released).toBe(true);
  });

  it('passes a reply straight through once its request turn is over (it waited for I/O)', async () => {
    const batching = new ReplyBatching();
    const turn = batching.begin();
    await nextTurn();
    expect(batching.release(turn)).toBeUndefined();
  });

  it('releases every reply of one turn together, and a later turn gets its own barrier', async () => {
    const batching = new ReplyBatching();
    const turns = [batching.begin(), batching.begin(), batching.begin()];
    expect(new Set(turns).size).toBe(1);
    const order: string[] = [];
    const helds = turns.map((turn, i) => batching.release(turn)!.then(() => order.push(`reply ${i}`)));
    setImmediate(() => order.push('other immediate'));
    await Promise.all(helds);
    await nextTurn();
    // one barrier scheduled at the first begin(): all three replies leave before later-scheduled work
    expect(order).toEqual(['reply 0', 'reply 1', 'reply 2', 'other immediate']);
    const later = batching.begin();
    expect(later).toBe(turns[0]! + 1);
    expect(batching.release(later)).not.toBe(batching.release(turns[0]!));
  });
});
