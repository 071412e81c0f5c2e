import { CONTRACT_ROUTES } from '@cpq/contracts';

/**
 * The business routes of a running service, read from its own `GET /docs/openapi.json` (generated from the zod
 * schemas that validate the requests), and the route tables of the contract, to compare them.
 */

/** The subset of JSON Schema the services' documents use (zod's `toJSONSchema`). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  default?: unknown;
}

export interface RouteParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: JsonSchema;
}

export interface DocumentedRoute {
  service: string;
  method: string;
  /** OpenAPI path syntax: `/v1/tenants/{tenantId}/catalog/offers/{offerId}`. */
  path: string;
  parameters: RouteParameter[];
  /** The JSON request body's schema, when the route takes one. */
  body: JsonSchema | undefined;
  /** Whether the body may be left out (`requestBody.required` false) or not. */
  bodyRequired: boolean;
  requiredRoles: string[];
  secured: boolean;
}

interface OpenApiOperation {
  parameters?: RouteParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
  'x-required-roles'?: string[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every route a service documents, `$ref`s resolved. */
export async function documentedRoutes(service: string, baseUrl: string): Promise<DocumentedRoute[]> {
  const response = await fetch(`${baseUrl}/docs/openapi.json`);
  if (response.status !== 200) throw new Error(`${service}: /docs/openapi.json answered ${response.status}`);
  const doc = (await response.json()) as OpenApiDocument;
  const resolve = (schema: JsonSchema | undefined): JsonSchema | undefined => resolveRefs(schema, doc);
  const routes: DocumentedRoute[] = [];
  for (const [routePath, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHODS.includes(method)) continue;
      routes.push({
        service,
        method: method.toUpperCase(),
        path: routePath,
        parameters: (operation.parameters ?? []).map((p) => ({ ...p, schema: resolve(p.schema) ?? {} })),
        body: resolve(operation.requestBody?.content?.['application/json']?.schema),
        bodyRequired: operation.requestBody?.required ?? false,
        requiredRoles: operation['x-required-roles'] ?? [],
        secured: (operation.security ?? []).length > 0,
      });
    }
  }
  return routes;
}

function resolveRefs(
  schema: JsonSchema | undefined,
  doc: OpenApiDocument,
  depth = 0,
): JsonSchema | undefined {
  if (schema === undefined || depth > 20) return schema;
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
    return resolveRefs(doc.components?.schemas?.[name], doc, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties' && value && typeof value === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [
          k,
          resolveRefs(v, doc, depth + 1),
        ]),
      );
    } else if (
      ['items', 'propertyNames'].includes(key) ||
      (key === 'additionalProperties' && typeof value === 'object')
    ) {
      out[key] = resolveRefs(value as JsonSchema, doc, depth + 1);
    } else if (['anyOf', 'oneOf', 'allOf'].includes(key)) {
      out[key] = (value as JsonSchema[]).map((v) => resolveRefs(v, doc, depth + 1));
    } else out[key] = value;
  }
  return out as JsonSchema;
}

/** `GET /v1/tenants/{}/catalog/offers/{}`: method and path with parameter names and the query dropped. */
export function routeShape(method: string, routePath: string): string {
  return `${method.toUpperCase()} ${routePath.replace(/\?.*$/, '').replace(/\{[^}]*\}/g, '{}')}`;
}

export interface ContractRoute {
  service: string;
  shape: string;
  /** As the contract's role column says it: a role name, `any`, `owner`, `any in tenant`. */
  role: string;
}

/** The contract's route tables, from their copy as data in `@cpq/contracts` (`CONTRACT_ROUTES`). */
export function contractRoutes(): ContractRoute[] {
  return CONTRACT_ROUTES.map((r) => ({ service: r.service, shape: routeShape(r.method, r.path), role: r.role }));
}

/** A role the contract names (`catalog:admin`), not `any`, `owner` or `any in tenant`. */
export function isNamedRole(role: string): boolean {
  return /^[a-z]+:[a-z]+$/.test(role);
}
