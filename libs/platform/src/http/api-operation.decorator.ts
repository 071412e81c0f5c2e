import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';

export const API_OPERATION = Symbol('API_OPERATION');

export interface ApiResponseSpec {
  description: string;
  /** The response body; omitted for empty responses. */
  schema?: z.ZodType;
  /** Response headers: name → description. */
  headers?: Record<string, string>;
  /** @default 'application/json' (`application/problem+json` for 4xx/5xx) */
  contentType?: string;
}

/** What the OpenAPI document says about one route; the zod schemas are the ones that validate it. */
export interface ApiOperationSpec {
  summary: string;
  description?: string;
  tags?: string[];
  operationId?: string;
  /** Path parameters; @default the schema given to `@ZodParams`. */
  params?: z.ZodType;
  /** @default the schema given to `@ZodQuery` */
  query?: z.ZodType;
  /** @default the schema given to `@ZodBody` */
  body?: z.ZodType;
  /** Request headers: name → { description, required }. */
  headers?: Record<string, { description: string; required?: boolean }>;
  responses: Record<number, ApiResponseSpec>;
  /** Documentation only: the roles `@RequireRoles` enforces. @default the roles of `@RequireRoles` */
  roles?: string[];
}

/** Documents a route in `/docs/openapi.json`. */
export const ApiOperation = (spec: ApiOperationSpec): MethodDecorator => SetMetadata(API_OPERATION, spec);
