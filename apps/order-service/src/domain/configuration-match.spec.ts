import { describe, expect, it } from 'vitest';
import { linesMatchSelections } from './configuration-match';

const selections = [
  { offerId: 'a', quantity: 1 },
  { offerId: 'b', quantity: 2 },
];

describe('linesMatchSelections', () => {
  it('matches the same (offerId, quantity) pairs in any order', () => {
    expect(
      linesMatchSelections(
        [
          { offerId: 'b', quantity: 2 },
          { offerId: 'a', quantity: 1 },
        ],
        selections,
      ),
    ).toBe(true);
  });

  it.each([
    ['a missing line', [{ offerId: 'a', quantity: 1 }]],
    ['an extra line', [...selections, { offerId: 'c', quantity: 1 }]],
    [
      'another quantity',
      [
        { offerId: 'a', quantity: 1 },
        { offerId: 'b', quantity: 3 },
      ],
    ],
    [
      'a repeated line instead of another',
      [
        { offerId: 'a', quantity: 1 },
        { offerId: 'a', quantity: 1 },
      ],
    ],
    ['no lines', []],
  ])('does not match with %s', (_what, lines) => {
    expect(linesMatchSelections(lines, selections)).toBe(false);
  });
});
