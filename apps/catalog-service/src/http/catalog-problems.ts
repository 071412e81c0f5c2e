import { notFoundProblem, registerProblemMapping, violationsProblem } from '@cpq/platform';
import {
  CatalogVersionNotFoundError,
  InvalidCatalogError,
  NoCatalogPublishedError,
  OfferNotFoundError,
} from '../domain/catalog.errors';

/** How catalog domain errors look at the HTTP edge (the one place that knows). */
export function registerCatalogProblems(): void {
  registerProblemMapping(InvalidCatalogError, (error) => violationsProblem('Invalid catalog', error));
  registerProblemMapping(NoCatalogPublishedError, (error) => notFoundProblem('No catalog published', error));
  registerProblemMapping(CatalogVersionNotFoundError, (error) =>
    notFoundProblem('Catalog version not found', error),
  );
  registerProblemMapping(OfferNotFoundError, (error) => notFoundProblem('Offer not found', error));
}
