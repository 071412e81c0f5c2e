import { LuaScriptError } from '../errors';

/** Result codes of `acquireLease`, `extendLease` and `releaseLease` (the first element of each reply). */
export enum LeaseReplyCode {
  /** acquire: another holder has the lease. extend/release: the key is gone or holds another token. */
  Denied = 0,
  /** The lease was acquired, extended or released. */
  Ok = 1,
}

export type LeaseScript = 'acquireLease' | 'extendLease' | 'releaseLease';

export interface LeaseReply {
  readonly code: LeaseReplyCode;
  /** Redis's PTTL of the lease key after the script (-2 absent); 0 for `releaseLease`. */
  readonly pttlMs: number;
  /** Only `acquireLease` with `Ok`. */
  readonly fencingToken?: bigint;
}

/** Turns a lease script's raw reply into a typed one; anything unexpected is a `LuaScriptError`. */
export function decodeLeaseReply(script: LeaseScript, reply: unknown): LeaseReply {
  const fail = () => new LuaScriptError(`script ${script} returned an unexpected reply`, { script });
  if (!Array.isArray(reply) || (reply[0] !== LeaseReplyCode.Ok && reply[0] !== LeaseReplyCode.Denied))
    throw fail();
  const code = reply[0] as LeaseReplyCode;
  if (script === 'releaseLease') return { code, pttlMs: 0 };
  if (script === 'extendLease') {
    if (typeof reply[1] !== 'number') throw fail();
    return { code, pttlMs: reply[1] };
  }
  const [, fence, pttl] = reply as [number, unknown, unknown];
  if (typeof fence !== 'string' || !/^\d+$/.test(fence) || typeof pttl !== 'number') throw fail();
  return code === LeaseReplyCode.Ok
    ? { code, pttlMs: pttl, fencingToken: BigInt(fence) }
    : { code, pttlMs: pttl };
}
