/**
 * Number and date formats seen in real settlement flat files (notes/amazon-sp-api.md §3).
 *
 * Amounts: the V2 file "displays amounts in local currency format (for example, 95,00 for EU instead of
 * 95.00)" (SP-API changelog). DE/FR files use `54,20`, the UK file `39.99`; thousands separators (`1.234,56`)
 * are plausible. The decimal separator is decided per file: the first value that shows one fixes it, and a
 * later value that uses the other one as its decimal separator is reported instead of being misread.
 *
 * Dates: ISO 8601 (V1 via SP-API), `yyyy-MM-dd HH:mm:ss UTC`, `dd.MM.yyyy HH:mm:ss UTC` (EU/UK V2),
 * `dd.MM.yyyy`, and slashed dates that are `MM/dd/yy` per the changelog but `dd/MM/yy` in a published sample,
 * so slashed dates are resolved against the settlement period. All times are UTC.
 */
import { Dec, MAX_MINOR } from "../../platform/money";

export type DecimalSeparator = "." | ",";

export class AmountFormat {
  /** Fixed by the first amount that shows a decimal separator. */
  decimalSeparator: DecimalSeparator | undefined;

  constructor(decimalSeparator?: DecimalSeparator) {
    this.decimalSeparator = decimalSeparator;
  }

  /** Parses an amount; returns a string describing the problem when it cannot be read unambiguously. */
  parse(raw: string): Dec | string {
    const p = this.parts(raw);
    if (typeof p === "string") return p;
    return new Dec(p.sign + p.int + (p.frac ? "." + p.frac : ""));
  }

  /**
   * Parses an amount into integer minor units of a currency with `digits` decimals (12,34 -> 1234 for EUR,
   * 1234 -> 1234 for JPY), exactly; returns a string describing the problem otherwise. An amount with more
   * decimals than the currency has is refused unless they are zeros (1.230 EUR is 123 cents; 1.235 EUR and
   * 12,50 JPY are problems): the journal posts whole minor units, and rounding here would break Σ = deposit.
   */
  parseMinor(raw: string, digits: number, currency = "the currency"): number | string {
    // Hot path, one pass over the characters: [-]digits[<the file's decimal separator>digits], nothing else.
    const n = raw.length;
    let i = 0;
    let c = raw.charCodeAt(0);
    const negative = c === 45; // "-"
    if (negative) i = 1;
    let int = 0;
    const intStart = i;
    for (; i < n; i++) {
      c = raw.charCodeAt(i);
      if (c < 48 || c > 57) break;
      int = int * 10 + (c - 48);
    }
    const intDigits = i - intStart;
    if (intDigits > 0 && intDigits + digits <= 15) {
      let value = -1;
      if (i === n) value = int * POW10[digits]!;
      else if (this.decimalSeparator !== undefined && c === this.decimalSeparator.charCodeAt(0)) {
        let frac = 0;
        const fracStart = ++i;
        for (; i < n; i++) {
          c = raw.charCodeAt(i);
          if (c < 48 || c > 57) break;
          frac = frac * 10 + (c - 48);
        }
        const fracDigits = i - fracStart;
        if (i === n && fracDigits >= 1 && fracDigits <= digits) value = (int * POW10[fracDigits]! + frac) * POW10[digits - fracDigits]!;
      }
      if (value >= 0) return negative ? 0 - value : value;
    }
    // Everything else (thousands separators, a leading "+", spaces, the first separator of the file, errors).
    const p = this.parts(raw);
    if (typeof p === "string") return p;
    let frac = p.frac;
    if (frac.length > digits) {
      if (!/^0+$/.test(frac.slice(digits))) {
        return `amount "${raw}" has ${frac.length} decimals but ${currency} has ${digits}`;
      }
      frac = frac.slice(0, digits);
    }
    const big = BigInt(p.int + frac.padEnd(digits, "0"));
    if (big > BigInt(MAX_MINOR)) return `amount "${raw}" is too large`;
    const value = Number(big);
    return p.sign === "-" ? 0 - value : value;
  }

