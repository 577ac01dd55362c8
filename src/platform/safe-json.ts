/**
 * JSON from outside, parsed without letting its shape hurt the app: a text nested deeper than `maxDepth` (100,000
 * `[` is 200 KB) is refused before it is parsed, so no recursive walk over it (validation, unwrapping, logging) can
 * overflow the stack. The check is one pass over the characters, outside string literals.
 */
import { ValidationError } from "./errors";

/** Deeper than any JSON the app accepts (a notification in an EventBridge envelope is about 6 levels deep). */
export const MAX_JSON_DEPTH = 64;

/** The nesting depth of a JSON text (arrays and objects), or `limit + 1` as soon as it passes `limit`. */
export function jsonDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

/** JSON.parse with a depth limit; a ValidationError (400) saying what is wrong, with `code` for the caller's domain. */
export function parseJsonText(text: string, options: { what: string; code: string; maxDepth?: number }): unknown {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new ValidationError(options.code, `${options.what} is nested more than ${maxDepth} levels deep; no valid request is`, {
      where: "$",
    });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(options.code, `${options.what} is not valid JSON: ${(err as Error).message}`, { where: "$" });
  }
}
