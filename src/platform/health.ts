/**
 * Health checks: each adapter registers a cheap probe of its dependency (state reachable, a secret
 * readable, a D365 token obtainable, an SP-API token obtainable). `GET /api/health` runs them all.
 */
import type { Runtime } from "../runtime";
import { describeError } from "./errors";

export interface HealthResult {
  name: string;
  ok: boolean;
  ms: number;
  detail?: string;
}

type Probe = (rt: Runtime) => Promise<string | void>;
const probes = new Map<string, Probe>();

export function registerHealthCheck(name: string, probe: Probe): void {
  probes.set(name, probe);
}

export async function runHealthChecks(rt: Runtime, timeoutMs = 10_000): Promise<{ ok: boolean; checks: HealthResult[] }> {
  const checks = await Promise.all(
    [...probes.entries()].map(async ([name, probe]): Promise<HealthResult> => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        const detail = await Promise.race([
          probe(rt),
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
