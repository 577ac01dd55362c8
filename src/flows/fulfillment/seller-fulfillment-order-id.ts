/**
 * The sellerFulfillmentOrderId of a D365 sales order: derived from the legal entity and the order number, so
 * every attempt to send the same order uses the same id (Amazon refuses a second order with an id it has,
 * and the flow looks the id up before creating again).
 *
 * Amazon allows at most 40 characters (both Fulfillment Outbound versions); the app keeps to letters, digits,
 * '-', '_' and '.', which every marketplace accepts. The id is `<prefix><COMPANY>-<ORDER NUMBER>`:
 * - upper case, because D365 compares order numbers and legal entities without case;
 * - any other character of the order number (a '/' or a space from a number sequence format, a '.') becomes
 *   '.' and its UTF-8 bytes in hex ("SO/1" -> "SO.2F1"), so two different numbers never give the same id;
 * - an id longer than 40 characters keeps its first 29 and adds '_' and 10 characters of a SHA-256 of the
 *   whole id (collisions are negligible).
 */
import { createHash } from "node:crypto";

export const MAX_SELLER_FULFILLMENT_ORDER_ID = 40;
const HASH_CHARS = 10;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function encode(text: string): string {
  let out = "";
  for (const ch of text.toUpperCase()) {
    if (/[A-Z0-9_-]/.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, "utf8")) out += `.${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function base32(bytes: Uint8Array, chars: number): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    if (out.length >= chars) break;
  }
  return out;
}

export function sellerFulfillmentOrderIdFor(company: string, salesOrderNumber: string, prefix = ""): string {
  if (!company.trim() || !salesOrderNumber.trim()) throw new Error("a legal entity and a sales order number are needed");
  const full = `${prefix}${encode(company.trim())}-${encode(salesOrderNumber.trim())}`;
  if (full.length <= MAX_SELLER_FULFILLMENT_ORDER_ID) return full;
  const hash = base32(createHash("sha256").update(full).digest(), HASH_CHARS);
  return `${full.slice(0, MAX_SELLER_FULFILLMENT_ORDER_ID - HASH_CHARS - 1)}_${hash}`;
}
