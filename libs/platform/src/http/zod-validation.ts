import { Body, Param, Query, type PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ProblemError, type ProblemFieldError } from './problem';

export type RequestPart = 'body' | 'params' | 'query';

/** Metadata keys under which the validated schemas are kept for the OpenAPI document. */
export const ZOD_SCHEMAS = Symbol('ZOD_SCHEMAS');
export type ZodSchemasMetadata = Partial<Record<RequestPart, z.ZodType>>;

/**
 * Top-level objects reject unknown fields whether or not the schema says so; nested objects should be
 * `z.strictObject` themselves.
 */
export function strictSchema<S extends z.ZodType>(schema: S): S {
  if (schema instanceof z.ZodObject && !(schema._zod.def.catchall instanceof z.ZodNever)) {
    return schema.strict() as unknown as S;
  }
  return schema;
}

/** Validates one request part with zod; a failure is a 400 problem listing every field. */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  readonly schema: S;

  constructor(
    schema: S,
    private readonly part: RequestPart,
  ) {
    this.schema = strictSchema(schema);
  }

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    throw ProblemError.validation(
      `The request ${this.part === 'body' ? 'body' : this.part === 'params' ? 'path' : 'query'} is invalid.`,
      toFieldErrors(result.error, this.part),
    );
  }
}

export function toFieldErrors(error: z.ZodError, part: RequestPart): ProblemFieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        in: part,
        pointer: toPointer([...issue.path, key]),
        message: 'unknown field',
      }));
    }
    return [{ in: part, pointer: toPointer(issue.path), message: issue.message }];
  });
}

function toPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function partDecorator(part: RequestPart, schema: z.ZodType): ParameterDecorator {
  const pipe = new ZodValidationPipe(schema, part);
  const nestDecorator = part === 'body' ? Body(pipe) : part === 'params' ? Param(pipe) : Query(pipe);
  return (target, propertyKey, index) => {
    nestDecorator(target, propertyKey, index);
    if (propertyKey === undefined) return;
    const handler = (target as Record<PropertyKey, object>)[propertyKey];
    if (!handler) return;
    const existing = (Reflect.getMetadata(ZOD_SCHEMAS, handler) as ZodSchemasMetadata | undefined) ?? {};
    Reflect.defineMetadata(ZOD_SCHEMAS, { ...existing, [part]: pipe.schema }, handler);
  };
}

/** The validated JSON body; unknown fields → 400. */
export const ZodBody = (schema: z.ZodType): ParameterDecorator => partDecorator('body', schema);
/** The validated path parameters (all of them, as one object). */
export const ZodParams = (schema: z.ZodType): ParameterDecorator => partDecorator('params', schema);
/** The validated query string (values arrive as strings: use `z.coerce` for numbers). */
export const ZodQuery = (schema: z.ZodType): ParameterDecorator => partDecorator('query', schema);
