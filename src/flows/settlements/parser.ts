/**
 * Streaming reader of the settlement flat file V2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2).
 *
 * Facts about the file (real files and Amazon's documentation; docs/settlements.md) that shape this code:
 * - tab separated, header row first, 24 columns in current files and 23 (no `promotion-id`) in the docs and
 *   older files: columns are found by header name, never by position;
 * - data row 1 is a summary (settlement-id, dates, total-amount, currency) and later rows leave currency
 *   empty, so the currency is carried from row 1;
 * - Σ amount over the transaction rows = total-amount exactly, the integrity check;
 * - downloads may arrive without a charset: decode as UTF-8 when valid, else windows-1252;
 * - the retired V1 flat file (has `price-type`) and the XML report must be recognized and refused.
 *
 * Rows are handed to a callback one at a time, so memory does not grow with the file.
 */
import { isAscii } from "node:buffer";
import * as iconv from "iconv-lite";
import { fromMinorUnits, MinorSum, minorUnitOf, type Dec } from "../../platform/money";
import { timeSlot } from "./time-zones";
import { AmountFormat, isoDate, isoDateTime, parseDate, slashReadings, type DateStyle, type DecimalSeparator } from "./formats";

export type SettlementId = string & { readonly __brand: "SettlementId" };

/** Bytes of a file, re-readable from the start (a file path, a buffer, a blob). */
export type ByteSource = () => AsyncIterable<Uint8Array>;

export interface SettlementSummary {
  settlementId: SettlementId;
  /** ISO 8601 UTC date-times. */
  startDate: string;
  endDate: string;
  depositDate: string;
  totalAmount: Dec;
  currency: string;
  /** Digits of the currency's minor unit (ISO 4217): amounts are read in these units (2 for EUR, 0 for JPY). */
  minorUnit: number;
}

export interface SettlementRow {
  /** Line number in the file (the header is line 1). */
  line: number;
  transactionType: string;
  amountType: string;
  amountDescription: string;
  /** The amount in the currency's minor units (cents; yen for JPY), exact: what sums and journal buckets add. */
  amountMinor: number;
  /** The same amount as a decimal, made when read (sums use `amountMinor`). */
  readonly amount: Dec;
  /** Posting date (UTC, yyyy-MM-dd): posted-date-time when present, else posted-date. */
  postedDate: string;
  /**
   * When it was posted, for the month-end split in the books' time zone (time-zones.ts): the UTC quarter-hour
   * "yyyy-MM-ddTHH:mm" of posted-date-time, or the bare date "yyyy-MM-dd" when the file gives no time.
   */
  postedSlot: string;
  orderId: string;
  merchantOrderId: string;
  adjustmentId: string;
  marketplaceName: string;
  fulfillmentId: string;
  sku: string;
  /** Empty on refund rows. */
  quantity: number | undefined;
}

/** A transaction row as the reader hands it out: plain fields, the decimal amount made only on demand. */
class Row implements SettlementRow {
  line = 0;
  transactionType = "";
  amountType = "";
  amountDescription = "";
  amountMinor = 0;
  minorUnit = 2;
  postedDate = "";
  postedSlot = "";
  orderId = "";
  merchantOrderId = "";
  adjustmentId = "";
  marketplaceName = "";
  fulfillmentId = "";
  sku = "";
  quantity: number | undefined = undefined;
  get amount(): Dec {
    return fromMinorUnits(this.amountMinor, this.minorUnit);
  }
}

export interface RowProblem {
  line: number;
  message: string;
}

export interface FileFormat {
  encoding: "utf-8" | "windows-1252";
  columns: number;
  /** "v2-24" (current), "v2-23" (docs, older files) or "v2" with another column set. */
  variant: "v2-24" | "v2-23" | "v2";
  decimalSeparator: DecimalSeparator | undefined;
  dateStyles: DateStyle[];
  /** Columns the app does not know (kept, ignored): Amazon adds fields from time to time. */
  unknownColumns: string[];
  /** How slashed dates were read, when the file has them. */
  slashDates?: "MM/dd" | "dd/MM";
}

/** Why a file cannot be read at all (a different report, XML, V1, UTF-16, empty...). */
export interface FileProblem {
  code: string;
  message: string;
}

