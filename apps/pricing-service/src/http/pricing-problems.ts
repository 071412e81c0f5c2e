import { notFoundProblem, ProblemType, registerProblemMapping, violationsProblem } from '@cpq/platform';
import {
  InvalidPriceBookError,
  NoPriceBookPublishedError,
  OfferNotPriceableError,
  PriceBookVersionNotFoundError,
} from '../domain/price-book.errors';
import { InvalidPricingInputError, NoPriceError, PriceOverflowError } from '../domain/pricing.errors';

/** How pricing domain errors look at the HTTP edge (the one place that knows). */
export function registerPricingProblems(): void {
  registerProblemMapping(InvalidPriceBookError, (error) => violationsProblem('Invalid price book', error));
  registerProblemMapping(InvalidPricingInputError, (error) =>
    violationsProblem('Invalid price request', error),
  );
  registerProblemMapping(NoPriceBookPublishedError, (error) =>
    notFoundProblem('No price book published', error),
  );
  registerProblemMapping(PriceBookVersionNotFoundError, (error) =>
    notFoundProblem('Price book version not found', error),
  );
  registerProblemMapping(NoPriceError, (error) => notFoundProblem('No price', error));
  registerProblemMapping(OfferNotPriceableError, (error) => ({
    type: ProblemType.unprocessable,
    title: 'Offer not priceable',
    status: 422,
    detail: error.message,
  }));
  registerProblemMapping(PriceOverflowError, (error) => ({
    type: ProblemType.unprocessable,
    title: 'Price out of range',
    status: 422,
    detail: error.message,
  }));
}
