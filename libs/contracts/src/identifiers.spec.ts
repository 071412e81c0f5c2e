import { describe, expect, it } from 'vitest';
import { offerIdSchema, tenantIdSchema } from './identifiers';

describe('tenantIdSchema', () => {
  it('accepts lowercase ids of 1..63 characters starting with a letter or digit', () => {
    for (const id of ['a', '0', 'acme', 'acme_eu-1', `a${'b'.repeat(62)}`])
      expect(tenantIdSchema.safeParse(id).success, id).toBe(true);
  });

  it('rejects uppercase, leading separators, other characters and ids over 63 characters', () => {
    for (const id of ['', 'Acme', '-acme', '_acme', 'ac:me', 'ac me', `a${'b'.repeat(63)}`])
      expect(tenantIdSchema.safeParse(id).success, id).toBe(false);
  });
});

describe('offerIdSchema', () => {
  it('accepts up to 64 characters, one more than a tenant id', () => {
    expect(offerIdSchema.safeParse(`a${'b'.repeat(63)}`).success).toBe(true);
    expect(offerIdSchema.safeParse(`a${'b'.repeat(64)}`).success).toBe(false);
    expect(offerIdSchema.safeParse('Fiber-1G').success).toBe(false);
  });
});
