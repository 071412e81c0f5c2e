import { describe, expect, it } from 'vitest';
import { DomainError } from './domain-error';

abstract class ShopError extends DomainError {}

class BasketEmptyError extends ShopError {
  readonly code = 'SHOP_BASKET_EMPTY';
  constructor(
    readonly basketId: string,
    options?: ErrorOptions,
  ) {
    super(`basket ${basketId} is empty`, options);
  }
}

describe('DomainError', () => {
  it('names the error after its class and keeps its code, context and cause', () => {
    const cause = new Error('lower layer');
    const error = new BasketEmptyError('b1', { cause });
    expect(error).toBeInstanceOf(ShopError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'BasketEmptyError',
      code: 'SHOP_BASKET_EMPTY',
      basketId: 'b1',
      cause,
    });
    expect(error.message).toBe('basket b1 is empty');
  });
});
