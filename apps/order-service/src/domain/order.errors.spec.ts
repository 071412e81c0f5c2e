import { describe, expect, it } from 'vitest';
import {
  ConfigurationMismatchError,
  ConfigurationNotFinalizedError,
  InvalidOrderCursorError,
  OrderAmountOutOfRangeError,
  OrderNotFoundError,
  OrderVersionStaleError,
  TransitionNotAllowedError,
} from './order.errors';

describe('order errors', () => {
  it('keep their stable codes (clients branch on them)', () => {
    expect(
      [
        new OrderNotFoundError('o'),
        new ConfigurationNotFinalizedError('c'),
        new ConfigurationMismatchError('c'),
        new OrderAmountOutOfRangeError('/lines', '1'),
        new TransitionNotAllowedError('FULFILLED', 'CANCELLED'),
        new OrderVersionStaleError(1, 2),
        new InvalidOrderCursorError(),
      ].map((e) => [e.name, e.code]),
    ).toEqual([
      ['OrderNotFoundError', 'ORDER_NOT_FOUND'],
      ['ConfigurationNotFinalizedError', 'ORDER_CONFIGURATION_NOT_FINALIZED'],
      ['ConfigurationMismatchError', 'ORDER_CONFIGURATION_MISMATCH'],
      ['OrderAmountOutOfRangeError', 'ORDER_AMOUNT_OUT_OF_RANGE'],
      ['TransitionNotAllowedError', 'ORDER_TRANSITION_NOT_ALLOWED'],
      ['OrderVersionStaleError', 'ORDER_VERSION_STALE'],
      ['InvalidOrderCursorError', 'ORDER_INVALID_CURSOR'],
    ]);
  });
});
