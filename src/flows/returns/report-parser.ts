/**
 * Readers of Amazon's two returns reports, with the care the settlement reader takes:
 *
 * - GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA: tab separated, `return-date, order-id, sku, asin, fnsku,
 *   product-name, quantity, fulfillment-center-id, detailed-disposition, reason, status, license-plate-number,
 *   customer-comments`. Some Seller Central pages call the order column `amazon-order-id`: both are accepted.
 *   One return = order id + license plate number (a row without a plate is keyed by its own content).
 * - GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE (seller-fulfilled): tab separated, 32 columns named with spaces
 *   and mixed case (`Order ID`, `Amazon RMA ID`, `Merchant SKU`, `Return quantity`, `Return Reason`, ...). One
 *   return = order id + Amazon RMA ID; its lines are the RMA's SKUs.
 *
 * Columns are found by name (case and surrounding spaces ignored), never by position; Amazon adds columns from
 * time to time and unknown ones are ignored. Files come as UTF-8 (with or without a byte-order mark) or as
 * windows-1252 (Amazon serves flat files as Cp1252): bytes that are not valid UTF-8 are read as windows-1252.
 * A row that cannot be read (a bad date, a quantity that is not a whole number, missing fields) is reported with
 * its line number (the header is line 1) and left out; the other rows are read. A file that is not such a
 * report at all (XML, JSON, HTML, gzip, UTF-16, another report) is refused with a reason.
 *
 * Buyer text (customer comments, product names) is not kept: only that a comment was there.
 */
import iconv from "iconv-lite";
import { type AmazonReturn, type ReturnItem, returnKey, shortHash } from "./model";

export type ReturnsReportKind = "fba" | "fbm";

export interface RowProblem {
  line: number;
  message: string;
}

export interface ParsedReturnsReport {
  kind: ReturnsReportKind;
  encoding: "utf-8" | "utf-8-bom" | "utf-16le" | "windows-1252";
  /** Data rows read (blank lines not counted), good and bad. */
  rows: number;
  returns: AmazonReturn[];
  /** The first problems (at most `maxProblems`), each with its line number. */
  problems: RowProblem[];
  problemCount: number;
  /** Rows that repeated a row already read (the same return and SKU): the later one is kept. */
  duplicateRows: number;
  unknownColumns: string[];
  /** Why the file could not be read at all. */
  fatal?: { code: string; message: string };
}

export interface ParseReturnsOptions {
  /** The marketplace the report was requested for (kept on each return as a hint). */
  marketplaceId?: string;
  reportId?: string;
  maxProblems?: number;
}

const FBA_COLUMNS = {
  returnDate: ["return-date"],
  orderId: ["order-id", "amazon-order-id"],
  sku: ["sku", "seller-sku"],
  asin: ["asin"],
  fnsku: ["fnsku"],
  quantity: ["quantity"],
  fulfillmentCenterId: ["fulfillment-center-id"],
  disposition: ["detailed-disposition"],
  reason: ["reason"],
  status: ["status"],
  licensePlate: ["license-plate-number"],
  comments: ["customer-comments"],
} as const;
const FBA_REQUIRED = ["returnDate", "orderId", "sku", "quantity", "reason"] as const;
const FBA_KNOWN = ["product-name", ...Object.values(FBA_COLUMNS).flat()];

const FBM_COLUMNS = {
  orderId: ["order id"],
  requestDate: ["return request date"],
  status: ["return request status"],
  rma: ["amazon rma id"],
  asin: ["asin"],
  sku: ["merchant sku"],
  quantity: ["return quantity"],
  reason: ["return reason"],
} as const;
const FBM_REQUIRED = ["orderId", "requestDate", "rma", "sku", "quantity", "reason"] as const;
const FBM_KNOWN = [
  "order date",
  "merchant rma id",
  "label type",
  "label cost",
  "currency code",
  "return carrier",
  "tracking id",
  "label to be paid by",
  "a-to-z claim",
  "is prime",
  "item name",
  "in policy",
  "return type",
  "resolution",
  "invoice number",
  "return delivery date",
  "order amount",
  "order quantity",
  "safet action reason",
  "safet claim id",
  "safet claim state",
  "safet claim creation time",
  "safet claim reimbursement amount",
  "refunded amount",
  ...Object.values(FBM_COLUMNS).flat(),
];

class FileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a returns report; never throws for bad content (`fatal` says why a file cannot be read). */
export function parseReturnsReport(
  kind: ReturnsReportKind,
  content: Uint8Array | string,
  options: ParseReturnsOptions = {},
): ParsedReturnsReport {
  const out: ParsedReturnsReport = {
    kind,
    encoding: "utf-8",
    rows: 0,
    returns: [],
    problems: [],
    problemCount: 0,
    duplicateRows: 0,
    unknownColumns: [],
  };
  try {
    const decoded = typeof content === "string" ? { text: content.replace(/^\uFEFF/, ""), encoding: "utf-8" as const } : decode(content);
    out.encoding = decoded.encoding;
    readRows(kind, decoded.text, options, out);
  } catch (err) {
    if (!(err instanceof FileError)) throw err;
    out.fatal = { code: err.code, message: err.message };
    out.returns = [];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

function decode(bytes: Uint8Array): { text: string; encoding: ParsedReturnsReport["encoding"] } {
  if (bytes.length === 0) throw new FileError("returns.empty", "the file is empty");
  const [b0, b1, b2] = [bytes[0], bytes[1], bytes[2]];
  if (b0 === 0x1f && b1 === 0x8b)
    throw new FileError("returns.gzip", "the file is gzip-compressed; the report document must be unpacked first");
  if (b0 === 0x50 && b1 === 0x4b)
    throw new FileError("returns.zip", "the file is a ZIP archive (an Excel workbook?), not Amazon's tab-separated report");
  if (b0 === 0xff && b1 === 0xfe) return { text: Buffer.from(bytes.subarray(2)).toString("utf16le"), encoding: "utf-16le" };
  if (b0 === 0xfe && b1 === 0xff) throw new FileError("returns.utf16be", "the file is UTF-16 big-endian; save it as UTF-8");
  const head = bytes.subarray(0, Math.min(bytes.length, 512));
  if (head.includes(0))
    throw new FileError("returns.binary", "the file contains NUL bytes: UTF-16 without a byte-order mark, or not a text file");
  const bom = b0 === 0xef && b1 === 0xbb && b2 === 0xbf;
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bom ? bytes.subarray(3) : bytes);
    return { text, encoding: bom ? "utf-8-bom" : "utf-8" };
  } catch {
    if (bom) throw new FileError("returns.mixed-encoding", "the file starts as UTF-8 (byte-order mark) but has bytes that are not UTF-8");
    // Amazon's flat files are windows-1252 (Cp1252); the header is ASCII, which reads the same in both.
    return { text: iconv.decode(Buffer.from(bytes), "win1252"), encoding: "windows-1252" };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rows

type Columns<T extends Record<string, readonly string[]>> = { [K in keyof T]: number };

function resolveColumns<T extends Record<string, readonly string[]>>(header: string[], spec: T): Columns<T> {
  const out = {} as Columns<T>;
  for (const [k, names] of Object.entries(spec))
    (out as Record<string, number>)[k] = names.map((n) => header.indexOf(n)).find((i) => i >= 0) ?? -1;
  return out;
}

function readHeader(kind: ReturnsReportKind, line: string): string[] {
  const trimmed = line.trim();
  if (trimmed.startsWith("<"))
    throw new FileError(
      "returns.xml",
      "the file is XML or HTML, not the tab-separated flat file (GET_XML_RETURNS_DATA_BY_RETURN_DATE is not read)",
    );
  if (trimmed.startsWith("{") || trimmed.startsWith("["))
    throw new FileError("returns.json", "the file is JSON, not a returns report (an API error?)");
  const names = line.split("\t").map((h) => h.trim().toLowerCase());
  if (names.length === 1) {
    const sep = line.includes(",") ? "commas" : line.includes(";") ? "semicolons" : "something other than tabs";
    throw new FileError("returns.not-tab-separated", `the header is separated by ${sep}; Amazon's returns reports are tab-separated`);
  }
  const seen = new Set<string>();
  for (const n of names) {
    if (n !== "" && seen.has(n)) throw new FileError("returns.duplicate-column", `the header names column "${n}" twice`);
    seen.add(n);
  }
  const spec = kind === "fba" ? FBA_COLUMNS : FBM_COLUMNS;
  const required = kind === "fba" ? FBA_REQUIRED : FBM_REQUIRED;
  const cols = resolveColumns(names, spec) as Record<string, number>;
  const missing = required.filter((r) => cols[r]! < 0).map((r) => (spec as Record<string, readonly string[]>)[r]!.join(" or "));
  if (missing.length) {
    const other = kind === "fba" ? "the FBM returns report" : "the FBA customer returns report";
    const looksOther = kind === "fba" ? names.includes("amazon rma id") : names.includes("license-plate-number");
    throw new FileError(
      "returns.columns",
      `not the ${kind === "fba" ? "FBA customer returns" : "FBM returns"} report: the header lacks ${missing.join(", ")}` +
        (looksOther ? ` (this looks like ${other})` : ` (first line: "${line.slice(0, 80)}")`),
    );
  }
  return names;
}

function readRows(kind: ReturnsReportKind, text: string, options: ParseReturnsOptions, out: ParsedReturnsReport): void {
  const maxProblems = options.maxProblems ?? 50;
  const lines = text.split("\n");
  let header: string[] | undefined;
  let fba: Columns<typeof FBA_COLUMNS> | undefined;
  let fbm: Columns<typeof FBM_COLUMNS> | undefined;
  let lastColumn = 0;
  const groups = new Map<string, AmazonReturn>();
  const problem = (line: number, message: string) => {
    out.problemCount++;
    if (out.problems.length < maxProblems) out.problems.push({ line, message });
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    const lineNo = i + 1;
    if (!header) {
      if (raw.trim() === "") continue;
      header = readHeader(kind, raw);
      if (kind === "fba") fba = resolveColumns(header, FBA_COLUMNS);
      else fbm = resolveColumns(header, FBM_COLUMNS);
      const cols = (fba ?? fbm!) as Record<string, number>;
      lastColumn = Math.max(...(kind === "fba" ? FBA_REQUIRED : FBM_REQUIRED).map((k) => cols[k]!));
      const known = new Set<string>(kind === "fba" ? FBA_KNOWN : FBM_KNOWN);
      out.unknownColumns = header.filter((h) => h !== "" && !known.has(h));
      continue;
    }
    if (raw.trim() === "") continue;
    out.rows++;
    const cells = raw.split("\t");
    if (cells.length > header.length && cells.slice(header.length).some((c) => c.trim() !== "")) {
      problem(lineNo, `has ${cells.length} fields but the header has ${header.length} (a tab inside a value?)`);
      continue;
    }
    if (cells.length < header.length) {
      // Amazon leaves trailing empty fields out now and then; a row must still reach the required columns.
      if (cells.length <= lastColumn) {
        problem(lineNo, `has only ${cells.length} of ${header.length} fields (truncated line?)`);
        continue;
      }
    }
    const read = fba ? fbaRow(fba, cells, options) : fbmRow(fbm!, cells, options);
    if ("error" in read) {
      problem(lineNo, read.error);
      continue;
    }
    const r = read.value;
    r.source = { ...(options.reportId ? { reportId: options.reportId } : {}), line: lineNo };
    const existing = groups.get(r.key);
    if (!existing) {
      groups.set(r.key, r);
      continue;
    }
    // One return with another SKU (an RMA of several items), or a repeated row: the later row wins.
    const item = r.items[0]!;
    const at = existing.items.findIndex((x) => x.sku === item.sku);
    if (at >= 0) {
      out.duplicateRows++;
      existing.items[at] = item;
    } else existing.items.push(item);
    if (r.returnDate < existing.returnDate) existing.returnDate = r.returnDate;
    existing.hasCustomerComment ||= r.hasCustomerComment;
  }
  if (!header) throw new FileError("returns.empty", "the file is empty (no header)");
  out.returns = [...groups.values()];
}

type RowResult = { value: AmazonReturn } | { error: string };

function cell(cells: string[], i: number): string {
  return i < 0 ? "" : (cells[i] ?? "").trim();
}

function fbaRow(c: Columns<typeof FBA_COLUMNS>, cells: string[], options: ParseReturnsOptions): RowResult {
  const errors: string[] = [];
  const orderId = cell(cells, c.orderId);
  const sku = cell(cells, c.sku);
  const reason = cell(cells, c.reason);
  if (!orderId) errors.push("order-id is empty");
  if (!sku) errors.push("sku is empty");
  if (!reason) errors.push("reason is empty");
  const rawDate = cell(cells, c.returnDate);
  const date = parseReportDate(rawDate);
  if (!date) errors.push(`return-date "${rawDate}" is not a date`);
  const rawQty = cell(cells, c.quantity);
  const quantity = wholeNumber(rawQty);
  if (quantity === undefined) errors.push(`quantity "${rawQty}" is not a whole number above 0`);
  if (errors.length) return { error: errors.join("; ") };
  const disposition = cell(cells, c.disposition);
  const status = cell(cells, c.status);
  const fc = cell(cells, c.fulfillmentCenterId);
  const asin = cell(cells, c.asin);
  const fnsku = cell(cells, c.fnsku);
  const plate = cell(cells, c.licensePlate);
  // Without a license plate the row's own content is its identity (the same row in an overlapping report
  // window gives the same key).
  const returnId = plate || `row-${shortHash([rawDate, sku, fnsku, rawQty, disposition, reason, fc].join("|"), 16)}`;
  const item: ReturnItem = {
    sku,
    quantity: quantity!,
    reason,
    ...(asin ? { asin } : {}),
    ...(fnsku ? { fnsku } : {}),
    ...(disposition ? { disposition } : {}),
    ...(status ? { amazonStatus: status } : {}),
    ...(fc ? { fulfillmentCenterId: fc } : {}),
  };
  return {
    value: {
      key: returnKey("FBA", orderId, returnId),
      channel: "FBA",
      amazonOrderId: orderId,
      returnId,
      ...(options.marketplaceId ? { marketplaceId: options.marketplaceId } : {}),
      returnDate: date!,
      items: [item],
      ...(cell(cells, c.comments) ? { hasCustomerComment: true } : {}),
    },
  };
}

function fbmRow(c: Columns<typeof FBM_COLUMNS>, cells: string[], options: ParseReturnsOptions): RowResult {
  const errors: string[] = [];
  const orderId = cell(cells, c.orderId);
  const rma = cell(cells, c.rma);
  const sku = cell(cells, c.sku);
  const reason = cell(cells, c.reason);
  if (!orderId) errors.push("Order ID is empty");
  if (!rma) errors.push("Amazon RMA ID is empty");
  if (!sku) errors.push("Merchant SKU is empty");
  if (!reason) errors.push("Return Reason is empty");
  const rawDate = cell(cells, c.requestDate);
  const date = parseReportDate(rawDate);
  if (!date) errors.push(`Return request date "${rawDate}" is not a date`);
  const rawQty = cell(cells, c.quantity);
  const quantity = wholeNumber(rawQty);
  if (quantity === undefined) errors.push(`Return quantity "${rawQty}" is not a whole number above 0`);
  if (errors.length) return { error: errors.join("; ") };
  const asin = cell(cells, c.asin);
  const status = cell(cells, c.status);
  return {
    value: {
      key: returnKey("FBM", orderId, rma),
      channel: "FBM",
      amazonOrderId: orderId,
      returnId: rma,
      ...(options.marketplaceId ? { marketplaceId: options.marketplaceId } : {}),
      returnDate: date!,
      items: [{ sku, quantity: quantity!, reason, ...(asin ? { asin } : {}), ...(status ? { amazonStatus: status } : {}) }],
    },
  };
}

function wholeNumber(raw: string): number | undefined {
  if (!/^\d{1,6}$/.test(raw)) return undefined;
  const n = Number(raw);
  return n > 0 ? n : undefined;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/**
 * A report date as an ISO date-time (UTC): ISO 8601 with or without time and offset (what the SP-API
 * reports use), `yyyy-MM-dd HH:mm:ss[ UTC]`, `dd.MM.yyyy`, `dd-MMM-yyyy` and `MM/dd/yyyy`. Calendar
 * values are checked (month 13 or day 45 is not a date).
 */
export function parseReportDate(raw: string): string | undefined {
  const s = raw.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?)?$/i.exec(s);
  if (m) {
    const [, y, mo, d, h = "00", mi = "00", sec = "00", zone] = m;
    return build(+y!, +mo!, +d!, +h, +mi, +sec, zone);
  }
  m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(s);
  if (m) return build(+m[3]!, +m[2]!, +m[1]!, 0, 0, 0);
  m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(s);
  if (m) {
    const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1;
    return month ? build(+m[3]!, month, +m[1]!, 0, 0, 0) : undefined;
  }
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) return build(+m[3]!, +m[1]!, +m[2]!, 0, 0, 0);
  return undefined;
}

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, zone?: string): string | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  let offset = 0;
  if (zone && !/^(Z|UTC)$/i.test(zone)) {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
    offset = (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  return new Date(t - offset).toISOString();
}
