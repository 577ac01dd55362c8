/**
 * Health checks: a table of cheap probes, one per dependency (state reachable, a secret readable, a D365
 * token obtainable, an SP-API token obtainable), built by the wiring from the app's parts. `GET /api/health`
 * is anonymous (load balancers, uptime monitors), so it never runs them per caller: a HealthCache keeps the last
 * result for HEALTH_CACHE_SECONDS and runs the probes once for all callers that ask while they run. Probes only
 * read (no row is written per check).
 */
import type { Clock } from "./clock";
import { describeError } from "./errors";
import type { SecretStore, StateStore } from "./ports";
import { SECRET_NAMES } from "./secrets";

export interface HealthResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

/** Resolves with a short detail when the dependency answers; throws (or times out) when it does not. */
export type HealthProbe = () => Promise<string | undefined>;

/** Probes by name, run in this order. */
export type HealthProbes = Record<string, HealthProbe>;

export async function runHealthChecks(probes: HealthProbes, timeoutMs = 10_000): Promise<{ ok: boolean; checks: HealthResult[] }> {
  const checks = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<HealthResult> => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const detail = await Promise.race([
          probe(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { name, ok: true, ms: Date.now() - started, ...(detail ? { detail } : {}) };
      } catch (err) {
        return { name, ok: false, ms: Date.now() - started, detail: describeError(err) };
      } finally {
        if (timer) clearTimeout(timer);
      }
    }),
  );
  return { ok: checks.every((c) => c.ok), checks };
}

/** State: the health table answers a read (a missing row is an answer; nothing is written). */
export async function probeState(state: StateStore, _clock?: Clock): Promise<string> {
  await state.get("health", "health", "probe");
  return "table read ok";
}

export interface HealthReport {
  ok: boolean;
  checks: HealthResult[];
  /** When the probes ran (ISO 8601). */
  checkedAt: string;
}

/** The last health report, kept for `ttlMs`; one run of the probes at a time, shared by every caller that waits. */
export class HealthCache {
  private last: { report: HealthReport; at: number } | undefined;
  private running: Promise<HealthReport> | undefined;
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async get(probes: () => HealthProbes): Promise<HealthReport> {
    if (this.last && this.now() - this.last.at < this.ttlMs) return this.last.report;
    this.running ??= (async () => {
      try {
        const at = this.now();
        const result = await runHealthChecks(probes());
        const report = { ...result, checkedAt: new Date(at).toISOString() };
        this.last = { report, at };
        return report;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}

/** What an anonymous caller sees: the overall status and each check's name and outcome, no texts. */
export function publicHealth(report: HealthReport): { ok: boolean; checkedAt: string; checks: { name: string; ok: boolean }[] } {
  return { ok: report.ok, checkedAt: report.checkedAt, checks: report.checks.map((c) => ({ name: c.name, ok: c.ok })) };
}

/** Secrets: which of the app's secrets are set (names only, never values). */
export async function probeSecrets(secrets: SecretStore, where: "Key Vault" | "environment"): Promise<string> {
  const present: string[] = [];
  const missing: string[] = [];
  for (const name of SECRET_NAMES) ((await secrets.tryGet(name)) ? present : missing).push(name);
  // A missing secret is reported, not failed: which ones are needed depends on settings.
  return `${where}: ${present.length} of ${SECRET_NAMES.length} set` + (missing.length ? `; not set: ${missing.join(", ")}` : "");
}
