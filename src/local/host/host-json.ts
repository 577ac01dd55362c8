/**
 * The parts of host.json that the local host honours like the Functions host does: the Service Bus extension's
 * lock renewal (extensions.serviceBus.maxAutoLockRenewalDuration) and the function timeout.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { z } from "zod";

/** A .NET TimeSpan as host.json writes it: [d.]hh:mm:ss[.fffffff]. Returns milliseconds. */
export function parseTimeSpan(text: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a time span ([d.]hh:mm:ss[.fff])`);
  const fraction = m[5] ? Number(`0.${m[5]}`) * 1000 : 0;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000 + Math.round(fraction);
}

const TimeSpan = z.string().transform((text, ctx) => {
  try {
    return parseTimeSpan(text);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: (err as Error).message });
    return z.NEVER;
  }
});

const HostJson = z.object({
  functionTimeout: TimeSpan.optional(),
  extensions: z
    .object({
      serviceBus: z.object({ maxAutoLockRenewalDuration: TimeSpan.optional() }).partial().optional(),
    })
    .partial()
    .optional(),
});

export interface HostJsonSettings {
  /** functionTimeout in ms; undefined when host.json does not set it. */
  functionTimeoutMs?: number;
  /** Service Bus maxAutoLockRenewalDuration in ms; the extension's default (5 minutes) when not set. */
  maxAutoLockRenewalMs: number;
}

/** The Service Bus extension's default maxAutoLockRenewalDuration. */
export const DEFAULT_MAX_AUTO_LOCK_RENEWAL_MS = 5 * 60_000;

export function hostJsonSettings(json: unknown, where = "host.json"): HostJsonSettings {
  const parsed = HostJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${where}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return {
    functionTimeoutMs: parsed.data.functionTimeout,
    maxAutoLockRenewalMs: parsed.data.extensions?.serviceBus?.maxAutoLockRenewalDuration ?? DEFAULT_MAX_AUTO_LOCK_RENEWAL_MS,
  };
}

/** The app's host.json: in the current folder (as the Functions host and `npm start` use it), else the package's. */
function defaultHostJson(): string {
  const inCwd = path.resolve("host.json");
  if (existsSync(inCwd)) return inCwd;
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, "host.json");
    if (existsSync(candidate)) return candidate;
  }
  return inCwd;
}

/** Reads host.json; the extension defaults when there is none. */
export function readHostJson(file = defaultHostJson()): HostJsonSettings {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { maxAutoLockRenewalMs: DEFAULT_MAX_AUTO_LOCK_RENEWAL_MS };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  return hostJsonSettings(json, file);
}