export interface ParseOutcome {
  format?: FileFormat;
  summary?: SettlementSummary;
  /** Transaction rows read (the summary row is not counted). */
  rowCount: number;
  sumOfAmounts: Dec;
  /** Σ amounts = total-amount, exactly. */
  reconciled: boolean;
  /** The first problems (at most `maxProblems`), each with its line number. */
  problems: RowProblem[];
  problemCount: number;
  fatal?: FileProblem;
  /** True when the file was read without any problem and reconciles: the only files that may be posted. */
  ok: boolean;
}

export interface ParseOptions {
  maxProblems?: number;
}

const REQUIRED = [
  "settlement-id",
  "settlement-start-date",
  "settlement-end-date",
  "deposit-date",
  "total-amount",
  "currency",
  "transaction-type",
  "amount-type",
  "amount-description",
  "amount",
] as const;

const V2_24 = [
  "settlement-id",
  "settlement-start-date",
  "settlement-end-date",
  "deposit-date",
  "total-amount",
  "currency",
  "transaction-type",
  "order-id",
  "merchant-order-id",
  "adjustment-id",
  "shipment-id",
  "marketplace-name",
  "amount-type",
  "amount-description",
  "amount",
  "fulfillment-id",
  "posted-date",
  "posted-date-time",
  "order-item-code",
  "merchant-order-item-id",
  "merchant-adjustment-item-id",
  "sku",
  "quantity-purchased",
  "promotion-id",
];
const KNOWN = new Set(V2_24);

class FileError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a whole settlement file, calling `onRow` for each transaction row. Never throws for bad content. */
export async function parseSettlement(
  source: ByteSource,
  onRow: (row: SettlementRow, summary: SettlementSummary) => void,
  options: ParseOptions = {},
): Promise<ParseOutcome> {
  const reader = new RowReader(onRow, options.maxProblems ?? 50);
  try {
    for await (const text of decode(source, reader)) reader.push(text);
    reader.end();
  } catch (err) {
    if (err instanceof FileError) reader.fatal = { code: err.code, message: err.message };
    else throw err;
  }
  return reader.outcome();
}

