/**
 * A crash in the middle of a bulk write, end to end on the local host: the catch-up finds 120 orders (no
 * notification came) and hands them over as bulk imports; the worker of one bulk dies right after D365 ran its
 * headers' `$batch`, the worker of the other right after D365 ran its lines' `$batch` (their answers never
 * arrive, nothing after them runs). Service Bus delivers each bulk message again when its lock runs out; the
 * redelivery takes over the dead worker's leases, finds the headers by CustomersOrderReference and the lines by
 * their keys, and writes only what is missing. Every order ends in D365 exactly once with all its lines.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatorCredential } from "../../../src/d365/auth";
import type { BatchOperation, BatchOperationResult, BatchOptions } from "../../../src/d365/client";
import { D365Connector } from "../../../src/d365/index";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startLocalHost, type HostSummary, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { currentApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor } from "../../integration/amazon/sim-client";

const ORDERS = 120;

/** Dies (never answers, then fails) right after D365 ran the first headers' $batch and the first lines' $batch. */
class DyingConnector extends D365Connector {
  readonly died: string[] = [];
  private readonly graves: (() => void)[] = [];
  override async batch<T>(ops: readonly BatchOperation[], options?: BatchOptions): Promise<BatchOperationResult<T>[]> {
    const results = await super.batch<T>(ops, options);
    const kind = ops.some((o) => o.method === "POST" && o.entitySet === "SalesOrderHeadersV4")
      ? "headers"
      : ops.some((o) => o.method === "POST" && o.entitySet === "SalesOrderLinesV3")
        ? "lines"
        : undefined;
    if (kind && !this.died.includes(kind)) {
      this.died.push(kind);
      await new Promise<void>((r) => this.graves.push(r));
      throw new Error("the process is gone");
    }
    return results;
  }
  /** Lets the dead workers' promises end (their writes fail; nothing of theirs counts any more). */
  bury(): void {
    for (const g of this.graves.splice(0)) g();
  }
}

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
let d365: DyingConnector;
let summary: HostSummary;
const ids: string[] = [];

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 13 });
  spapi = await startSpApiSimulator({ port: 0, seed: 13, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "bulk-crash-e2e-")) });
  spapi.sim.data.orders.length = 0;
  const markets = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];
  for (let i = 0; i < ORDERS; i++) {
    const fba = i % 2 === 0;
    const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
    const items = Array.from({ length: 1 + (i % 3) }, (_, l) => ({ sku: pool[(i + l) % pool.length]!.sku, quantity: 1 + (l % 2) }));
    ids.push(
      spapi.sim.addOrder({ marketplaceId: markets[i % 3], status: "Unshipped", fulfillmentChannel: fba ? "AFN" : "MFN", items })
        .amazonOrderId,
    );
  }
  spapi.sim.advance(5 * 60_000);
  d365 = new DyingConnector({
    baseUrl: d365Sim.url,
    credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "e2e", "fake-secret"),
    company: "usmf",
    maxRetries: 2,
    baseBackoffMs: 5,
    timeoutMs: 10_000,
  });
  const prefix = `bulkcrash${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, "");
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "bulk-crash-e2e-host-")),
    // The host renews a message's lock while its function runs, up to maxAutoLockRenewalDuration; a worker that
    // died holds it until then (here 15 s instead of 30 min), and Service Bus delivers the message again.
    busOptions: { lockDurationMs: 1000, maxAutoLockRenewalMs: 15_000, timeScale: 1000 },
    config: loadConfig({
      STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
      STATE_TABLE_PREFIX: prefix,
      ORDERS_INITIAL_LOOKBACK_DAYS: "1",
    }),
    app: {
      clock: { now: () => spapi.sim.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) },
      d365,
      spapi: clientFor(spapi, { maxRetries: 2, backoffBaseMs: 5 }),
      mappings: Mappings.load(join(__dirname, "../../../mappings")),
    },
    log: () => undefined,
  });
  expect((await host.runTimer("order-catchup")).ok).toBe(true);
  // The redeliveries finish the work while the dead workers still "hang".
  const done = () => {
    const headers = d365Sim.rows("SalesOrderHeadersV4", "usmf");
    const lines = d365Sim.rows("SalesOrderLinesV3", "usmf");
    return (
      headers.length === ORDERS &&
      lines.length === ids.reduce((n, id) => n + spapi.sim.data.orders.find((o) => o.amazonOrderId === id)!.items.length, 0)
    );
  };
  for (let i = 0; i < 1200 && !(done() && d365.died.length === 2); i++) await new Promise((r) => setTimeout(r, 50));
  d365.bury();
  summary = await host.drain({ timeoutMs: 60_000 });
}, 120_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

describe("a crash in the middle of a bulk write", () => {
  it("really happened: one worker died after the headers, one after the lines, and their messages came again", () => {
    expect(d365.died.sort()).toEqual(["headers", "lines"]);
    expect(summary.invocations["order-import"]?.ok).toBeGreaterThanOrEqual(2);
  });

  it("every order is in D365 exactly once, with each of its lines once", () => {
    const headers = d365Sim.rows("SalesOrderHeadersV4", "usmf");
    const lines = d365Sim.rows("SalesOrderLinesV3", "usmf");
    for (const id of ids) {
      const mine = headers.filter((h) => h.CustomersOrderReference === id);
      expect(mine, id).toHaveLength(1);
      const own = lines.filter((l) => l.SalesOrderNumber === mine[0]!.SalesOrderNumber);
      const order = spapi.sim.data.orders.find((o) => o.amazonOrderId === id)!;
      expect(own.map((l) => l.OrderLineReference).sort(), id).toEqual(order.items.map((i) => i.orderItemId).sort());
    }
    expect(headers).toHaveLength(ORDERS);
  });

  it("dead-letters nothing, and the ledger says complete for every order with nothing left open", async () => {
    expect(summary.deadLettered).toEqual([]);
    const ledger = new StateOrderLedger(currentApp().state);
    for (const id of ids) expect((await ledger.get(id))?.status, id).toBe("complete");
    const open = [];
    for await (const o of ledger.openHandOvers()) open.push(o.handOver.amazonOrderId);
    expect(open).toEqual([]);
  });
});
