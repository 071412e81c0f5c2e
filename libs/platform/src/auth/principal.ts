/** Who is calling: from a verified bearer token. */
export interface Principal {
  /** The user id (`sub`). Log it only as `hashForLog(sub)`. */
  sub: string;
  /** The `tenant_id` claim; equals the path tenant on every tenant route. */
  tenantId: string;
  roles: string[];
  /**
   * The OAuth client the token was issued to (`azp`), when the token names one: what per-client limits count
   * (order capture), falling back to `sub`.
   */
  azp?: string;
}

export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