/** Reads only up to the summary row: the settlement id, dates, total and currency (for instance ids). */
export async function readSettlementSummary(source: ByteSource): Promise<{ summary?: SettlementSummary; fatal?: FileProblem }> {
  const stop = new Error("stop");
  let summary: SettlementSummary | undefined;
  const reader = new RowReader(() => undefined, 5);
  reader.onSummary = (s) => {
    summary = s;
    throw stop;
  };
  try {
    for await (const text of decode(source, reader)) reader.push(text);
    reader.end();
  } catch (err) {
    if (err === stop) return { summary };
    if (err instanceof FileError) return { fatal: { code: err.code, message: err.message } };
    throw err;
  }
  return {
    summary,
    fatal: reader.fatal ?? (summary ? undefined : { code: "settlement.no-summary", message: "the file has no summary row" }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

async function* decode(source: ByteSource, reader: RowReader): AsyncGenerator<string> {
  let first = true;
  let mode: "utf-8" | "windows-1252" = "utf-8";
  const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let win: ReturnType<typeof iconv.getDecoder> | undefined;
  let sawNonAscii = false;
  let offset = 0;
  let previous: Uint8Array | undefined;
  /** The UTF-8 decoder may hold the first bytes of a character that the next chunk completes. */
  let pending = false;
  for await (const raw of source()) {
    let chunk = raw;
    if (first && chunk.length > 0) {
      first = false;
      sniffBinary(chunk);
    }
    if (mode === "utf-8") {
      // Most settlement files are ASCII, which reads the same in UTF-8 and Latin-1: a chunk of ASCII bytes (a
      // SIMD check) becomes a string without the UTF-8 decoder, about half its cost.
      if (!pending && isAscii(chunk)) {
        offset += chunk.length;
        previous = chunk;
        yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("latin1");
        continue;
      }
      try {
        const text = utf8.decode(chunk, { stream: true });
        if (!sawNonAscii && NON_ASCII.test(text)) sawNonAscii = true;
        pending = heldBack(chunk) > 0 || (pending && chunk.length < 4);
        offset += chunk.length;
        previous = chunk;
        yield text;
        continue;
      } catch {
        if (sawNonAscii || hasUtf8Multibyte(chunk)) {
          throw new FileError(
            "settlement.mixed-encoding",
            `the file mixes encodings: UTF-8 text${offset ? ` up to about byte ${offset}` : ""} and bytes that are not UTF-8 (windows-1252?). ` +
              "Download the report again, or save it as UTF-8 or windows-1252 (not both).",
          );
        }
        // Everything so far was ASCII, which reads the same in windows-1252. Bytes the UTF-8 decoder held
        // back at the end of the previous chunk (a lead byte waiting for its continuation) belong to this text.
        mode = "windows-1252";
        win = iconv.getDecoder("win1252");
        const held = previous ? heldBack(previous) : 0;
        if (held) chunk = Buffer.concat([previous!.subarray(previous!.length - held), chunk]);
      }
    }
    if (chunk.length && win) {
      const text = win.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      offset += chunk.length;
      chunk = new Uint8Array(0);
      reader.encoding = mode;
      yield text;
    }
  }
  if (mode === "utf-8") {
    try {
      const tail = utf8.decode();
      if (tail) yield tail;
    } catch {
      throw new FileError("settlement.truncated-encoding", "the file ends in the middle of a UTF-8 character (truncated download?)");
    }
  } else if (win) {
    const tail = win.end();
    if (tail) yield tail;
  }
  if (first) throw new FileError("settlement.empty", "the file is empty");
}

/** "13.09.2024 08:59:52 UTC" or "2024-09-13 08:59:52 UTC" (valid time of day, UTC). */
const UTC_TIME = /^(?:\d{2}\.\d{2}\.\d{4}|\d{4}-\d{2}-\d{2}) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d UTC$/;

/** A date with a time of day (which the month-end split can move into the books' time zone). */
const HAS_TIME = /\d:\d\d/;

const NON_ASCII = /[^\x00-\x7f]/;
/** True when characters 10-22 are " HH:mm:ss UTC" with a valid time of day (the UTC_TIME test, without a regex). */
function isUtcTimeOfDay(s: string): boolean {
  const d = (i: number) => {
    const c = s.charCodeAt(i) - 48;
    return c >= 0 && c <= 9 ? c : -100;
  };
  const hour = d(11) * 10 + d(12);
  const minute = d(14) * 10 + d(15);
  const second = d(17) * 10 + d(18);
  return (
    s.charCodeAt(10) === 32 &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58 &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59 &&
    s.endsWith(" UTC", 23)
  );
}

/** How many bytes at the end of a chunk start a UTF-8 sequence that the next chunk would complete. */
function heldBack(b: Uint8Array): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue;
    if (c < 0xc0) return 0;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    return need > k ? k : 0;
  }
  return 0;
}

/** True when the bytes hold a well-formed UTF-8 multi-byte sequence (rare in windows-1252 text). */
function hasUtf8Multibyte(b: Uint8Array): boolean {
  for (let i = 0; i < b.length - 1; i++) {
    const c = b[i]!;
    if (c < 0xc2 || c > 0xf4) continue;
    const need = c < 0xe0 ? 1 : c < 0xf0 ? 2 : 3;
    let ok = i + need < b.length;
    for (let k = 1; ok && k <= need; k++) ok = (b[i + k]! & 0xc0) === 0x80;
    if (ok) return true;
  }
  return false;
}

function sniffBinary(chunk: Uint8Array): void {
  const b0 = chunk[0];
  const b1 = chunk[1];
  if ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff)) {
    throw new FileError(
      "settlement.utf16",
      "the file is UTF-16 encoded; settlement files are UTF-8 or windows-1252. Save it as UTF-8 (or upload Amazon's original download).",
    );
  }
  if (b0 === 0x1f && b1 === 0x8b) {
    throw new FileError(
      "settlement.gzip",
      "the file is gzip-compressed; unpack it first (report documents with compressionAlgorithm GZIP are unpacked by the import)",
    );
  }
  if (b0 === 0x50 && b1 === 0x4b)
    throw new FileError(
      "settlement.zip",
      "the file is a ZIP archive (an Excel workbook?); upload the tab-separated text file Amazon delivers",
    );
  const n = Math.min(chunk.length, 512);
  for (let i = 0; i < n; i++) {
    if (chunk[i] === 0) {
      throw new FileError("settlement.binary", "the file contains NUL bytes: it is UTF-16 without a byte-order mark, or not a text file");
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rows

class RowReader {
  encoding: "utf-8" | "windows-1252" = "utf-8";
  fatal?: FileProblem;
  onSummary?: (s: SettlementSummary) => void;
  private rest = "";
  private lineNo = 0;
  private header?: string[];
  private col: Record<string, number> = {};
  private summary?: SettlementSummary;
  private amounts = new AmountFormat();
  private dateStyles = new Set<DateStyle>();
  private slashOrder?: "mdy" | "dmy";
  private slashWindow?: [number, number];
  /**
   * posted-date-time's date and hour (its first 13 characters) -> per quarter-hour, [UTC day, time slot]. Keyed by
   * the hour, so a settlement period has a few hundred keys (each key is a flat copy: a slice of the line would keep
   * the whole chunk of the file it came from alive).
   */
  private readonly hourCache = new Map<string, (readonly [string, string] | undefined)[]>();
  /** The time slot of the posting date read last (set by postedDate). */
  private slot = "";
  private rowCount = 0;
  /** Σ amounts and total-amount in minor units of the summary's currency: exact, and cheap per row. */
  private readonly sum = new MinorSum();
  private totalMinor = 0;
  private minorUnit = 2;
  private problems: RowProblem[] = [];
  private problemCount = 0;
  private unknownColumns: string[] = [];
  // column indexes, resolved once
  private iTT = -1;
  private iAT = -1;
  private iAD = -1;
  private iAmt = -1;
  private iPD = -1;
  private iPDT = -1;
  private iSid = -1;
  private iCur = -1;
  private iOrder = -1;
  private iMOrder = -1;
  private iAdj = -1;
  private iMkt = -1;
  private iFul = -1;
  private iSku = -1;
  private iQty = -1;

  constructor(
    private readonly onRow: (row: SettlementRow, summary: SettlementSummary) => void,
    private readonly maxProblems: number,
  ) {}

  push(text: string): void {
    const data = this.rest + text;
    let start = 0;
    for (;;) {
      const nl = data.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && data.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(data, start, end);
      start = nl + 1;
    }
    this.rest = data.slice(start);
  }

  end(): void {
    if (this.rest.length) this.line(this.rest, 0, this.rest.length);
    this.rest = "";
    if (!this.header) throw new FileError("settlement.empty", "the file is empty");
    if (!this.summary)
      throw new FileError(
        "settlement.no-summary",
        "the file has a header but no summary row (settlement-id, total-amount, currency): truncated?",
      );
  }

  private problem(line: number, message: string): void {
    this.problemCount++;
    if (this.problems.length < this.maxProblems) this.problems.push({ line, message });
  }

  // The current line is data[start, end); its fields are found by their tabs, not split into an array: a row
  // reads only the fields it uses (most of the 24 are not), which is most of the cost of a million rows.
  private data = "";
  /** Start of field i is bounds[i]; it ends one before bounds[i + 1] (at a tab, or at the line's end). */
  private bounds = new Int32Array(64);
  private fieldCount = 0;

  private line(data: string, start: number, end: number): void {
    this.lineNo++;
    if (!this.header) {
      this.readHeader(data.slice(start, end).replace(/^\uFEFF/, ""));
      return;
    }
    // A blank line (nothing, or only white space and tabs) is skipped; rows start with settlement-id, not a blank.
    if (start === end) return;
    const c0 = data.charCodeAt(start);
    if ((c0 <= 32 || c0 === 0xa0 || c0 === 0x1680 || c0 >= 0x2000) && data.slice(start, end).trim() === "") return;
    let bounds = this.bounds;
    let n = 0;
    bounds[0] = start;
    for (let p = start; ; ) {
      const tab = data.indexOf("\t", p);
      if (tab < 0 || tab >= end) break;
      if (++n + 1 >= bounds.length) {
        const grown = new Int32Array(bounds.length * 2);
        grown.set(bounds);
        this.bounds = bounds = grown;
      }
      bounds[n] = p = tab + 1;
    }
    bounds[n + 1] = end + 1;
    this.data = data;
    this.fieldCount = n + 1;
    const width = this.header.length;
    if (this.fieldCount > width) {
      for (let i = width; i < this.fieldCount; i++) {
        if (this.field(i) !== "") {
          this.problem(this.lineNo, `has ${this.fieldCount} fields but the header has ${width} (a tab inside a value, or an extra column)`);
          return;
        }
      }
    }
    if (this.fieldCount < width) {
      this.problem(this.lineNo, `has only ${this.fieldCount} of ${width} fields (truncated line?)`);
      return;
    }
    if (!this.summary) {
      this.readSummary();
      return;
    }
    this.readTransaction();
  }

  /** Field i of the current line as it is in the file ("" for a column the header does not have). */
  private rawField(i: number): string {
    if (i < 0 || i >= this.fieldCount) return "";
    const from = this.bounds[i]!;
    const to = this.bounds[i + 1]! - 1;
    return from === to ? "" : this.data.slice(from, to);
  }

  /** Field i of the current line without surrounding spaces. */
  private field(i: number): string {
    return this.rawField(i).trim();
  }

  private readHeader(text: string): void {
    const trimmed = text.trim();
    if (trimmed.startsWith("<")) {
      if (/AmazonEnvelope|SettlementReport|<\?xml/i.test(trimmed)) {
        throw new FileError(
          "settlement.xml",
          "this is the XML settlement report (GET_V2_SETTLEMENT_REPORT_DATA_XML), which Amazon is retiring; " +
            "use the flat file V2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) of the same settlement",
        );
      }
      throw new FileError("settlement.html", "the file is HTML or XML, not a settlement flat file (a saved web page or an error page?)");
    }
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      throw new FileError(
        "settlement.json",
        "the file is JSON, not the settlement flat file (a report document description or an API error?)",
      );
    }
    const names = text.split("\t").map((h) => h.trim().toLowerCase());
    if (names.length === 1 && text.includes("settlement-id")) {
      const sep = text.includes(",") ? "commas" : text.includes(";") ? "semicolons" : "something other than tabs";
      throw new FileError(
        "settlement.not-tab-separated",
        `the header is separated by ${sep}; the settlement flat file is tab-separated (opened and re-saved in a spreadsheet?)`,
      );
    }
    if (names.includes("price-type") || names.includes("item-related-fee-type")) {
      throw new FileError(
        "settlement.v1",
        "this is the retired V1 settlement flat file (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE, has price-type/item-related-fee-type columns); " +
          "use the flat file V2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2) of the same settlement",
      );
    }
    const missing: string[] = REQUIRED.filter((c) => !names.includes(c));
    if (!names.includes("posted-date") && !names.includes("posted-date-time")) missing.push("posted-date");
    if (missing.length) {
      throw new FileError(
        "settlement.not-v2",
        `not a settlement flat file V2: the header lacks ${missing.join(", ")} (first line: "${text.slice(0, 80)}")`,
      );
    }
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n) && n !== "") throw new FileError("settlement.duplicate-column", `the header names column "${n}" twice`);
      seen.add(n);
    }
    this.header = names;
    names.forEach((n, i) => (this.col[n] = i));
    this.unknownColumns = names.filter((n) => n !== "" && !KNOWN.has(n));
    const c = (n: string) => this.col[n] ?? -1;
    this.iSid = c("settlement-id");
    this.iTT = c("transaction-type");
    this.iAT = c("amount-type");
    this.iAD = c("amount-description");
    this.iAmt = c("amount");
    this.iPD = c("posted-date");
    this.iPDT = c("posted-date-time");
    this.iCur = c("currency");
    this.iOrder = c("order-id");
    this.iMOrder = c("merchant-order-id");
    this.iAdj = c("adjustment-id");
    this.iMkt = c("marketplace-name");
    this.iFul = c("fulfillment-id");
    this.iSku = c("sku");
    this.iQty = c("quantity-purchased");
  }

  private readSummary(): void {
    const g = (n: string) => this.field(this.col[n] ?? -1);
    const line = this.lineNo;
    const settlementId = g("settlement-id");
    const total = g("total-amount");
    const currency = g("currency").toUpperCase();
    if (!settlementId || !total) {
      throw new FileError(
        "settlement.no-summary",
        `line ${line}: the first data row must be the summary row with settlement-id and total-amount`,
      );
    }
    const dates: Record<string, number> = {};
    for (const n of ["settlement-start-date", "settlement-end-date", "deposit-date"]) {
      const v = g(n);
      const d = parseDate(v);
      if (!d) throw new FileError("settlement.bad-summary", `line ${line}: ${n} "${v}" is not a date in a known format`);
      this.dateStyles.add(d.style);
      dates[n] = d.time;
    }
    if (!/^[A-Z]{3}$/.test(currency))
      throw new FileError("settlement.bad-summary", `line ${line}: currency "${currency}" is not an ISO currency code`);
    this.minorUnit = minorUnitOf(currency);
    const amount = this.amounts.parseMinor(total, this.minorUnit, currency);
    if (typeof amount === "string") throw new FileError("settlement.bad-summary", `line ${line}: total-amount: ${amount}`);
    this.totalMinor = amount;
    this.summary = {
      settlementId: settlementId as SettlementId,
      startDate: isoDateTime(dates["settlement-start-date"]!),
      endDate: isoDateTime(dates["settlement-end-date"]!),
      depositDate: isoDateTime(dates["deposit-date"]!),
      totalAmount: fromMinorUnits(amount, this.minorUnit),
      currency,
      minorUnit: this.minorUnit,
    };
    const day = 86_400_000;
    this.slashWindow = [dates["settlement-start-date"]! - day, dates["settlement-end-date"]! + day];
    this.onSummary?.(this.summary);
    // Synthetic files put a transaction on the summary row too.
    if (this.field(this.iTT) !== "") this.readTransaction();
  }

  private readTransaction(): void {
    const line = this.lineNo;
    const summary = this.summary!;
    const sid = this.field(this.iSid);
    if (sid !== "" && sid !== summary.settlementId) {
      this.problem(line, `settlement-id ${sid} differs from ${summary.settlementId} of the summary row (two files joined?)`);
      return;
    }
    const currency = this.field(this.iCur);
    if (currency !== "" && currency.toUpperCase() !== summary.currency) {
      this.problem(line, `currency ${currency} differs from ${summary.currency} of the summary row`);
      return;
    }
    const transactionType = this.field(this.iTT);
    const amountType = this.field(this.iAT);
    const amountDescription = this.field(this.iAD);
    const rawAmount = this.rawField(this.iAmt);
    if (transactionType === "" && amountType === "" && amountDescription === "") {
      this.problem(line, "has no transaction-type, amount-type or amount-description");
      return;
    }
    const amount = this.amounts.parseMinor(rawAmount, this.minorUnit, summary.currency);
    if (typeof amount === "string") {
      this.problem(line, amount);
      return;
    }
    const posted = this.postedDate(line);
    if (posted === undefined) return;
    const qty = this.field(this.iQty);
    let quantity: number | undefined;
    if (qty !== "") {
      quantity = Number(qty);
      if (!Number.isInteger(quantity)) {
        this.problem(line, `quantity-purchased "${qty}" is not a whole number`);
        return;
      }
    }
    this.rowCount++;
    this.sum.add(amount);
    const row = new Row();
    row.line = line;
    row.transactionType = transactionType;
    row.amountType = amountType;
    row.amountDescription = amountDescription;
    row.amountMinor = amount;
    row.minorUnit = this.minorUnit;
    row.postedDate = posted;
    row.postedSlot = this.slot;
    row.orderId = this.field(this.iOrder);
    row.merchantOrderId = this.field(this.iMOrder);
    row.adjustmentId = this.field(this.iAdj);
    row.marketplaceName = this.field(this.iMkt);
    row.fulfillmentId = this.field(this.iFul);
    row.sku = this.field(this.iSku);
    row.quantity = quantity;
    this.onRow(row, summary);
  }

  /** posted-date-time is preferred (unambiguous); posted-date may be a slashed date of either order. */
  private postedDate(line: number): string | undefined {
    const dt = this.field(this.iPDT);
    if (dt !== "") {
      // Hot path: UTC times in the two V2 styles; the day and the quarter-hour are all a posting needs, so they
      // are cached by date, hour and minute (only values that parsed are cached, so a hit needs only the time of
      // day checked).
      const quarter = ((dt.charCodeAt(14) - 48) * 10 + dt.charCodeAt(15) - 48) / 15;
      if (dt.length === 23 && isUtcTimeOfDay(dt)) {
        const hit = this.hourCache.get(dt.slice(0, 13))?.[quarter | 0];
        if (hit) {
          this.slot = hit[1];
          return hit[0];
        }
      }
      const d = parseDate(dt);
      if (d) {
        this.dateStyles.add(d.style);
        const iso = isoDate(d.time);
        this.slot = HAS_TIME.test(dt) ? timeSlot(d.time) : iso;
        if (dt.length === 23 && UTC_TIME.test(dt) && this.hourCache.size < 50_000) {
          const key = Buffer.from(dt.slice(0, 13), "latin1").toString("latin1");
          let quarters = this.hourCache.get(key);
          if (!quarters) this.hourCache.set(key, (quarters = [undefined, undefined, undefined, undefined]));
          quarters[quarter | 0] = [iso, this.slot];
        }
        return iso;
      }
      this.problem(line, `posted-date-time "${dt}" is not a date in a known format`);
      return undefined;
    }
    const pd = this.field(this.iPD);
    if (pd === "") {
      this.slot = timeSlot(Date.parse(this.summary!.endDate));
      return isoDate(Date.parse(this.summary!.endDate));
    }
    const readings = slashReadings(pd);
    if (readings) {
      this.dateStyles.add("slash");
      const t = this.resolveSlash(readings);
      if (t === undefined) {
        this.problem(line, `posted-date "${pd}" is not a valid date`);
        return undefined;
      }
      this.slot = HAS_TIME.test(pd) ? timeSlot(t) : isoDate(t);
      return isoDate(t);
    }
    const d = parseDate(pd);
    if (!d) {
      this.problem(line, `posted-date "${pd}" is not a date in a known format`);
      return undefined;
    }
    this.dateStyles.add(d.style);
    this.slot = HAS_TIME.test(pd) ? timeSlot(d.time) : isoDate(d.time);
    return isoDate(d.time);
  }

  private resolveSlash(r: { mdy?: number; dmy?: number }): number | undefined {
    if (this.slashOrder) return r[this.slashOrder];
    const [lo, hi] = this.slashWindow!;
    const inside = (t?: number) => t !== undefined && t >= lo && t <= hi;
    if (r.mdy !== undefined && r.dmy === undefined) this.slashOrder = "mdy";
    else if (r.dmy !== undefined && r.mdy === undefined) this.slashOrder = "dmy";
    else if (inside(r.mdy) && !inside(r.dmy)) this.slashOrder = "mdy";
    else if (inside(r.dmy) && !inside(r.mdy)) this.slashOrder = "dmy";
    // both readings possible and inside the period (e.g. 03/03): MM/dd, as the SP-API changelog documents
    return this.slashOrder ? r[this.slashOrder] : r.mdy;
  }

  outcome(): ParseOutcome {
    const summary = this.summary;
    const reconciled = !!summary && !this.fatal && this.sum.value() === BigInt(this.totalMinor);
    const width = this.header?.length ?? 0;
    const variant: FileFormat["variant"] =
      width === 24 && this.unknownColumns.length === 0
        ? "v2-24"
        : width === 23 && this.col["promotion-id"] === undefined && this.unknownColumns.length === 0
          ? "v2-23"
          : "v2";
    return {
      format: this.header
        ? {
            encoding: this.encoding,
            columns: width,
            variant,
            decimalSeparator: this.amounts.decimalSeparator,
            dateStyles: [...this.dateStyles],
            unknownColumns: this.unknownColumns,
            slashDates: this.slashOrder === "dmy" ? "dd/MM" : this.dateStyles.has("slash") ? "MM/dd" : undefined,
          }
        : undefined,
      summary,
      rowCount: this.rowCount,
      sumOfAmounts: fromMinorUnits(this.sum, this.minorUnit),
      reconciled,
      problems: this.problems,
      problemCount: this.problemCount,
      fatal: this.fatal,
      ok: reconciled && this.problemCount === 0 && !this.fatal,
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Sources

export function bytesSource(bytes: Uint8Array | string, chunkSize = 64 * 1024): ByteSource {
  const data = typeof bytes === "string" ? Buffer.from(bytes, "utf8") : bytes;
  return async function* () {
    for (let i = 0; i < data.length; i += chunkSize) yield data.subarray(i, Math.min(data.length, i + chunkSize));
  };
}

export function fileSource(path: string): ByteSource {
  return async function* () {
    const { createReadStream } = await import("node:fs");
    for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
  };
}
