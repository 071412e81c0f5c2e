import { describe, expect, it } from 'vitest';
import { LuaScriptError } from '../errors';
import { decodeLeaseReply, LeaseReplyCode } from './lease-reply';

describe('decodeLeaseReply', () => {
  it('reads an acquired lease with its fencing token exactly, beyond 2^53', () => {
    expect(decodeLeaseReply('acquireLease', [1, '9007199254740993', 5000])).toEqual({
      code: LeaseReplyCode.Ok,
      pttlMs: 5000,
      fencingToken: 9007199254740993n,
    });
  });

  it("reads contention with the holder's PTTL", () => {
    expect(decodeLeaseReply('acquireLease', [0, '0', 1234])).toEqual({
      code: LeaseReplyCode.Denied,
      pttlMs: 1234,
    });
  });

  it('reads extend and release replies', () => {
    expect(decodeLeaseReply('extendLease', [1, 3000])).toEqual({ code: LeaseReplyCode.Ok, pttlMs: 3000 });
    expect(decodeLeaseReply('extendLease', [0, -2])).toEqual({ code: LeaseReplyCode.Denied, pttlMs: -2 });
    expect(decodeLeaseReply('releaseLease', [0])).toEqual({ code: LeaseReplyCode.Denied, pttlMs: 0 });
  });

  it.each([null, 'OK', [2], [1, 1.5e15, 10], [1, 'x', 10], ['1', '5', 10]])(
    'rejects the reply %j',
    (reply) => {
      expect(() => decodeLeaseReply('acquireLease', reply)).toThrow(LuaScriptError);
    },
  );
});
