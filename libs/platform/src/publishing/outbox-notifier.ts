/** Wakes the outbox relay right after a commit, so the event leaves without waiting for the next poll (`OutboxRelay`). */
export interface OutboxNotifier {
  notify(): void;
}
