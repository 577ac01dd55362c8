/**
 * Health checks: a table of cheap probes, one per dependency (state reachable, a secret readable, a D365
 * token obtainable, an SP-API token obtainable), built by the wiring from the app's parts. `GET /api/health`
 * runs them all.
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

/** State: a row written to the health table can be read back. */
export async function probeState(state: StateStore, clock: Clock): Promise<string> {
  const row = { partitionKey: "health", rowKey: "probe", checkedAt: clock.now() };
  await state.upsert("health", row);
  const back = await state.get("health", "health", "probe");
  if (!back) throw new Error("a row written to the health table could not be read back");
  return "table write and read ok";
}

/** Secrets: which of the app's secrets are set (names only, never values). */
export async function probeSecrets(secrets: SecretStore, where: "Key Vault" | "environment"): Promise<string> {
  const present: string[] = [];
  const missing: string[] = [];
  for (const name of SECRET_NAMES) ((await secrets.tryGet(name)) ? present : missing).push(name);
  // A missing secret is reported, not failed: which ones are needed depends on settings.
  return `${where}: ${present.length} of ${SECRET_NAMES.length} set` + (missing.length ? `; not set: ${missing.join(", ")}` : "");
}
