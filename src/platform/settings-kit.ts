/** zod helpers for app settings, which always arrive as strings (or are absent). */
import { z } from "zod";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const setting = {
  string: (fallback?: string) =>
    fallback === undefined ? z.preprocess(blankToUndefined, z.string()) : z.preprocess(blankToUndefined, z.string().default(fallback)),
  optionalString: () => z.preprocess(blankToUndefined, z.string().optional()),
  url: (fallback?: string) =>
    fallback === undefined ? z.preprocess(blankToUndefined, z.url()) : z.preprocess(blankToUndefined, z.url().default(fallback)),
  optionalUrl: () => z.preprocess(blankToUndefined, z.url().optional()),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.preprocess(blankToUndefined, z.coerce.number().int().min(min).max(max).default(fallback)),
  number: (fallback: number, min = 0) => z.preprocess(blankToUndefined, z.coerce.number().min(min).default(fallback)),
  bool: (fallback: boolean) =>
    z.preprocess((v) => {
      const b = blankToUndefined(v);
      if (b === undefined) return undefined;
      if (typeof b === "boolean") return b;
      const s = String(b).toLowerCase();
      if (["true", "1", "yes"].includes(s)) return true;
      if (["false", "0", "no"].includes(s)) return false;
      return b;
    }, z.boolean().default(fallback)),
  list: (fallback: string[]) =>
    z.preprocess(
      (v) => {
        const b = blankToUndefined(v);
        return typeof b === "string"
          ? b
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean)
          : b;
      },
      z.array(z.string().min(1)).min(1).default(fallback),
    ),
  enumOf: <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
    z.preprocess(blankToUndefined, z.enum(values).default(fallback)),
  /** An NCRONTAB schedule with six fields (second minute hour day month weekday), as Azure Functions uses. */
  cron: (fallback: string) =>
    z.preprocess(
      blankToUndefined,
      z
        .string()
        .refine((s) => s.trim().split(/\s+/).length === 6, "must be a six-field NCRONTAB expression, e.g. '0 */5 * * * *'")
        .default(fallback),
    ),
};
