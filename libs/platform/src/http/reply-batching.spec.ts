import { describe, expect, it } from 'vitest';
import { ReplyBatching } from './reply-batching';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ReplyBatching', () => {
  it('holds a reply ready in its request turn until that turn ends', async () => {
    const batching = new ReplyBatching();
    const turn = batching.begin();
    let sent = false;
    batching.defer(turn, () => (sent = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(sent).toBe(false); // microtasks alone do not release it
    await nextTurn();
    expect(sent).toBe(true);
  });

  it('sends a reply at once when its request turn is over (it waited for I/O)', async () => {
    const batching = new ReplyBatching();
    const turn = batching.begin();
    await nextTurn();
    let sent = false;
    batching.defer(turn, () => (sent = true));
    expect(sent).toBe(true);
  });

  it('sends every reply of one turn together, in order, and a later turn gets its own barrier', async () => {
    const batching = new ReplyBatching();
    const turns = [batching.begin(), batching.begin(), batching.begin()];
    expect(new Set(turns).size).toBe(1);
    const order: string[] = [];
    turns.forEach((turn, i) => batching.defer(turn, () => order.push(`reply ${i}`)));
    setImmediate(() => order.push('other immediate'));
    await nextTurn();
    // one barrier scheduled at the first begin(): all three replies leave before later-scheduled work
    expect(order).toEqual(['reply 0', 'reply 1', 'reply 2', 'other immediate']);
    const later = batching.begin();
    expect(later).toBe(turns[0]! + 1);
    batching.defer(later, () => order.push('reply 3'));
    expect(order).toHaveLength(4); // held for its own turn
    await nextTurn();
    expect(order.at(-1)).toBe('reply 3');
  });
});
