import type { DomainViolation } from '../service/domain-error';
import { ProblemType, type ProblemInit } from './problem';

/** 400 listing every violation a domain error carries (`errors[]`, pointers into the body). */
export function violationsProblem(
  title: string,
  error: Error & { readonly violations: readonly DomainViolation[] },
): ProblemInit {
  return {
    type: ProblemType.validation,
    title,
    status: 400,
    detail: error.message,
    errors: error.violations.map((v) => ({ in: 'body', pointer: v.pointer, message: v.message })),
  };
}

/** 404 for a domain error naming what does not exist. */
export function notFoundProblem(title: string, error: Error): ProblemInit {
  return { type: ProblemType.notFound, title, status: 404, detail: error.message };
}
