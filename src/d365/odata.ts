/**
 * OData literals, keys and filters as D365 F&O reads them. Pure functions, shared by the client and the
 * simulator. D365: strings are single-quoted with quotes doubled; enums are
 * `Microsoft.Dynamics.DataEntities.<Enum>'<Symbol>'`; D365's `$filter` supports neither `in` nor `has`, so
 * lists become `or` chains.
 */
import { Dec } from "../platform/money";

export const ENUM_NAMESPACE = "Microsoft.Dynamics.DataEntities";

/** A value typed for OData: a date literal or an enum literal is not a string. */
export type ODataLiteral = string | number | boolean | null | Date | Dec | EnumLiteral | DateLiteral;

export class EnumLiteral {
  constructor(
    readonly enumName: string,
    readonly symbol: string,
  ) {}
  toString(): string {
    return `${ENUM_NAMESPACE}.${this.enumName}'${this.symbol.replace(/'/g, "''")}'`;
  }
}

/** A raw DateTimeOffset literal (unquoted in OData v4). */
export class DateLiteral {
  constructor(readonly iso: string) {}
  toString(): string {
    return this.iso;
  }
}

/** `Microsoft.Dynamics.DataEntities.SalesStatus'Backorder'` */
export function enumValue(enumName: string, symbol: string): EnumLiteral {
  return new EnumLiteral(enumName, symbol);
}

/** D365: date-only values travel as T12:00:00Z so that no time zone moves them to another day. */
export function dateOnly(date: string | Date): string {
  const d = typeof date === "string" ? date.slice(0, 10) : date.toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(d)) throw new TypeError(`not a date: ${String(date)}`);
  return `${d}T12:00:00Z`;
}

/** Quotes a string literal: `O'Brien` -> `'O''Brien'`. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Formats a value as an OData literal (not yet URL-encoded). */
export function literal(value: ODataLiteral): string {
  if (value === null) return "null";
  if (value instanceof EnumLiteral || value instanceof DateLiteral) return value.toString();
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, "Z");
  if (Dec.isDecimal(value)) return (value as Dec).toFixed();
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  return quote(value);
}

/**
 * The key segment of a by-key URL, URL-encoded: `(dataAreaId='usmf',SalesOrderNumber='000123')`.
 * D365 needs every key field (dataAreaId included) in the URL.
 */
export function formatKey(key: Record<string, ODataLiteral>): string {
  const parts = Object.entries(key).map(([name, v]) => `${name}=${encodeODataComponent(literal(v))}`);
  return `(${parts.join(",")})`;
}

/** encodeURIComponent plus the characters IIS/D365 mis-read in paths and queries. */
export function encodeODataComponent(text: string): string {
  return encodeURIComponent(text)
    .replace(/'/g, "%27")
    .replace(/[!()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// ---- filter builders (produce $filter text; callers never concatenate raw user data) ----

export const f = {
  eq: (field: string, value: ODataLiteral) => `${field} eq ${literal(value)}`,
  ne: (field: string, value: ODataLiteral) => `${field} ne ${literal(value)}`,
  gt: (field: string, value: ODataLiteral) => `${field} gt ${literal(value)}`,
  ge: (field: string, value: ODataLiteral) => `${field} ge ${literal(value)}`,
  lt: (field: string, value: ODataLiteral) => `${field} lt ${literal(value)}`,
  le: (field: string, value: ODataLiteral) => `${field} le ${literal(value)}`,
  /** D365 "contains": a wildcard inside eq (`Name eq '*abc*'`); a literal `*` cannot be matched. */
  contains: (field: string, text: string) => `${field} eq ${quote(`*${text}*`)}`,
  startsWith: (field: string, text: string) => `${field} eq ${quote(`${text}*`)}`,
  and: (...clauses: (string | undefined | false)[]) => join("and", clauses),
  or: (...clauses: (string | undefined | false)[]) => join("or", clauses),
  not: (clause: string) => `not (${clause})`,
  /** D365 has no `in`: `(F eq 'a' or F eq 'b')`. Callers chunk long lists (see chunk()). */
  anyOf: (field: string, values: readonly ODataLiteral[]) => {
    if (values.length === 0) throw new TypeError(`anyOf(${field}) needs at least one value`);
    return values.length === 1 ? f.eq(field, values[0]!) : `(${values.map((v) => f.eq(field, v)).join(" or ")})`;
  },
};

function join(op: string, clauses: (string | undefined | false)[]): string {
  const kept = clauses.filter((c): c is string => typeof c === "string" && c.length > 0);
  if (kept.length === 0) return "";
  if (kept.length === 1) return kept[0]!;
  return kept.map((c) => `(${c})`).join(` ${op} `);
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface QueryOptions {
  filter?: string;
  select?: readonly string[];
  orderBy?: string | readonly string[];
  top?: number;
  skip?: number;
  count?: boolean;
  expand?: string;
  /** Defaults to true: see every company (FastTrack sample appends it to every request). */
  crossCompany?: boolean;
}

/** Builds the query string (without '?'), each value URL-encoded. */
export function buildQueryString(q: QueryOptions): string {
  const parts: string[] = [];
  if (q.filter) parts.push(`$filter=${encodeODataComponent(q.filter)}`);
  if (q.select?.length) parts.push(`$select=${encodeODataComponent(q.select.join(","))}`);
  if (q.orderBy && (typeof q.orderBy === "string" ? q.orderBy : q.orderBy.length)) {
    parts.push(`$orderby=${encodeODataComponent(typeof q.orderBy === "string" ? q.orderBy : q.orderBy.join(","))}`);
  }
  if (q.top !== undefined) parts.push(`$top=${q.top}`);
  if (q.skip !== undefined) parts.push(`$skip=${q.skip}`);
  if (q.count) parts.push(`$count=true`);
  if (q.expand) parts.push(`$expand=${encodeODataComponent(q.expand)}`);
  if (q.crossCompany !== false) parts.push("cross-company=true");
  return parts.join("&");
}

/**
 * JSON for a request body. Decimal values (Dec) are written as exact JSON numbers, never through a
 * binary float; undefined properties are left out (D365: send only the properties you set).
 */
export function toODataJson(body: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(body, function (this: unknown, _key, value: unknown) {
    const raw = (this as Record<string, unknown>)[_key];
    if (Dec.isDecimal(raw)) {
      marks.push((raw as Dec).toFixed());
      return `\u0000DEC${marks.length - 1}\u0000`;
    }
    if (value instanceof EnumLiteral) return value.symbol;
    return value;
  });
  return text.replace(/"\\u0000DEC(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
