/** Test helper: an SP-API simulator on a free loopback port and clients that reach it through the override agent. */
import { mkdtempSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SharedRateLimiter, SpApiClient, overrideAgentFor } from "../../../src/amazon";
import type { Clock } from "../../../src/platform/clock";
import { systemClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { StateStore } from "../../../src/platform/ports";
import { startSpApiSimulator, type SpApiSimulator, type SpApiSimulatorOptions } from "../../../src/local/spapi-sim";

export const FAKE_CREDENTIALS = {
  clientId: "amzn1.application-oa2-client.demo",
  clientSecret: "fake-secret",
  refreshToken: "Atzr|fake-refresh-token",
};

export async function startSim(opts: Partial<SpApiSimulatorOptions> = {}): Promise<SpApiSimulator> {
  return startSpApiSimulator({ port: 0, seed: 42, dataDir: mkdtempSync(join(tmpdir(), "spapi-sim-test-")), ...opts });
}

export interface ClientOptions {
  state?: StateStore;
  clock?: Clock;
  maxRetries?: number;
  useRdt?: boolean;
  sellerId?: string;
  backoffBaseMs?: number;
  timeoutMs?: number;
  mcfApi?: "2020-07-01" | "2026-07-04";
}

export function clientFor(sim: SpApiSimulator, o: ClientOptions = {}): SpApiClient {
  const clock = o.clock ?? systemClock;
  return new SpApiClient({
    region: "na",
    sellerId: o.sellerId ?? "A2DEMOSELLER01",
    credentials: async () => FAKE_CREDENTIALS,
    limiter: new SharedRateLimiter({ state: o.state ?? new MemoryStateStore(), clock }),
    clock,
    agent: overrideAgentFor(sim.url, sim.caFile),
    maxRetries: o.maxRetries ?? 3,
    useRdt: o.useRdt ?? false,
    backoffBaseMs: o.backoffBaseMs ?? 20,
    timeoutMs: o.timeoutMs ?? 10_000,
    mcfApi: o.mcfApi,
  });
}

/** Calls a simulator control endpoint (plain HTTPS, trusting the generated certificate). */
export function control(sim: SpApiSimulator, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      `${sim.url}${path}`,
      { method, ca: sim.caPem, headers: data ? { "content-type": "application/json" } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}
