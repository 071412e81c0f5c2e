import { describe, expect, it } from 'vitest';
import { LuaScriptError } from '../errors';
import { decodeIdempotencyRecord, encodeIdempotencyRecord, responseOf } from './idempotency-record';
import { decodeIdempotencyReply, IdempotencyReplyCode } from './idempotency-reply';

const completed = {
  schemaVersion: 1,
  requestHash: 'sha256:abc',
  status: 'COMPLETED',
  httpStatus: 201,
  resourceId: 'ord_1',
  responseBody: { orderId: 'ord_1', orderNumber: 'SO-2026-000001' },
  createdAt: '2026-07-02T10:15:30.000Z',
} as const;

describe('idempotency record', () => {
  it('round-trips a completed record in the flat reference layout', () => {
    const raw = encodeIdempotencyRecord(completed);
    expect(JSON.parse(raw)).toEqual(completed);
    const decoded = decodeIdempotencyRecord(raw, 1)!;
    expect(responseOf(decoded)).toEqual({
      httpStatus: 201,
      resourceId: 'ord_1',
      responseBody: completed.responseBody,
    });
  });

  it.each([
    ['corrupt JSON', '{"schemaVersion":1,'],
    ['not an object', '"x"'],
    ['another schemaVersion', JSON.stringify({ ...completed, schemaVersion: 2 })],
    ['an unknown status', JSON.stringify({ ...completed, status: 'DONE' })],
    ['a completed record without httpStatus', JSON.stringify({ ...completed, httpStatus: undefined })],
    ['a record without requestHash', JSON.stringify({ ...completed, requestHash: 7 })],
  ])('reads %s as a miss', (_what, raw) => {
    expect(decodeIdempotencyRecord(raw, 1)).toBeUndefined();
  });
});

describe('decodeIdempotencyReply', () => {
  it('returns the stored record with Exists', () => {
    expect(decodeIdempotencyReply('beginIdempotency', [2, '{}'])).toEqual({
      code: IdempotencyReplyCode.Exists,
      raw: '{}',
    });
  });

  it('rejects a code that does not belong to the script', () => {
    expect(() => decodeIdempotencyReply('beginIdempotency', [IdempotencyReplyCode.Stored])).toThrow(
      LuaScriptError,
    );
    expect(() => decodeIdempotencyReply('abandonIdempotency', [IdempotencyReplyCode.Started])).toThrow(
      LuaScriptError,
    );
    expect(() => decodeIdempotencyReply('beginIdempotency', [2])).toThrow(LuaScriptError);
    expect(() => decodeIdempotencyReply('completeIdempotency', 'OK')).toThrow(LuaScriptError);
  });
});
