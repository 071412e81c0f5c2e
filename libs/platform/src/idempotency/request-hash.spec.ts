import { describe, expect, it } from 'vitest';
import { requestHashOf } from './request-hash';

const order = { currency: 'EUR', lines: [{ offerId: 'a', quantity: 1 }], customerRef: 'c-1' };

describe('requestHashOf', () => {
  it('is the same for the same request, whatever the key order of its body', () => {
    const reordered = { lines: [{ quantity: 1, offerId: 'a' }], customerRef: 'c-1', currency: 'EUR' };
    const a = requestHashOf({ method: 'POST', path: '/v1/tenants/t1/orders', body: order });
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(requestHashOf({ method: 'post', path: '/v1/tenants/t1/orders', body: reordered })).toBe(a);
  });

  it('differs when the body, the path or the method differs (array order counts)', () => {
    const base = requestHashOf({ method: 'POST', path: '/v1/tenants/t1/orders', body: order });
    const variants = [
      { method: 'POST', path: '/v1/tenants/t1/orders', body: { ...order, currency: 'USD' } },
      { method: 'POST', path: '/v1/tenants/t2/orders', body: order },
      { method: 'PUT', path: '/v1/tenants/t1/orders', body: order },
      {
        method: 'POST',
        path: '/v1/tenants/t1/orders',
        body: { ...order, lines: [...order.lines, { offerId: 'b', quantity: 1 }] },
      },
      {
        method: 'POST',
        path: '/v1/tenants/t1/orders',
        body: { ...order, lines: [{ offerId: 'a', quantity: 2 }] },
      },
    ];
    const hashes = variants.map((v) => requestHashOf(v));
    expect(new Set([base, ...hashes]).size).toBe(variants.length + 1);
  });
});
