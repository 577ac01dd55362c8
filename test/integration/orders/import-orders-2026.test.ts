/**
 * SPAPI_ORDERS_API=2026-01-01 against both simulators: every seeded order of the demo seller, imported
 * through Orders 2026-01-01 getOrder (one call per order, no v0 order reads), becomes the same D365
 * header and lines as the same order imported through Orders v0 into a second D365 simulator.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importOrder, type ImportOutcome } from "../../../src/flows/orders/import-order";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import type { SimOrder } from "../../../src/local/spapi-sim/data";
import { loadConfig } from "../../../src/wiring/config";
import { isRetryable } from "../../../src/platform/errors";
import { simDeps } from "./sim-deps";

let d365v0: D365Simulator;
let d365v2026: D365Simulator;
let spapi: SpApiSimulator;
let orders: SimOrder[];
const outcomes = { v0: new Map<string, string>(), v2026: new Map<string, string>() };
let calls: Record<string, number> = {};

async function importAll(env: ReturnType<typeof simDeps>, into: Map<string, string>): Promise<void> {
  for (const o of orders) {
    let result: ImportOutcome | Error | undefined;
    for (let attempt = 1; attempt <= 10 && !result; attempt++) {
      try {
        result = await importOrder({ amazonOrderId: o.amazonOrderId, source: "test" }, env.deps);
      } catch (err) {
        if (!isRetryable(err)) result = err as Error;
      }
    }
    into.set(
      o.amazonOrderId,
      result instanceof Error
        ? `error ${(result as { code?: string }).code ?? result.message}`
        : `${result?.outcome} ${result?.linesCreated}`,
    );
  }
}

beforeAll(async () => {
  d365v0 = await startD365Simulator({ port: 0, seed: 42 });
  d365v2026 = await startD365Simulator({ port: 0, seed: 42 });
  spapi = await startSpApiSimulator({ port: 0, seed: 42, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "orders-2026-it-")) });
  spapi.sim.addOrder({
    marketplaceId: "A1F83G8C2ARO7P",
    status: "Unshipped",
    items: [{ sku: "DEMO-CABLE-USBC-2M", quantity: 3, shippingPrice: "3.99", promotionDiscount: "1.50" }],
  });
  orders = [...spapi.sim.data.orders];
  await importAll(simDeps(d365v0, spapi), outcomes.v0);
  spapi.sim.reset();
  const ordersApi = loadConfig({ SPAPI_ORDERS_API: "2026-01-01" }).SPAPI_ORDERS_API;
  await importAll(simDeps(d365v2026, spapi, undefined, ordersApi), outcomes.v2026);
  calls = spapi.sim.requestCounts().counts;
}, 120_000);

afterAll(async () => {
  await spapi?.stop();
  await d365v0?.stop();
  await d365v2026?.stop();
});

/** A D365 row without what the simulator assigns itself (number, record ids, timestamps). */
const comparable = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).filter(([k]) => !/^(SalesOrderNumber|InventoryLotId|RecId|@odata|.*DateTime$)/.test(k)));
const headerOf = (sim: D365Simulator, id: string) =>
  sim.rows("SalesOrderHeadersV4", "usmf").filter((h) => h.CustomersOrderReference === id);
const linesOf = (sim: D365Simulator, header: Record<string, unknown> | undefined) =>
  header
    ? sim
        .rows("SalesOrderLinesV3", "usmf")
        .filter((l) => l.SalesOrderNumber === header.SalesOrderNumber)
        .map(comparable)
        .sort(
          (a, b) =>
            Number(a.LineCreationSequenceNumber ?? a.CustomersLineNumber) - Number(b.LineCreationSequenceNumber ?? b.CustomersLineNumber),
        )
    : [];

describe("importing orders with SPAPI_ORDERS_API=2026-01-01", () => {
  it("reads every order and its items with one Orders 2026-01-01 getOrder call and no v0 order reads", () => {
    expect(calls.getOrder ?? 0).toBe(0);
    expect(calls.getOrderItems ?? 0).toBe(0);
    expect(calls.getOrder2026).toBe(orders.length);
  });

  it("has the same outcome for every seeded order as with v0 (created, waiting, skipped, mapping gaps)", () => {
    expect(orders.length).toBeGreaterThanOrEqual(60);
    expect([...outcomes.v2026.entries()]).toEqual([...outcomes.v0.entries()]);
    expect([...outcomes.v0.values()].filter((v) => v.startsWith("created")).length).toBeGreaterThan(20);
  });

  it("creates the same D365 header and lines, field by field, as the v0 import", () => {
    let compared = 0;
    for (const o of orders) {
      const [a, b] = [headerOf(d365v0, o.amazonOrderId), headerOf(d365v2026, o.amazonOrderId)];
      expect(b.length, o.amazonOrderId).toBe(a.length);
      if (!a.length) continue;
      expect(comparable(b[0]), o.amazonOrderId).toEqual(comparable(a[0]));
      const lines = linesOf(d365v0, a[0]);
      expect(lines.length).toBeGreaterThan(0);
      expect(linesOf(d365v2026, b[0]), o.amazonOrderId).toEqual(lines);
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
  });
});
