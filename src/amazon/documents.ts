/**
 * Report and feed documents: downloaded with our own HTTP client (amazon-sp-api 1.2.1's downloadStream makes
 * its request without the agent, and download() buffers everything), gunzipped and decoded as a stream.
 * Encoding: the charset from Content-Type when it names one; otherwise UTF-8, falling back to windows-1252 as
 * soon as a byte sequence is not valid UTF-8 (settlement files arrive without a charset, other reports as Cp1252).
 */
import type { Agent } from "node:https";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import { createGunzip } from "node:zlib";
import { TextDecoder } from "node:util";
import iconv from "iconv-lite";
import { UnavailableError, ValidationError } from "../platform/errors";

export type DocumentEncoding = "utf-8" | "windows-1252" | string;

export interface DocumentRef {
  url: string;
  compressionAlgorithm?: "GZIP";
}

export interface DownloadedDocument {
  text: string;
  encoding: DocumentEncoding;
  /** Size of the decompressed document in bytes. */
  bytes: number;
  contentType?: string;
}

export interface DocumentStream {
  /** Decoded text chunks, in order. */
  chunks: AsyncIterable<string>;
  contentType?: string;
  /** The encoding in use; may switch from utf-8 to windows-1252 while streaming. */
  encoding(): DocumentEncoding;
}

function request(
  url: string,
  method: "GET" | "PUT",
  agent: Agent | undefined,
  timeoutMs: number,
  body?: Buffer,
  contentType?: string,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        agent,
        headers: body ? { "content-type": contentType ?? "application/octet-stream", "content-length": String(body.length) } : {},
      },
      resolve,
    );
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: "ETIMEDOUT" })));
    req.on("error", (err) =>
      reject(
        new UnavailableError("spapi.document", `document ${method} failed: ${(err as NodeJS.ErrnoException).code ?? ""} ${err.message}`, {
          cause: err,
        }),
      ),
    );
    req.end(body);
  });
}

async function readAll(res: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function failure(res: IncomingMessage, what: string): Promise<never> {
  const text = (await readAll(res)).toString("utf8");
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${res.statusCode}`;
  const message = /<Message>([^<]+)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 200);
  // An expired presigned URL is fixed by asking for a fresh document URL: retryable.
  if (res.statusCode === 403 || (res.statusCode ?? 500) >= 500) {
    throw new UnavailableError("spapi.document", `${what} failed: ${code} ${message}`, { details: { status: res.statusCode, code } });
  }
  throw new ValidationError("spapi.document", `${what} failed: ${code} ${message}`, { details: { status: res.statusCode, code } });
}

function charsetOf(contentType: string | undefined): string | undefined {
  const m = /charset=([^;]+)/i.exec(contentType ?? "");
  if (!m) return undefined;
  const c = m[1].trim().replace(/"/g, "").toLowerCase();
  if (c === "utf-8" || c === "utf8") return undefined; // decode with the fallback anyway
  return iconv.encodingExists(c) ? c : undefined;
}

/** Decodes bytes as UTF-8, or windows-1252 when they are not valid UTF-8. */
export function decodeBytes(bytes: Uint8Array, charset?: string): { text: string; encoding: DocumentEncoding } {
  if (charset) return { text: iconv.decode(Buffer.from(bytes), charset), encoding: charset };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "utf-8" };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), "win1252"), encoding: "windows-1252" };
  }
}

/**
 * Streaming decoder: UTF-8 until the first invalid sequence, windows-1252 from that chunk on (text before it
 * was valid UTF-8; in Amazon's files that part is the ASCII header, so both readings agree).
 */
export async function* decodeChunks(
  source: AsyncIterable<Buffer>,
  charset: string | undefined,
  state: { encoding: DocumentEncoding },
): AsyncIterable<string> {
  if (charset) {
    const d = iconv.getDecoder(charset);
    state.encoding = charset;
    for await (const c of source) {
      const s = d.write(c);
      if (s) yield s;
    }
    const rest = d.end();
    if (rest) yield rest;
    return;
  }
  let utf8: TextDecoder | undefined = new TextDecoder("utf-8", { fatal: true });
  let win: ReturnType<typeof iconv.getDecoder> | undefined;
  let pending: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    if (utf8) {
      try {
        const s = utf8.decode(chunk, { stream: true });
        pending = Buffer.alloc(0);
        if (s) yield s;
        continue;
      } catch {
        utf8 = undefined;
        win = iconv.getDecoder("win1252");
        state.encoding = "windows-1252";
        // Bytes of a split multi-byte sequence from the previous chunk are lost to TextDecoder; they were
        // not valid UTF-8 either, so decode this chunk alone.
        pending = chunk;
      }
    }
    const s = win!.write(pending.length ? pending : chunk);
    pending = Buffer.alloc(0);
    if (s) yield s;
  }
  if (utf8) {
    try {
      const rest = utf8.decode();
      if (rest) yield rest;
    } catch {
      state.encoding = "windows-1252";
    }
  } else if (win) {
    const rest = win.end();
    if (rest) yield rest;
  }
}

/** Opens a document as a stream of decoded text. Call right after fetching the document reference. */
export async function openDocument(doc: DocumentRef, agent: Agent | undefined, timeoutMs = 120_000): Promise<DocumentStream> {
  const res = await request(doc.url, "GET", agent, timeoutMs);
  if (res.statusCode !== 200) await failure(res, "document download");
  const contentType = res.headers["content-type"];
  const encodingHeader = String(res.headers["content-encoding"] ?? "").toLowerCase();
  const gz = doc.compressionAlgorithm === "GZIP" || encodingHeader === "gzip";
  const body: AsyncIterable<Buffer> = gz ? res.pipe(createGunzip()) : res;
  const state = { encoding: "utf-8" as DocumentEncoding };
  return { chunks: decodeChunks(body, charsetOf(contentType), state), contentType, encoding: () => state.encoding };
}

/** Downloads a whole document (decompressed and decoded). */
export async function downloadDocument(doc: DocumentRef, agent: Agent | undefined, timeoutMs = 120_000): Promise<DownloadedDocument> {
  const res = await request(doc.url, "GET", agent, timeoutMs);
  if (res.statusCode !== 200) await failure(res, "document download");
  const contentType = res.headers["content-type"];
  const encodingHeader = String(res.headers["content-encoding"] ?? "").toLowerCase();
  const gz = doc.compressionAlgorithm === "GZIP" || encodingHeader === "gzip";
  const raw = await readAll(gz ? res.pipe(createGunzip()) : res);
  const { text, encoding } = decodeBytes(raw, charsetOf(contentType));
  return { text, encoding, bytes: raw.length, contentType };
}

/** Uploads feed content to the presigned URL from createFeedDocument (the same content type as declared). */
export async function uploadDocument(
  url: string,
  content: string | Uint8Array,
  contentType: string,
  agent: Agent | undefined,
  timeoutMs = 120_000,
): Promise<void> {
  const body = typeof content === "string" ? Buffer.from(content, "utf8") : Buffer.from(content);
  const res = await request(url, "PUT", agent, timeoutMs, body, contentType);
  if (res.statusCode !== 200) await failure(res, "feed upload");
  res.resume();
}
