import { describe, expect, it } from 'vitest';
import { currencyMinorUnits, isIsoCurrency } from './currency';

describe('isIsoCurrency', () => {
  it.each(['USD', 'EUR', 'GBP', 'JPY', 'CHF', 'KWD', 'BHD', 'INR', 'BRL', 'ZAR'])('accepts %s', (code) => {
    expect(isIsoCurrency(code)).toBe(true);
  });

  it.each(['usd', 'US', 'USDX', '', 'XXX', 'ABC', 'constructor', 'toString', ' USD'])(
    'rejects %j',
    (code) => {
      expect(isIsoCurrency(code)).toBe(false);
    },
  );

  it('knows at least 40 currencies', () => {
    const known =
      'AED AUD BRL CAD CHF CNY CZK DKK EUR GBP HKD HUF IDR ILS INR JPY KRW KWD MXN MYR NOK NZD PHP PLN SAR SEK SGD THB TRY TWD USD ZAR BHD OMR JOD CLP ISK VND EGP NGN';
    expect(known.split(' ').filter(isIsoCurrency)).toHaveLength(40);
  });
});

describe('currencyMinorUnits', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['KRW', 0],
    ['CLP', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['OMR', 3],
  ])('%s has %d decimal places', (code, exponent) => {
    expect(currencyMinorUnits(code)).toBe(exponent);
  });

  it('is undefined for a non-ISO code', () => {
    expect(currencyMinorUnits('XYZ')).toBeUndefined();
  });
});
