import { REQUEST_ID_HEADER } from '@cpq/platform';
import { offerIdSchema } from '@cpq/contracts';
import { z } from 'zod';
import type { CallerContext, CatalogApi } from '../application/catalog-api';
import type { OfferLookup } from '../domain/selection-validation';

export interface HttpCatalogClientOptions {
  /** catalog-service's base URL, e.g. `http://127.0.0.1:3001`. */
  baseUrl: string;
  /** Budget of one call; past it the catalog counts as unavailable for this request. */
  timeoutMs: number;
}

/** What validation reads of an offer; the rest of the contract's Offer is ignored (and not cached). */
const offerRulesSchema = z.object({
  offerId: offerIdSchema,
  status: z.enum(['ACTIVE', 'RETIRED']),
  rules: z
    .object({
      requires: z.array(offerIdSchema).optional(),
      excludes: z.array(offerIdSchema).optional(),
      minQuantity: z.number().int().optional(),
      maxQuantity: z.number().int().optional(),
    })
    .optional(),
});

const currentSchema = z.object({ currentVersion: z.number().int().min(1) });

/**
 * catalog-service over HTTP, with the caller's `Authorization` and `X-Request-Id`. Anything but a clear answer (a
 * timeout, a refused connection, a 5xx, a 401/403 for a token that expired meanwhile, a malformed body) is
 * `unavailable`: never cached, never mistaken for "unknown".
 */
export class HttpCatalogClient implements CatalogApi {
  private readonly baseUrl: string;

  constructor(private readonly options: HttpCatalogClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async offer(
    tenantId: string,
    version: number,
    offerId: string,
    caller: CallerContext,
  ): Promise<OfferLookup> {
    const answer = await this.get(
      `/v1/tenants/${tenantId}/catalog/versions/${version}/offers/${offerId}`,
      caller,
    );
    if (answer?.status === 404) return { kind: 'unknown' };
    if (answer?.status !== 200) return { kind: 'unavailable' };
    const parsed = offerRulesSchema.safeParse(answer.body);
    if (!parsed.success || parsed.data.offerId !== offerId) return { kind: 'unavailable' };
    const { rules } = parsed.data;
    return {
      kind: 'found',
      offer: { offerId, status: parsed.data.status, ...(rules === undefined ? {} : { rules }) },
    };
  }

  async currentVersion(tenantId: string, caller: CallerContext): Promise<number | 'none' | 'unavailable'> {
    const answer = await this.get(`/v1/tenants/${tenantId}/catalog`, caller);
    if (answer?.status === 404) return 'none';
    if (answer?.status !== 200) return 'unavailable';
    const parsed = currentSchema.safeParse(answer.body);
    return parsed.success ? parsed.data.currentVersion : 'unavailable';
  }

  async versionExists(
    tenantId: string,
    version: number,
    caller: CallerContext,
  ): Promise<boolean | 'unavailable'> {
    const answer = await this.get(
      `/v1/tenants/${tenantId}/catalog/versions/${version}/offers?limit=1`,
      caller,
    );
    if (answer?.status === 404) return false;
    return answer?.status === 200 ? true : 'unavailable';
  }

  private async get(
    path: string,
    caller: CallerContext,
  ): Promise<{ status: number; body: unknown } | undefined> {
    try {
      const response = await fetch(this.baseUrl + path, {
        headers: {
          accept: 'application/json',
          authorization: caller.authorization,
          [REQUEST_ID_HEADER]: caller.requestId,
        },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      return { status: response.status, body };
    } catch {
      return undefined; // timeout, refused, reset: unavailable
    }
  }
}
