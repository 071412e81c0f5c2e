/**
 * Holds a reply that is ready within the event-loop turn its request was read in (answered from memory, e.g. a
 * near-cache hit) until that turn's poll phase is over, so the replies to every request read in one turn leave
 * together. Written one by one, each reply woke the waiting client separately: profiling a near-cache read at 50
 * connections showed its response write costing ~3x the same write made in a burst (23 vs 7-9 µs of the serving
 * process's CPU), more than everything the route itself does. A reply that waited for I/O is already in a later
 * turn, written in the burst of replies that I/O completed, and passes straight through.
 */
export class ReplyBatching {
  private turn = 0;
  private ending: Promise<void> | undefined;
  private endTurn: (() => void) | undefined;
  private readonly advance = () => {
    this.turn++;
    const endTurn = this.endTurn;
    this.ending = undefined;
    this.endTurn = undefined;
    endTurn?.();
  };

  /** The turn a request is read in; call when it starts. */
  begin(): number {
    if (this.ending === undefined) {
      this.ending = new Promise<void>((resolve) => (this.endTurn = resolve));
      setImmediate(this.advance);
    }
    return this.turn;
  }

  /** Resolves at once if the turn `started` is over, else when it ends (one timer for all its replies). */
  release(started: number): Promise<void> | undefined {
    return started === this.turn ? this.ending : undefined;
  }
}
