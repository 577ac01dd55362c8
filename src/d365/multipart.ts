/**
 * OData v4 `$batch` wire format (multipart/mixed), both directions: the client builds requests and parses
 * responses; the simulator parses requests and builds responses. Changesets are nested multipart parts and
 * are atomic. D365 answers 200 for the whole batch even when parts fail, so each part's status is the truth.
 * Each part: Content-Type application/http, Content-Transfer-Encoding binary, Content-ID, then the request line,
 * its headers, a blank line and the JSON body.
 */
import { randomUUID } from "node:crypto";

const CRLF = "\r\n";

export interface HttpPart {
  method: string;
  /** Absolute URL or path as written in the request line. */
  url: string;
  headers: Record<string, string>;
  body?: string;
  contentId?: string;
}

/** One unit of a batch: a changeset (atomic, several writes) or a single request outside any changeset. */
export type BatchGroup = { kind: "changeset"; requests: HttpPart[] } | { kind: "single"; request: HttpPart };

export interface HttpResponsePart {
  status: number;
  statusText?: string;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

export type BatchResponseGroup = { kind: "changeset"; responses: HttpResponsePart[] } | { kind: "single"; response: HttpResponsePart };

export function newBoundary(prefix: "batch" | "changeset" | "batchresponse" | "changesetresponse"): string {
  return `${prefix}_${randomUUID()}`;
}

function httpRequestText(r: HttpPart): string {
  const lines = [`${r.method} ${r.url} HTTP/1.1`];
  for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
  return lines.join(CRLF) + CRLF + CRLF + (r.body ?? "");
}

function partHeaders(contentId?: string): string {
  const lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"];
  if (contentId !== undefined) lines.push(`Content-ID: ${contentId}`);
  return lines.join(CRLF);
}

export function buildBatchRequestBody(groups: BatchGroup[]): { contentType: string; body: string } {
  const boundary = newBoundary("batch");
  let out = "";
  for (const g of groups) {
    out += `--${boundary}${CRLF}`;
    if (g.kind === "single") {
      out += partHeaders(g.request.contentId) + CRLF + CRLF + httpRequestText(g.request) + CRLF;
    } else {
      const cs = newBoundary("changeset");
      out += `Content-Type: multipart/mixed; boundary=${cs}${CRLF}${CRLF}`;
      for (const r of g.requests) {
        out += `--${cs}${CRLF}` + partHeaders(r.contentId) + CRLF + CRLF + httpRequestText(r) + CRLF;
      }
      out += `--${cs}--${CRLF}`;
    }
  }
  out += `--${boundary}--${CRLF}`;
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: out };
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
  };
  return texts[status] ?? "Status";
}

function httpResponseText(r: HttpResponsePart): string {
  const lines = [`HTTP/1.1 ${r.status} ${r.statusText ?? statusText(r.status)}`];
  for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
  return lines.join(CRLF) + CRLF + CRLF + r.body;
}

export function buildBatchResponseBody(groups: BatchResponseGroup[]): { contentType: string; body: string } {
  const boundary = newBoundary("batchresponse");
  let out = "";
  for (const g of groups) {
    out += `--${boundary}${CRLF}`;
    if (g.kind === "single") {
      out += partHeaders(g.response.contentId) + CRLF + CRLF + httpResponseText(g.response) + CRLF;
    } else {
      const cs = newBoundary("changesetresponse");
      out += `Content-Type: multipart/mixed; boundary=${cs}${CRLF}${CRLF}`;
      for (const r of g.responses) out += `--${cs}${CRLF}` + partHeaders(r.contentId) + CRLF + CRLF + httpResponseText(r) + CRLF;
      out += `--${cs}--${CRLF}`;
    }
  }
  out += `--${boundary}--${CRLF}`;
  return { contentType: `multipart/mixed; boundary=${boundary}`, body: out };
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const m = /boundary="?([^";,\s]+)"?/i.exec(contentType ?? "");
  return m?.[1];
}

interface RawPart {
  headers: Record<string, string>;
  body: string;
}

function splitHead(text: string): { head: string; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return { head: text, body: "" };
  return { head: text.slice(0, m.index), body: text.slice(m.index + m[0].length) };
}

function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** Splits a multipart body into its parts (headers lower-cased). */
export function parseMultipart(body: string, boundary: string): RawPart[] {
  const delimiter = `--${boundary}`;
  const pieces = body.split(delimiter);
  const parts: RawPart[] = [];
  // pieces[0] is the preamble; a piece starting with "--" is the close delimiter.
  for (let i = 1; i < pieces.length; i++) {
    let piece = pieces[i]!;
    if (piece.startsWith("--")) break;
    piece = piece.replace(/^[ \t]*\r?\n/, "").replace(/\r?\n$/, "");
    const { head, body: partBody } = splitHead(piece);
    parts.push({ headers: parseHeaderLines(head.split(/\r?\n/)), body: partBody });
  }
  return parts;
}

function parseHttpMessage(text: string): { startLine: string; headers: Record<string, string>; body: string } {
  const { head, body } = splitHead(text);
  const [startLine = "", ...rest] = head.split(/\r?\n/);
  return { startLine: startLine.trim(), headers: parseHeaderLines(rest), body: body.replace(/\r?\n$/, "") };
}

function toRequest(part: RawPart): HttpPart {
  const msg = parseHttpMessage(part.body);
  const m = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/\d\.\d)?$/.exec(msg.startLine);
  if (!m) throw new Error(`bad request line in batch part: "${msg.startLine}"`);
  return { method: m[1]!, url: m[2]!, headers: msg.headers, body: msg.body || undefined, contentId: part.headers["content-id"] };
}

function toResponse(part: RawPart): HttpResponsePart {
  const msg = parseHttpMessage(part.body);
  const m = /^HTTP\/\d\.\d\s+(\d{3})\s*(.*)$/.exec(msg.startLine);
  if (!m) throw new Error(`bad status line in batch response part: "${msg.startLine}"`);
  return { status: Number(m[1]), statusText: m[2], headers: msg.headers, body: msg.body, contentId: part.headers["content-id"] };
}

export function parseBatchRequestBody(contentType: string | undefined, body: string): BatchGroup[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error("a $batch request needs Content-Type multipart/mixed with a boundary");
  return parseMultipart(body, boundary).map((part): BatchGroup => {
    const inner = boundaryOf(part.headers["content-type"]);
    if (inner && /multipart\/mixed/i.test(part.headers["content-type"] ?? "")) {
      return { kind: "changeset", requests: parseMultipart(part.body, inner).map(toRequest) };
    }
    return { kind: "single", request: toRequest(part) };
  });
}

/**
 * Parses a $batch response. A failed changeset comes back as ONE application/http part (OData v4: the
 * error of the change set), not as a nested multipart: callers see it as a single response that stands for
 * the whole changeset.
 */
export function parseBatchResponseBody(contentType: string | undefined, body: string): BatchResponseGroup[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error(`the $batch response has no multipart boundary (content-type "${contentType ?? ""}")`);
  return parseMultipart(body, boundary).map((part): BatchResponseGroup => {
    const inner = boundaryOf(part.headers["content-type"]);
    if (inner && /multipart\/mixed/i.test(part.headers["content-type"] ?? "")) {
      return { kind: "changeset", responses: parseMultipart(part.body, inner).map(toResponse) };
    }
    return { kind: "single", response: toResponse(part) };
  });
}
