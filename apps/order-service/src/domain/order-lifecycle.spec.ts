import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES } from './order';
import { allowedSourcesOf, canTransition, TRANSITION_TARGETS } from './order-lifecycle';

describe('order lifecycle', () => {
  it('allows exactly the contract pairs', () => {
    const allowed = ORDER_STATUSES.flatMap((from) =>
      ORDER_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}>${to}`),
    );
    expect(allowed.sort()).toEqual(
      ['CAPTURED>CANCELLED', 'CAPTURED>SUBMITTED', 'SUBMITTED>CANCELLED', 'SUBMITTED>FULFILLED'].sort(),
    );
  });

  it('the SQL guard of each target lists the statuses it starts from', () => {
    for (const to of TRANSITION_TARGETS) {
      expect([...allowedSourcesOf(to)].sort()).toEqual(
        ORDER_STATUSES.filter((from) => canTransition(from, to)).sort(),
      );
    }
  });
});
