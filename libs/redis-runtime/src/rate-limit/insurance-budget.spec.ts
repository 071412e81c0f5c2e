import { describe, expect, it } from 'vitest';
import { InsuranceBudget } from './insurance-budget';

function clock(start = 1_000_000) {
  const c = { now: start, fn: () => c.now };
  return c;
}

describe('InsuranceBudget', () => {
  it('allows the limit per window, then rejects until the window ends', () => {
    const c = clock();
    const budget = new InsuranceBudget({ now: c.fn });
    const claim = [{ id: 'a', limit: 2, windowMs: 1000 }];
    expect(budget.take(claim)[0]).toEqual({ allowed: true, remaining: 1, resetMs: 1000 });
    c.now += 400;
    expect(budget.take(claim)[0]).toEqual({ allowed: true, remaining: 0, resetMs: 600 });
    expect(budget.take(claim)[0]).toEqual({ allowed: false, remaining: 0, resetMs: 600 });
    c.now += 600;
    expect(budget.take(claim)[0]!.allowed).toBe(true);
  });

  it('consumes nothing from any claim when one of them has no room', () => {
    const budget = new InsuranceBudget({ now: clock().fn });
    const tenant = { id: 'tenant', limit: 10, windowMs: 1000 };
    const user = { id: 'user', limit: 1, windowMs: 1000 };
    budget.take([tenant, user]);
    const [t, u] = budget.take([tenant, user]);
    expect(u!.allowed).toBe(false);
    expect(t).toMatchObject({ allowed: true, remaining: 9 });
    expect(budget.take([tenant])[0]!.remaining).toBe(8);
  });

  it('keeps subjects apart and never tracks more than maxEntries', () => {
    const budget = new InsuranceBudget({ now: clock().fn, maxEntries: 3 });
    for (let i = 0; i < 10; i++)
      expect(budget.take([{ id: `u${i}`, limit: 1, windowMs: 1000 }])[0]!.allowed).toBe(true);
    expect(budget.size).toBe(3);
  });

  it('a limit of 0 rejects at once (fail closed without insurance)', () => {
    const budget = new InsuranceBudget({ now: clock().fn });
    expect(budget.take([{ id: 'a', limit: 0, windowMs: 1000 }])[0]).toMatchObject({
      allowed: false,
      remaining: 0,
    });
  });
});
