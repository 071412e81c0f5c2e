import type { ApiResponseSpec } from './api-operation.decorator';

/**
 * The problem responses every authenticated route documents (`@ApiOperation` and fast routes alike): spread them
 * into `responses` next to the route's own, e.g. `{ 200: {...}, ...problemResponses, 404: {...} }`.
 */
export const problemResponses = {
  400: { description: 'Invalid request (problem+json)' },
  401: { description: 'Missing, invalid or expired token' },
  403: { description: 'Token of another tenant, or missing role' },
} as const satisfies Record<number, ApiResponseSpec>;
