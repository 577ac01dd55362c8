/**
 * The shared rate limiter under load: four app instances (four clients, one shared bucket in Table Storage
 * on Azurite) call getOrders on the simulator at the same time. The simulator enforces Amazon's published
 * plan (0.0167 rps, burst 20) sped up by a time-scale factor. No caller may see a 429, and together they
 * must use at least 90% of the quota.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS, type SpApiClient } from "../../../src/amazon";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { TableStateStore } from "../../../src/platform/azure/table-state";
import { clientFor, startSim } from "./sim-client";

const TIME_SCALE = 600; // getOrders: 0.0167 rps × 600 ≈ 10 rps, burst 20
const INSTANCES = 4;
const CALLS_PER_INSTANCE = 30;
const US = "ATVPDKIKX0DER";

let sim: SpApiSimulator;

beforeAll(async () => {
  sim = await startSim({ timeScale: TIME_SCALE });
});
afterAll(async () => {
  await sim?.stop();
});

async function hammer(clients: SpApiClient[], calls: number): Promise<{ ok: number; errors: unknown[]; elapsedMs: number }> {
  const since = new Date(Date.now() - 3 * 86_400_000);
  const errors: unknown[] = [];
  let ok = 0;
  const started = Date.now();
  await Promise.all(
    clients.map(async (c) => {
      for (let i = 0; i < calls; i++) {
        try {
          await c.getOrdersPage({ marketplaceIds: [US], createdAfter: since, maxResultsPerPage: 5 });
          ok++;
        } catch (err) {
          errors.push(err);
        }
      }
    }),
  );
  return { ok, errors, elapsedMs: Date.now() - started };
}

describe("the shared SP-API rate limiter", () => {
  it("keeps four instances sharing a Table Storage bucket within getOrders' quota, without a 429 reaching a caller, at ≥ 90% of the quota", async () => {
    const connectionString = process.env.TEST_STORAGE_CONNECTION_STRING;
    expect(connectionString, "globalSetup must start Azurite").toBeTruthy();
    const prefix = `rl${Date.now().toString(36)}`;
    // Each instance has its own StateStore object, as separate processes would; they share only the table.
    const stores = Array.from(
      { length: INSTANCES },
      () => new TableStateStore({ target: { connectionString: connectionString! }, prefix }),
    );
    const clients = stores.map((state) => clientFor(sim, { state, maxRetries: 3 }));
    // Warm up outside the measurement: LWA tokens and the table (created on first use).
    await Promise.all(clients.map((c) => c.checkAuth()));
    await stores[0].upsert("spapiRateLimits", { partitionKey: "warm-up", rowKey: "warm-up" });
    sim.sim.reset();

    const { ok, errors, elapsedMs } = await hammer(clients, CALLS_PER_INSTANCE);

    const spec = OPERATIONS.getOrders;
    const rate = spec.rate * TIME_SCALE;
    const allowed = spec.burst + (rate * elapsedMs) / 1000; // the most any caller could have had in that time
    const achieved = ok / allowed;
    const counts = sim.sim.requestCounts();
    const throttled = counts.throttled.getOrders ?? 0;
    console.log(
      `rate-limit: ${INSTANCES} instances, ${ok} getOrders calls in ${(elapsedMs / 1000).toFixed(2)} s; quota allowed ${allowed.toFixed(1)} ` +
        `(burst ${spec.burst} + ${rate.toFixed(2)}/s); achieved ${(achieved * 100).toFixed(1)}% of the quota; ` +
        `steady rate ${(((ok - spec.burst) * 1000) / elapsedMs).toFixed(2)}/s; 429s absorbed by retries: ${throttled}; ` +
        `requests seen by the simulator: ${counts.counts.getOrders}`,
    );
    expect(errors).toEqual([]);
    expect(ok).toBe(INSTANCES * CALLS_PER_INSTANCE);
    expect(achieved).toBeGreaterThanOrEqual(0.9);
    expect(throttled).toBeLessThanOrEqual(Math.ceil(ok * 0.05));
  }, 60_000);

  it("without shared state the same instances overrun the quota and callers see 429s (why the bucket must be shared)", async () => {
    sim.sim.reset();
    const clients = Array.from({ length: INSTANCES }, () => clientFor(sim, { state: new MemoryStateStore(), maxRetries: 0 }));
    const { errors } = await hammer(clients, 8);
    const counts = sim.sim.requestCounts();
    console.log(
      `rate-limit (unshared): ${errors.length} of ${INSTANCES * 8} calls failed with 429 at the simulator (${counts.throttled.getOrders ?? 0} throttled)`,
    );
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => (e as { kind?: string }).kind === "throttled")).toBe(true);
  }, 60_000);
});
