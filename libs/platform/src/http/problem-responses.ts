import type { ApiResponseSpec } from './api-operation.decorator';

/**
 * The problem responses every authenticated route documents (`@ApiOperation` and fast routes alike): spread them
 * into `responses` next to the route's own, e.g. `{ 200: {...}, ...problemResponses, 404: {...} }`. A route whose
 * 503 has more causes lists its own after the spread.
 */
export const problemResponses = {
  400: { description: 'Invalid request (problem+json)' },
  401: { description: 'Missing, invalid or expired token' },
  403: { description: 'Token of another tenant, or missing role' },
  503: {
    description:
      'PostgreSQL unavailable (problem database-unavailable), or a write that lost to concurrent ones on every attempt (transaction-conflict); both with Retry-After',
  },
} as const satisfies Record<number, ApiResponseSpec>;
