import { ProblemType, registerProblemMapping, type ProblemInit } from '@cpq/platform';
import {
  CatalogVersionNotFoundError,
  InvalidCatalogError,
  NoCatalogPublishedError,
  OfferNotFoundError,
} from '../domain/catalog.errors';

const notFound = (title: string, detail: string): ProblemInit => ({
  type: ProblemType.notFound,
  title,
  status: 404,
  detail,
});

/** How catalog domain errors look at the HTTP edge (the one place that knows). */
export function registerCatalogProblems(): void {
  registerProblemMapping(InvalidCatalogError, (error) => ({
    type: ProblemType.validation,
    title: 'Invalid catalog',
    status: 400,
    detail: error.message,
    errors: error.violations.map((v) => ({ in: 'body', pointer: v.pointer, message: v.message })),
  }));
  registerProblemMapping(NoCatalogPublishedError, (error) => notFound('No catalog published', error.message));
  registerProblemMapping(CatalogVersionNotFoundError, (error) =>
    notFound('Catalog version not found', error.message),
  );
  registerProblemMapping(OfferNotFoundError, (error) => notFound('Offer not found', error.message));
}
