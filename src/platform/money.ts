/**
 * Money is decimal, never binary floating point. A thin layer over decimal.js so that the rest of the
 * code speaks of amounts and currencies, rounds in one place and prints in one format.
 */
import Decimal from "decimal.js";

export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
export type Dec = InstanceType<typeof Dec>;

/** Parse a plain decimal string ("12.34", "-0.5"); throws on anything else (no "1e5", no commas). */
export function dec(value: string | number | Dec): Dec {
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new TypeError(`refusing to build money from a binary float (${value}); pass a string`);
    return new Dec(value);
  }
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (!/^[-+]?\d+(\.\d+)?$/.test(trimmed)) throw new TypeError(`not a decimal number: "${value}"`);
    return new Dec(trimmed);
  }
  return value;
}

export function sum(values: Iterable<Dec>): Dec {
  let total = new Dec(0);
  for (const v of values) total = total.plus(v);
  return total;
}

/** Rounds to the currency's minor units (2 for all currencies the app handles today) and prints "12.30". */
export function toMoneyString(value: Dec, decimals = 2): string {
  return value.toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP).toFixed(decimals);
}

export function isZero(value: Dec): boolean {
  return value.isZero();
}
