import { ProblemType, registerProblemMapping, type ProblemInit } from '@cpq/platform';
import {
  InvalidPriceBookError,
  NoPriceBookPublishedError,
  OfferNotPriceableError,
  PriceBookVersionNotFoundError,
} from '../domain/price-book.errors';
import { InvalidPricingInputError, NoPriceError, PriceOverflowError } from '../domain/pricing.errors';

const notFound = (title: string, detail: string): ProblemInit => ({
  type: ProblemType.notFound,
  title,
  status: 404,
  detail,
});

/** How pricing domain errors look at the HTTP edge (the one place that knows). */
export function registerPricingProblems(): void {
  registerProblemMapping(InvalidPriceBookError, (error) => ({
    type: ProblemType.validation,
    title: 'Invalid price book',
    status: 400,
    detail: error.message,
    errors: error.violations.map((v) => ({ in: 'body', pointer: v.pointer, message: v.message })),
  }));
  registerProblemMapping(InvalidPricingInputError, (error) => ({
    type: ProblemType.validation,
    title: 'Invalid price request',
    status: 400,
    detail: error.message,
    errors: error.violations.map((v) => ({ in: 'body', pointer: v.pointer, message: v.message })),
  }));
  registerProblemMapping(NoPriceBookPublishedError, (error) =>
    notFound('No price book published', error.message),
  );
  registerProblemMapping(PriceBookVersionNotFoundError, (error) =>
    notFound('Price book version not found', error.message),
  );
  registerProblemMapping(NoPriceError, (error) => notFound('No price', error.message));
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
