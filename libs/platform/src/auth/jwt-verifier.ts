import { createSecretKey, type KeyObject } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { CodedError } from '../errors/coded-error';
import { TENANT_ID_PATTERN, type Principal } from './principal';

export const JWT_VERIFIER = Symbol('JWT_VERIFIER');

/** Why a token was refused; the 401 detail says this much and no more. */
export class InvalidTokenError extends CodedError {
  readonly code = 'PLATFORM_INVALID_TOKEN';

  constructor(
    readonly reason: 'expired' | 'invalid' | 'claims',
    options?: { cause?: unknown },
  ) {
    super(`bearer token ${reason === 'claims' ? 'claims are invalid' : `is ${reason}`}`, { reason }, options);
  }
}

/** The port the auth guard needs; HS256 today, RS256/JWKS can implement it later. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
  /** The principal of a token verified before and not expired yet, without waiting; else `undefined`. */
  cached?(token: string): Principal | undefined;
}

/** Verified tokens remembered at most; the cache is dropped whole when full (tokens are short-lived). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Verifies HS256 bearer tokens with claims `sub`, `tenant_id`, `roles`, `exp`. The key is imported once, and a
 * verified token's principal is remembered until the token's own `exp`: a client sends the same token on every
 * request, and verifying it anew (an HMAC job on the thread pool) cost about 30 % of a cached read.
 */
export class Hs256TokenVerifier implements TokenVerifier {
  private readonly key: KeyObject;
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  cached(token: string): Principal | undefined {
    const known = this.verified.get(token);
    if (known === undefined) return undefined;
    if (Date.now() < known.expiresAtMs) return known.principal;
    this.verified.delete(token);
    return undefined;
  }

  async verify(token: string): Promise<Principal> {
    const known = this.cached(token);
    if (known !== undefined) return known;
    const { principal, expiresAtMs } = await this.verifyNow(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
    this.verified.set(token, { principal, expiresAtMs });
    return principal;
  }

  private async verifyNow(token: string): Promise<{ principal: Principal; expiresAtMs: number }> {
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      throw new InvalidTokenError(error instanceof errors.JWTExpired ? 'expired' : 'invalid', {
        cause: error,
      });
    }
    const { sub, tenant_id: tenantId, roles, azp } = payload;
    if (
      typeof sub !== 'string' ||
      sub.length === 0 ||
      typeof tenantId !== 'string' ||
      !TENANT_ID_PATTERN.test(tenantId) ||
      !Array.isArray(roles) ||
      !roles.every((role) => typeof role === 'string') ||
      (azp !== undefined && (typeof azp !== 'string' || azp.length === 0))
    ) {
      throw new InvalidTokenError('claims');
    }
    return {
      principal: { sub, tenantId, roles: roles as string[], ...(azp === undefined ? {} : { azp }) },
      expiresAtMs: (payload.exp as number) * 1000,
    };
  }
}

export interface DevTokenInput {
  secret: string;
  tenantId: string;
  sub: string;
  roles: string[];
  /** The `azp` claim (the client the token was issued to). @default none */
  azp?: string;
  /** @default 3600 */
  ttlSeconds?: number;
}

/** Signs a token the verifier accepts: for the token CLI and tests. */
export async function signDevToken(input: DevTokenInput): Promise<string> {
  const claims = { tenant_id: input.tenantId, roles: input.roles, ...(input.azp ? { azp: input.azp } : {}) };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (input.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(input.secret));
}
