import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { Hs256TokenVerifier, InvalidTokenError, signDevToken } from './jwt-verifier';

const secret = 's'.repeat(40);
const verifier = new Hs256TokenVerifier(secret);

describe('Hs256TokenVerifier', () => {
  it('accepts a dev token and returns the principal', async () => {
    const token = await signDevToken({ secret, tenantId: 't1', sub: 'u1', roles: ['catalog:admin'] });
    expect(await verifier.verify(token)).toEqual({ sub: 'u1', tenantId: 't1', roles: ['catalog:admin'] });
  });

  it('carries the azp claim (the OAuth client) when the token has one, and refuses a non-string azp', async () => {
    const token = await signDevToken({ secret, tenantId: 't1', sub: 'u1', roles: [], azp: 'shop-frontend' });
    expect(await verifier.verify(token)).toEqual({
      sub: 'u1',
      tenantId: 't1',
      roles: [],
      azp: 'shop-frontend',
    });
    const bad = await new SignJWT({ tenant_id: 't1', roles: [], azp: 7 })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    await expect(verifier.verify(bad)).rejects.toMatchObject({ reason: 'claims' });
  });

  it('holds a verified token until its exp: cached() knows it only after verify()', async () => {
    const fresh = new Hs256TokenVerifier(secret);
    const token = await signDevToken({ secret, tenantId: 't1', sub: 'u2', roles: [] });
    expect(fresh.cached(token)).toBeUndefined();
    const principal = await fresh.verify(token);
    expect(fresh.cached(token)).toBe(principal);
    // exp is whole seconds: 2 s leaves at least 1 s to verify it, and it has passed 2.1 s later
    const shortLived = await signDevToken({ secret, tenantId: 't1', sub: 'u3', roles: [], ttlSeconds: 2 });
    await fresh.verify(shortLived);
    expect(fresh.cached(shortLived)).toBeDefined();
    await new Promise((r) => setTimeout(r, 2_100));
    expect(fresh.cached(shortLived)).toBeUndefined();
  });

  it('refuses expired tokens as expired', async () => {
    const token = await signDevToken({ secret, tenantId: 't1', sub: 'u1', roles: [], ttlSeconds: -10 });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'expired' });
  });

  it('refuses tokens without tenant_id, without exp or with another algorithm', async () => {
    const key = new TextEncoder().encode(secret);
    const noTenant = await new SignJWT({ roles: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .setExpirationTime('1h')
      .sign(key);
    const noExp = await new SignJWT({ tenant_id: 't1', roles: [] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u1')
      .sign(key);
    const hs512 = await new SignJWT({ tenant_id: 't1', roles: [] })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('u1')
      .setExpirationTime('1h')
      .sign(key);
    for (const token of [noTenant, noExp, hs512]) {
      await expect(verifier.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    }
  });
});
