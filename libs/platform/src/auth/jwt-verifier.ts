import { errors, jwtVerify, SignJWT } from 'jose';
import { TENANT_ID_PATTERN, type Principal } from './principal';

export const JWT_VERIFIER = Symbol('JWT_VERIFIER');

/** Why a token was refused; the 401 detail says this much and no more. */
export class InvalidTokenError extends Error {
  readonly code = 'PLATFORM_INVALID_TOKEN';

  constructor(
    readonly reason: 'expired' | 'invalid' | 'claims',
    options?: { cause?: unknown },
  ) {
    super(`bearer token ${reason === 'claims' ? 'claims are invalid' : `is ${reason}`}`, options);
    this.name = 'InvalidTokenError';
  }
}

/** The port the auth guard needs; HS256 today, RS256/JWKS can implement it later. */
export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/** Verifies HS256 bearer tokens with claims `sub`, `tenant_id`, `roles`, `exp`. */
export class Hs256TokenVerifier implements TokenVerifier {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async verify(token: string): Promise<Principal> {
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
    const { sub, tenant_id: tenantId, roles } = payload;
    if (
      typeof sub !== 'string' ||
      sub.length === 0 ||
      typeof tenantId !== 'string' ||
      !TENANT_ID_PATTERN.test(tenantId) ||
      !Array.isArray(roles) ||
      !roles.every((role) => typeof role === 'string')
    ) {
      throw new InvalidTokenError('claims');
    }
    return { sub, tenantId, roles: roles as string[] };
  }
}

export interface DevTokenInput {
  secret: string;
  tenantId: string;
  sub: string;
  roles: string[];
  /** @default 3600 */
  ttlSeconds?: number;
}

/** Signs a token the verifier accepts: for the token CLI and tests. */
export async function signDevToken(input: DevTokenInput): Promise<string> {
  return new SignJWT({ tenant_id: input.tenantId, roles: input.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (input.ttlSeconds ?? 3600))
    .sign(new TextEncoder().encode(input.secret));
}
