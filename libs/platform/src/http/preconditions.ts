import { ProblemError, ProblemType } from './problem';

/**
 * Optimistic concurrency over HTTP, as the contract uses it (config sessions, order transitions): a resource's
 * version is its entity tag, `"<version>"`, and a write must name the version it was made against in `If-Match`.
 */

/** The `ETag` value of a version: a strong tag holding the number. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

const STRONG_VERSION_TAG = /^"([1-9][0-9]{0,15})"$/;
const WEAK_TAG = /^W\/"[^"]*"$/;

/**
 * The version an `If-Match` header names. Missing (or `*`, which would make the write unconditional) → 428;
 * a weak tag can never match under the strong comparison `If-Match` requires → 412; anything else that is not
 * exactly one strong tag holding a positive integer → 400.
 */
export function ifMatchVersion(header: string | string[] | undefined): number {
  const value = (Array.isArray(header) ? header.join(',') : header)?.trim();
  if (!value || value === '*') {
    throw new ProblemError({
      type: ProblemType.preconditionRequired,
      title: 'Precondition Required',
      status: 428,
      detail: 'Send If-Match: "<version>" with the version this change was made against (the ETag you read).',
    });
  }
  const match = STRONG_VERSION_TAG.exec(value);
  if (match) {
    const version = Number(match[1]);
    if (Number.isSafeInteger(version)) return version;
  }
  if (WEAK_TAG.test(value))
    throw staleVersion('A weak entity tag never matches: send the strong ETag you read.');
  throw ProblemError.validation('The If-Match header is invalid.', [
    { in: 'headers', pointer: '/if-match', message: 'expected exactly one entity tag "<version>", e.g. "3"' },
  ]);
}

/** 412: the resource is no longer at the version the client named. */
export function staleVersion(
  detail = 'The resource changed since you read it: read it again and retry.',
): ProblemError {
  return new ProblemError({
    type: ProblemType.preconditionFailed,
    title: 'Precondition Failed',
    status: 412,
    detail,
  });
}