  /** Sign, integer digits and fraction digits of an amount, or the problem. */
  private parts(raw: string): { sign: "" | "-"; int: string; frac: string } | string {
    const s = raw.trim();
    if (INTEGER.test(s)) return s[0] === "-" ? { sign: "-", int: s.slice(1), frac: "" } : { sign: "", int: s, frac: "" };
    const m = AMOUNT.exec(s);
    if (!m) return s === "" ? "amount is empty" : `amount "${raw}" is not a number`;
    const sign = m[1] === "-" ? "-" : "";
    const body = m[2]!;
    const at = Math.max(body.lastIndexOf("."), body.lastIndexOf(","));
    const sep = body[at] as DecimalSeparator;
    const other: DecimalSeparator = sep === "." ? "," : ".";
    const before = body.slice(0, at);
    const after = body.slice(at + 1);
    let decimal: DecimalSeparator | undefined;
    if (after.length !== 3) decimal = sep;
    else if (this.decimalSeparator === sep || before.includes(other)) decimal = sep;
    // "1.234" / "1,234": one separator before exactly three digits is a thousands separator (no Amazon
    // currency has three decimals) unless the file already showed it as its decimal separator.
    else decimal = undefined;
    let intPart = decimal ? before : body;
    const frac = decimal ? after : "";
    const thousands = decimal ? (decimal === "." ? "," : ".") : sep;
    if (decimal) {
      if (before.includes(decimal)) return `amount "${raw}" has more than one decimal separator`;
      if (this.decimalSeparator && this.decimalSeparator !== decimal) {
        return `amount "${raw}" uses "${decimal}" as decimal separator but this file uses "${this.decimalSeparator}"`;
      }
      this.decimalSeparator ??= decimal;
    }
    if (intPart.includes(thousands)) {
      if (!intPart.split(thousands).every((g, i) => (i === 0 ? g.length >= 1 && g.length <= 3 : g.length === 3))) {
        return `amount "${raw}" has misplaced thousands separators`;
      }
      intPart = intPart.split(thousands).join("");
    }
    if (!DIGITS.test(intPart) || (frac !== "" && !DIGITS.test(frac))) return `amount "${raw}" is not a number`;
    return { sign, int: intPart, frac };
  }
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const INTEGER = /^-?\d+$/;
const DIGITS = /^\d+$/;
const AMOUNT = /^([-+]?)(\d[\d.,]*\d)$/;

// ---------------------------------------------------------------------------------------------------------
// Dates

export type DateStyle = "iso" | "ymd-space" | "dmy-dots" | "slash";

export interface ParsedDate {
  /** Milliseconds since epoch (UTC). */
  time: number;
  style: DateStyle;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;
const DOTS = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(UTC|GMT|Z)?$/i;
const SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(UTC|GMT|Z)?$/i;

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return t;
}

/**
 * Parses a date in any of the known styles. Slashed dates are ambiguous (MM/dd or dd/MM); `slashOrder`
 * says how to read them ("mdy" by default, as the SP-API changelog documents).
 */
export function parseDate(raw: string, slashOrder: "mdy" | "dmy" = "mdy"): ParsedDate | undefined {
  const s = raw.trim();
  if (s === "") return undefined;
  let m = ISO.exec(s);
  if (m) {
    const t = utc(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    if (t === undefined) return undefined;
    const zone = m[7];
    let offsetMin = 0;
    if (zone && /^[+-]/.test(zone)) {
      const z = zone.replace(":", "");
      offsetMin = (z[0] === "-" ? -1 : 1) * (+z.slice(1, 3) * 60 + +z.slice(3, 5));
    }
    return { time: t - offsetMin * 60_000, style: s.charAt(10) === "T" ? "iso" : "ymd-space" };
  }
  m = DOTS.exec(s);
  if (m) {
    const t = utc(+m[3]!, +m[2]!, +m[1]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    return t === undefined ? undefined : { time: t, style: "dmy-dots" };
  }
  m = SLASH.exec(s);
  if (m) {
    const year = m[3]!.length === 2 ? 2000 + +m[3]! : +m[3]!;
    const a = +m[1]!;
    const b = +m[2]!;
    const [mo, d] = slashOrder === "mdy" ? [a, b] : [b, a];
    const t = utc(year, mo, d, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
    return t === undefined ? undefined : { time: t, style: "slash" };
  }
  return undefined;
}

/** Both readings of a slashed date (undefined where impossible), or undefined when the value is not slashed. */
export function slashReadings(raw: string): { mdy?: number; dmy?: number } | undefined {
  if (!SLASH.test(raw.trim())) return undefined;
  return { mdy: parseDate(raw, "mdy")?.time, dmy: parseDate(raw, "dmy")?.time };
}

export function isoDate(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export function isoDateTime(time: number): string {
  return new Date(time).toISOString().replace(".000Z", "Z");
}
