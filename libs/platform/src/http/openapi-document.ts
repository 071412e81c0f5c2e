import { Inject, Injectable, Optional, RequestMethod, type Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { z } from 'zod';
import { PUBLIC_ROUTE, REQUIRED_ROLES } from '../auth/auth.decorators';
import { TENANT_ID_PATTERN } from '../auth/principal';
import { API_OPERATION, type ApiOperationSpec } from './api-operation.decorator';
import { PROBLEM_CONTENT_TYPE } from './problem';
import { ZOD_SCHEMAS, type ZodSchemasMetadata } from './zod-validation';
import { documentedHandlerOf, type FastRoute } from './fast-route';

type JsonObject = Record<string, unknown>;

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

const PROBLEM_SCHEMA: JsonObject = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { in: { type: 'string' }, pointer: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

export const FAST_ROUTES = Symbol('FAST_ROUTES');

/** The "controller" of fast routes in the OpenAPI builder's eyes: carries no metadata of its own. */
class FastRoutes {}

/** Builds the OpenAPI 3.1 document from the routes carrying `@ApiOperation`. */
@Injectable()
export class OpenApiDocumentBuilder {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    @Optional() @Inject(FAST_ROUTES) private readonly fastRoutes: readonly FastRoute[] = [],
  ) {}

  build(info: OpenApiInfo): JsonObject {
    const paths: Record<string, JsonObject> = {};
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const spec = this.reflector.get<ApiOperationSpec | undefined>(API_OPERATION, handler);
        if (!spec) continue;
        const method = RequestMethod[Reflect.getMetadata('method', handler) as RequestMethod]?.toLowerCase();
        if (!method) continue;
        const path = toOpenApiPath(
          Reflect.getMetadata('path', controller),
          Reflect.getMetadata('path', handler),
        );
        paths[path] = { ...paths[path], [method]: this.operation(spec, handler, controller, path) };
      }
    }
    for (const route of this.fastRoutes) {
      const { handler, method, path } = documentedHandlerOf(route);
      paths[path] = { ...paths[path], [method]: this.operation(route.openapi, handler, FastRoutes, path) };
    }
    return {
      openapi: '3.1.0',
      info,
      paths,
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        schemas: { Problem: PROBLEM_SCHEMA },
      },
    };
  }

  private operation(spec: ApiOperationSpec, handler: object, controller: object, path: string): JsonObject {
    const targets = [handler, controller] as Type<unknown>[];
    const validated = (Reflect.getMetadata(ZOD_SCHEMAS, handler) as ZodSchemasMetadata | undefined) ?? {};
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true;
    const roles =
      spec.roles ?? this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, targets);
    const body = spec.body ?? validated.body;
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      const contentType =
        response.contentType ?? (Number(status) >= 400 ? PROBLEM_CONTENT_TYPE : 'application/json');
      responses[status] = {
        description: response.description,
        ...(response.headers && {
          headers: Object.fromEntries(
            Object.entries(response.headers).map(([name, description]) => [
              name,
              { description, schema: { type: 'string' } },
            ]),
          ),
        }),
        ...(response.schema && {
          content: { [contentType]: { schema: toSchema(response.schema, 'output') } },
        }),
      };
    }
    const problem = {
      content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
    };
    responses['400'] ??= { description: 'Invalid request', ...problem };
    if (!isPublic) {
      responses['401'] ??= { description: 'Missing, invalid or expired token', ...problem };
      responses['403'] ??= { description: 'Another tenant, or a missing role', ...problem };
    }
    return {
      summary: spec.summary,
      ...(spec.description && { description: spec.description }),
      ...(spec.operationId && { operationId: spec.operationId }),
      ...(spec.tags && { tags: spec.tags }),
      ...(roles?.length && { 'x-required-roles': roles }),
      security: isPublic ? [] : [{ bearerAuth: [] }],
      parameters: [
        ...pathParameters(path, spec.params ?? validated.params),
        ...objectParameters('query', spec.query ?? validated.query),
        ...Object.entries(spec.headers ?? {}).map(([name, header]) => ({
          name,
          in: 'header',
          required: header.required ?? false,
          description: header.description,
          schema: { type: 'string' },
        })),
      ],
      ...(body && {
        requestBody: {
          // a schema that accepts no body at all (`.optional()`) makes the body optional
          required: !body.safeParse(undefined).success,
          content: { 'application/json': { schema: toSchema(body, 'input') } },
        },
      }),
      responses,
    };
  }
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return json;
}

function pathParameters(path: string, schema: z.ZodType | undefined): JsonObject[] {
  const properties = schema
    ? ((toSchema(schema, 'input').properties as Record<string, JsonObject>) ?? {})
    : {};
  return [...path.matchAll(/\{([^}]+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema:
      properties[name!] ??
      (name === 'tenantId' ? { type: 'string', pattern: TENANT_ID_PATTERN.source } : { type: 'string' }),
  }));
}

function objectParameters(location: 'query', schema: z.ZodType | undefined): JsonObject[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries((json.properties as Record<string, JsonObject> | undefined) ?? {}).map(
    ([name, property]) => ({
      name,
      in: location,
      required: required.has(name),
      schema: property,
    }),
  );
}

function toOpenApiPath(controllerPath: unknown, handlerPath: unknown): string {
  const first = (value: unknown) => (Array.isArray(value) ? String(value[0] ?? '') : String(value ?? ''));
  const joined = `/${first(controllerPath)}/${first(handlerPath)}`
    .replace(/\/+/g, '/')
    .replace(/(.)\/$/, '$1');
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}
