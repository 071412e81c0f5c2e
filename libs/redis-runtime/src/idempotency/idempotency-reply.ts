import { LuaScriptError } from '../errors';

/** Result codes of `beginIdempotency`, `completeIdempotency` and `abandonIdempotency`. */
export enum IdempotencyReplyCode {
  /** begin: the IN_FLIGHT marker was written. */
  Started = 1,
  /** begin: a readable record holds the key; its raw JSON follows. */
  Exists = 2,
  /** begin: an unreadable value held the key and was replaced by the marker. */
  ReplacedUnreadable = 3,
  /** complete: the COMPLETED record replaced this request's marker. */
  Stored = 4,
  /** complete/abandon: the record is already COMPLETED for this request; left as it is. */
  AlreadyCompleted = 5,
  /** complete/abandon: the key holds another request's record. */
  OtherRequest = 6,
  /** complete/abandon: nothing under the key. */
  NotFound = 7,
  /** complete/abandon: the value is unreadable (corrupt JSON, other schemaVersion). */
  Unreadable = 8,
  /** abandon: this request's IN_FLIGHT marker was deleted. */
  Abandoned = 9,
}

export type IdempotencyScript = 'beginIdempotency' | 'completeIdempotency' | 'abandonIdempotency';

const C = IdempotencyReplyCode;
const CODES: Record<IdempotencyScript, ReadonlySet<IdempotencyReplyCode>> = {
  beginIdempotency: new Set([C.Started, C.Exists, C.ReplacedUnreadable]),
  completeIdempotency: new Set([C.Stored, C.AlreadyCompleted, C.OtherRequest, C.NotFound, C.Unreadable]),
  abandonIdempotency: new Set([C.Abandoned, C.AlreadyCompleted, C.OtherRequest, C.NotFound, C.Unreadable]),
};

/** Turns a script's raw reply into its code (and the stored JSON for `Exists`); anything else is a `LuaScriptError`. */
export function decodeIdempotencyReply(
  script: IdempotencyScript,
  reply: unknown,
): { code: IdempotencyReplyCode; raw?: string } {
  const code = Array.isArray(reply) ? (reply[0] as IdempotencyReplyCode) : undefined;
  if (code === undefined || !CODES[script].has(code)) {
    throw new LuaScriptError(`script ${script} returned an unexpected reply`, { script });
  }
  if (code !== C.Exists) return { code };
  const raw = (reply as unknown[])[1];
  if (typeof raw !== 'string') throw new LuaScriptError(`script ${script} returned no record`, { script });
  return { code, raw };
}
