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

// ---------------------------------------------------------------------------------------------------------
// Minor units: exact integer amounts for hot paths (a million settlement rows), decimals at the edges.

/**
 * ISO 4217 minor units (digits after the decimal point) of the currencies that do not have 2. Written out
 * because Intl's currency digits are display digits (CLDR), which differ from ISO 4217 for some currencies
 * (HUF, IDR and COP display 0 digits but have 2).
 */
const MINOR_UNIT_EXCEPTIONS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

/** Digits of the currency's minor unit (ISO 4217): 2 for USD, EUR and GBP, 0 for JPY, 3 for KWD. */
export function minorUnitOf(currency: string): number {
  return MINOR_UNIT_EXCEPTIONS[currency.toUpperCase()] ?? 2;
}

/**
 * Largest magnitude of one amount in minor units, and of a running number sum before it moves to BigInt:
 * two such numbers add exactly (their sum stays below 2^53), so the guard is one comparison.
 */
export const MAX_MINOR = 2 ** 52;

/** An exact running sum of minor-unit amounts: a plain number while it is small, BigInt beyond 2^52. */
export class MinorSum {
  private small = 0;
  private big = 0n;

  /** `minor` is an integer with |minor| ≤ MAX_MINOR (the parsers refuse larger amounts). */
  add(minor: number): void {
    const s = this.small + minor;
    if (s > MAX_MINOR || s < -MAX_MINOR) {
      this.big += BigInt(this.small) + BigInt(minor);
      this.small = 0;
    } else this.small = s;
  }

  /** Adds another running sum (exact). */
  addSum(other: MinorSum): void {
    this.big += other.value();
  }

  value(): bigint {
    return this.big + BigInt(this.small);
  }

  isZero(): boolean {
    return this.value() === 0n;
  }
}

/** A minor-unit amount as a decimal: 12345 with 2 digits is 123.45, exactly. */
export function fromMinorUnits(minor: number | bigint | MinorSum, digits: number): Dec {
  const v = minor instanceof MinorSum ? minor.value() : minor;
  return digits === 0 ? new Dec(v.toString()) : new Dec(`${v}e-${digits}`);
}
