/**
 * Active ISO 4217 currencies this platform prices in, with their minor-unit exponent
 * (USD 2: 1 USD = 100 minor units; JPY 0; KWD 3). Funds codes, precious metals and
 * historic codes are left out on purpose.
 */
const BY_EXPONENT: Readonly<Record<number, string>> = {
  0: 'CLP ISK JPY KRW PYG UGX VND XAF XOF',
  2:
    'AED ARS AUD BDT BGN BRL CAD CHF CNY COP CZK DKK DZD EGP EUR GBP GHS HKD HUF IDR ILS INR KES KZT ' +
    'LKR MAD MXN MYR NGN NOK NZD PEN PHP PKR PLN QAR RON RSD SAR SEK SGD THB TRY TWD UAH USD UYU ZAR',
  3: 'BHD IQD JOD KWD LYD OMR TND',
};

const MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  Object.entries(BY_EXPONENT).flatMap(([exponent, codes]) =>
    codes.split(' ').map((code) => [code, Number(exponent)] as const),
  ),
);

/** True for an active ISO 4217 code in its canonical upper-case form (`"usd"` is not one). */
export function isIsoCurrency(code: string): boolean {
  return MINOR_UNITS.has(code);
}

/** The minor-unit exponent of an ISO 4217 code, or undefined when the code is not one. */
export function currencyMinorUnits(code: string): number | undefined {
  return MINOR_UNITS.get(code);
}
