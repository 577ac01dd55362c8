/**
 * End to end through the local host: the orders flow imports the demo seller's orders into the D365
 * simulator, then `POST /api/returns/sync` (202 + Location) reads the seeded returns (FBA and FBM reports,
 * an MCF order's return items) and refunds while faults are injected everywhere (SP-API 429s and dropped
 * connections, D365 429/503 and drops, a crash between a return order's header and its lines). Proves what a
 * user checks: every seeded return is exactly one D365 return order linked to its sales order, with mapped
 * reason and disposition, in the right warehouse; a second run and an overlapping window change nothing; the
 * unknown reason stops as needs-mapping and imports after the mapping is added and the item replayed; bad
 * report rows are reported with their line numbers; refunds are matched, and those without a return (and
 * returns without a refund) are listed for review; a return whose order D365 does not have is a review item.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatorCredential } from "../../../src/d365/auth";
import { D365Connector } from "../../../src/d365/index";
import { returnMessageId } from "../../../src/flows/returns/import-return";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import type { SimReturn } from "../../../src/local/spapi-sim/returns";
import { Mappings } from "../../../src/mapping/mappings";
import { listParked } from "../../../src/platform/parked-messages";
import type { SecretStore } from "../../../src/platform/ports";
import { currentApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor } from "../../integration/amazon/sim-client";

const REPO_MAPPINGS = join(__dirname, "../../../mappings");
const QUEUE = "return-import";

/** A D365 connection that "crashes" right after D365 created a return order header: its lines never get sent. */
class CrashingConnector extends D365Connector {
  crashes = 0;
  private headers = 0;
  constructor(
    url: string,
    private readonly crashEvery: number,
    private readonly maxCrashes: number,
  ) {
    super({
      baseUrl: url,
      credential: new SimulatorCredential(`${url}/oauth2/token`, "e2e", "fake-secret"),
      company: "usmf",
      batchSize: 100,
      maxRetries: 1,
      baseBackoffMs: 5,
      timeoutMs: 5000,
      sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
    });
  }
  override async create<T>(entitySet: string, body: object): Promise<T> {
    const row = await super.create<T>(entitySet, body);
    if (entitySet === "ReturnOrderHeadersV2" && ++this.headers % this.crashEvery === 1 && this.crashes < this.maxCrashes) {
      this.crashes++;
      throw new Error("simulated crash between header and lines");
    }
    return row;
  }
}

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
let d365: CrashingConnector;
let mappingsDir: string;
let seeded: SimReturn[];
let firstSync: Record<string, any>;

type Row = Record<string, any>;
const returnHeaders = (): Row[] => d365Sim.rows("ReturnOrderHeadersV2", "usmf");
const returnLines = (): Row[] => d365Sim.rows("ReturnOrderLinesV2", "usmf");
const salesHeaders = (): Row[] => d365Sim.rows("SalesOrderHeadersV4", "usmf");

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${host.url}/api/${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** POST /api/returns/sync, then poll its Location until it answers 200, then let the imports settle. */
async function sync(body?: unknown): Promise<Record<string, any>> {
  const started = await api("POST", "returns/sync", body);
  expect(started.status).toBe(202);
  const location = started.headers.get("location")!;
  expect(location).toMatch(/\/api\/returns\/sync$/);
  const deadline = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(location);
    const json = (await res.json()) as Record<string, any>;
    if (res.status === 200) {
      await host.drain({ timeoutMs: 120_000, horizonMs: 20_000 });
      return json;
    }
    expect(res.status).toBe(202);
    if (Date.now() > deadline) throw new Error(`sync still running: ${JSON.stringify(json)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const importable = () => seeded.filter((r) => !r.malformed);

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 42 });
  spapi = await startSpApiSimulator({ port: 0, seed: 42, timeScale: 600, dataDir: mkdtempSync(join(tmpdir(), "returns-e2e-")) });
  seeded = spapi.sim.returns.all();

  // The mapping files in a folder of the test's own: the test adds the missing reason later.
  mappingsDir = mkdtempSync(join(tmpdir(), "returns-e2e-mappings-"));
  for (const f of readdirSync(REPO_MAPPINGS)) if (f.endsWith(".json")) copyFileSync(join(REPO_MAPPINGS, f), join(mappingsDir, f));
  mkdirSync(join(mappingsDir, "schemas"));

  const prefix = `ret${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, "");
  const cfg = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: prefix,
    MAPPINGS_DIR: mappingsDir,
    ORDERS_INITIAL_LOOKBACK_DAYS: "40",
    RETURNS_INITIAL_LOOKBACK_DAYS: "30",
    RETURNS_REVIEW_AFTER_DAYS: "3",
    RETURNS_ORDER_WAIT_MINUTES: "0",
    QUEUE_MAX_DELIVERY_COUNT: "25",
  });
  d365 = new CrashingConnector(d365Sim.url, 3, 3);
  const secrets: SecretStore = { get: async () => "fake-secret", tryGet: async () => "fake-secret" };
  host = await startLocalHost({
    port: 0,
    schedules: false,
    timeScale: 1000,
    dataDir: mkdtempSync(join(tmpdir(), "returns-e2e-host-")),
    busOptions: { maxDeliveryCount: 25, retryDelayMs: 10, maxRetryDelayMs: 200, concurrency: 4 },
    config: cfg,
    app: { secrets, d365, spapi: clientFor(spapi, { maxRetries: 1, backoffBaseMs: 5 }), mappings: Mappings.load(mappingsDir) },
    log: () => undefined,
  });

  // The orders flow imports the seeded Amazon orders first: returns are made against their sales orders.
  expect((await host.runTimer("order-catchup")).ok).toBe(true);
  await host.drain({ timeoutMs: 120_000 });
  // An MCF order originates in D365: its sales order carries the MCF order id (CustomerRequisitionNumber).
  const speaker = DEMO_PRODUCTS.find((p) => p.sku === "DEMO-SPEAKER-BLK")!;
  const cable = DEMO_PRODUCTS.find((p) => p.sku === "DEMO-CABLE-USBC-1M")!;
  const mcf = await d365.salesOrders.createHeader({
    CustomersOrderReference: "WEB-55001",
    CustomerRequisitionNumber: "DEMO-MCF-1001",
    OrderingCustomerAccountNumber: "US-001",
    DefaultShippingSiteId: "FBA",
    DefaultShippingWarehouseId: "FBA-US",
  });
  await d365.salesOrders.createLines(mcf.SalesOrderNumber, [
    { ItemNumber: speaker.itemNumber, OrderedSalesQuantity: 2, SalesPrice: "79.00", ShippingSiteId: "FBA", ShippingWarehouseId: "FBA-US" },
    { ItemNumber: cable.itemNumber, OrderedSalesQuantity: 1, SalesPrice: "9.00", ShippingSiteId: "FBA", ShippingWarehouseId: "FBA-US" },
  ]);

  // Faults from here on: SP-API throttling and drops on every returns operation, D365 throttling, outages,
  // dropped connections, and a crash after a return order header (every third, three times).
  spapi.sim.addFaults([
    { operation: "createReport", status: 429, count: 2 },
    { operation: "getReport", drop: true, count: 2 },
    { operation: "getReportDocument", status: 503, count: 1 },
    { operation: "listTransactions", status: 429, count: 2 },
    { operation: "getFulfillmentOrder", drop: true, count: 1 },
  ]);
  d365Sim.injectFault({ kind: "throttle", target: "ReturnOrderHeadersV2", method: "POST", times: 3, retryAfterSeconds: 0 });
  d365Sim.injectFault({ kind: "error", target: "$batch", status: 503, times: 3 });
  d365Sim.injectFault({ kind: "drop", target: "SalesOrderHeadersV4", method: "GET", times: 3 });
  d365Sim.injectFault({ kind: "drop", target: "ReturnOrderLinesV2", method: "GET", times: 2 });

  firstSync = await sync();
}, 300_000);

afterAll(async () => {
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

describe("Amazon returns become D365 return orders, exactly once", () => {
  it("the faults really happened", () => {
    expect(d365.crashes).toBeGreaterThan(0);
    const counts = spapi.sim.requestCounts();
    expect(counts.throttled.createReport ?? 0).toBeGreaterThan(0);
  });

  it("the sync reads both reports of every marketplace and reports the malformed row with its line number", () => {
    const result = firstSync.result ?? firstSync.lastSync;
    expect(result.reports).toHaveLength(6);
    const bad = result.reports.flatMap((r: any) => r.problems ?? []);
    const malformed = seeded.find((r) => r.malformed)!;
    expect(bad).toHaveLength(1);
    expect(bad[0].line).toBeGreaterThan(1);
    expect(bad[0].message).toContain("2026-13-45T25:61:00+00:00");
    expect(bad[0].message).toContain('quantity "two"');
    expect(returnHeaders().some((h) => h.CustomersOrderReference === malformed.amazonOrderId)).toBe(false);
  });

  it("makes exactly one return order per mapped return, linked to its sales order, with mapped reason, disposition and warehouse", () => {
    const headers = returnHeaders();
    const lines = returnLines();
    const expected = importable().filter((r) => r.reason !== "FOUND_BETTER_PRICE");
    for (const r of expected) {
      const requisition = r.licensePlateNumber ?? r.rma;
      const mine = headers.filter((h) => h.CustomersOrderReference === r.amazonOrderId && h.CustomerRequisitionNumber === requisition);
      expect(mine, `${r.scenario} ${r.amazonOrderId}`).toHaveLength(1);
      const h = mine[0];
      const so = salesHeaders().filter((s) => s.CustomersOrderReference === r.amazonOrderId);
      expect(so, `sales order of ${r.amazonOrderId}`).toHaveLength(1);
      expect(h.CustomerAccountNumber).toBe(so[0].OrderingCustomerAccountNumber);
      const reason = { DEFECTIVE: "DEFECT", UNWANTED_ITEM: "UNWANTED", NOT_AS_DESCRIBED: "NOTASDESC", ORDERED_WRONG_ITEM: "WRONGITEM" }[
        r.reason
      ];
      expect(h.CustomerReturnReasonCode, r.scenario).toBe(reason);
      const own = lines.filter((l) => l.ReturnOrderNumber === h.ReturnOrderNumber);
      expect(own, `${r.scenario}: lines`).toHaveLength(1);
      expect(own[0].ReturnSalesQuantity).toBe(-r.quantity);
      expect(own[0].ExternalItemNumber).toBe(r.sku);
      expect(own[0].ItemNumber).toBe(DEMO_PRODUCTS.find((p) => p.sku === r.sku)!.itemNumber);
      if (r.channel === "FBA") {
        const disposition = { SELLABLE: "SELLABLE", DEFECTIVE: "DEFECTIVE", CUSTOMER_DAMAGED: "CUSTDAMAGE", CARRIER_DAMAGED: "CARRIERDMG" }[
          r.disposition!
        ];
        expect(own[0].ReturnDispositionCode, r.scenario).toBe(disposition);
        expect(own[0].ReturnWarehouseId).toBe(
          { ATVPDKIKX0DER: "FBA-US", A1F83G8C2ARO7P: "FBA-UK", A1PA6795UKMFR9: "FBA-DE" }[r.marketplaceId],
        );
      } else {
        expect(own[0].ReturnWarehouseId).toBe("13");
      }
    }
  });

  it("keeps two returns of one order apart (partial returns with two license plates, two RMAs)", () => {
    const byOrder = new Map<string, SimReturn[]>();
    for (const r of importable()) byOrder.set(r.amazonOrderId, [...(byOrder.get(r.amazonOrderId) ?? []), r]);
    const twice = [...byOrder.values()].filter((l) => l.length === 2);
    expect(twice.length).toBe(2);
    for (const pair of twice) {
      const mine = returnHeaders().filter((h) => h.CustomersOrderReference === pair[0].amazonOrderId);
      expect(mine).toHaveLength(2);
      expect(new Set(mine.map((h) => h.CustomerRequisitionNumber)).size).toBe(2);
    }
  });

  it("covers MCF returns through the MCF order's return items", () => {
    // Linked like any return: the sales order's own reference (the web shop's order), the MCF return in the requisition.
    const mine = returnHeaders().filter((h) => h.CustomersOrderReference === "WEB-55001");
    expect(mine).toHaveLength(1);
    expect(mine[0].CustomerAccountNumber).toBe("US-001");
    const own = returnLines().filter((l) => l.ReturnOrderNumber === mine[0].ReturnOrderNumber);
    expect(own).toHaveLength(1);
    expect(own[0].ReturnDispositionCode).toBe("DEFECTIVE");
    expect(own[0].ReturnWarehouseId).toBe("FBA-US");
  });

  it("stops the unknown reason as needs-mapping with a suggestion, and nothing reaches D365 for it", async () => {
    const unmapped = seeded.find((r) => r.reason === "FOUND_BETTER_PRICE")!;
    expect(returnHeaders().some((h) => h.CustomersOrderReference === unmapped.amazonOrderId)).toBe(false);
    const list = await api("GET", "returns?status=needs-mapping");
    expect(list.status).toBe(200);
    expect(list.json.returns.map((r: any) => r.amazonOrderId)).toEqual([unmapped.amazonOrderId]);
    const parked = (await listParked(currentApp().state, { queue: QUEUE })).filter((p) => p.reason === "mapping-gap");
    expect(parked).toHaveLength(1);
    expect(parked[0].description).toContain("FOUND_BETTER_PRICE");
    expect(parked[0].suggestion).toEqual({ file: "returns.json", add: { reasons: { FOUND_BETTER_PRICE: "UNWANTED" } } });
  });

  it("lists returns with their D365 return order, reason, disposition and refund; refunds are matched", async () => {
    const list = await api("GET", "returns");
    const partial = seeded.filter((r) => r.scenario.startsWith("fba-partial") || r.scenario.startsWith("fba-second"));
    for (const r of partial) {
      const item = list.json.returns.find((x: any) => x.returnId === r.licensePlateNumber);
      expect(item.status).toBe("imported");
      expect(item.returnOrderNumber).toMatch(/^\d{6}$/);
      expect(item.reasonCode).toBeTruthy();
      expect(item.lines[0].dispositionCode).toBeTruthy();
      expect(item.refund.state).toBe("refunded");
      expect(item.refund.quantity).toBe(1);
      expect(item.refund.amount).toBe(`-${r.refund!.amount}`);
    }
    const settled = seeded.find((r) => r.scenario === "fba-full-return-refund-settled")!;
    expect(list.json.returns.find((x: any) => x.returnId === settled.licensePlateNumber).refund.state).toBe("refunded");
  });

  it("lists refunds without a return and returns without a refund for review", async () => {
    const review = await api("GET", "returns?status=review");
    const refundOrders = review.json.refunds.map((f: any) => f.amazonOrderId).sort();
    const expectedRefunds = spapi.sim.returns
      .refundsWithoutReturn()
      .filter((f) => Date.now() - Date.parse(f.posted) > 3 * 86_400_000)
      .map((f) => f.amazonOrderId)
      .sort();
    expect(expectedRefunds.length).toBeGreaterThan(0);
    expect(refundOrders).toEqual(expectedRefunds);
    const noRefund = review.json.returns.filter((r: any) => r.refund.state === "no-refund").map((r: any) => r.amazonOrderId);
    const expectedNoRefund = importable()
      .filter((r) => !r.refund && Date.now() - r.returnDate.getTime() > 3 * 86_400_000)
      .map((r) => r.amazonOrderId);
    expect(noRefund.sort()).toEqual(expectedNoRefund.sort());
    const awaiting = await api("GET", "returns?status=awaiting-return");
    expect(awaiting.json.refunds.length + refundOrders.length).toBe(spapi.sim.returns.refundsWithoutReturn().length);
  });

  it("shows a returns section on the status page", async () => {
    const status = await api("GET", "status");
    const section = status.json.sections.returns;
    expect(section.total).toBe(importable().length + 1);
    expect(section.byStatus["needs-mapping"]).toBe(1);
    expect(section.lastSync.reports).toHaveLength(6);
    expect(section.needsReview).toBeGreaterThan(0);
  });

  it("a second run and an overlapping window change nothing in D365", async () => {
    const before = { headers: returnHeaders().length, lines: returnLines().length };
    await sync();
    await sync({ since: new Date(Date.now() - 45 * 86_400_000).toISOString() });
    expect(returnHeaders().length).toBe(before.headers);
    expect(returnLines().length).toBe(before.lines);
  });

  it("imports the unknown reason once the mapping is added and the item replayed", async () => {
    const unmapped = seeded.find((r) => r.reason === "FOUND_BETTER_PRICE")!;
    const file = join(mappingsDir, "returns.json");
    const json = JSON.parse(readFileSync(file, "utf8"));
    json.reasons.FOUND_BETTER_PRICE = "UNWANTED";
    writeFileSync(file, JSON.stringify(json, null, 2));
    const parked = (await listParked(currentApp().state, { queue: QUEUE })).filter((p) => p.reason === "mapping-gap");
    expect(parked).toHaveLength(1);
    expect(parked[0].messageId.startsWith(returnMessageId(`FBA|${unmapped.amazonOrderId}|${unmapped.licensePlateNumber}`))).toBe(true);
    const replay = await api("POST", `deadletters/${QUEUE}/${encodeURIComponent(parked[0].messageId)}/replay`);
    expect(replay.status).toBe(200);
    await host.drain({ timeoutMs: 60_000 });
    const mine = returnHeaders().filter((h) => h.CustomersOrderReference === unmapped.amazonOrderId);
    expect(mine).toHaveLength(1);
    expect(mine[0].CustomerReturnReasonCode).toBe("UNWANTED");
    expect((await listParked(currentApp().state, { queue: QUEUE })).filter((p) => p.reason === "mapping-gap")).toEqual([]);
    const list = await api("GET", `returns?amazonOrderId=${unmapped.amazonOrderId}`);
    expect(list.json.returns[0].status).toBe("imported");
  });

  it("a return for an order D365 does not have becomes a review item with the Amazon order id and what to do", async () => {
    const order = spapi.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      status: "Shipped",
      fulfillmentChannel: "AFN",
      items: [{ sku: "DEMO-SPEAKER-BLK", quantity: 1 }],
    });
    spapi.sim.returns.add({
      channel: "FBA",
      amazonOrderId: order.amazonOrderId,
      reason: "DEFECTIVE",
      disposition: "DEFECTIVE",
      returnDate: new Date(Date.now() - 3600_000).toISOString(),
    });
    await sync();
    const parked = (await listParked(currentApp().state, { queue: QUEUE })).filter((p) => p.reason === "not-found");
    expect(parked).toHaveLength(1);
    expect(parked[0].description).toContain(order.amazonOrderId);
    expect(parked[0].description).toMatch(/replay/);
    const list = await api("GET", "returns?status=needs-order");
    expect(list.json.returns.map((r: any) => r.amazonOrderId)).toEqual([order.amazonOrderId]);
    expect(returnHeaders().some((h) => h.CustomersOrderReference === order.amazonOrderId)).toBe(false);
  });

  it("every return order exists once, whatever faults, crashes and re-runs happened", () => {
    const keys = returnHeaders().map((h) => `${h.CustomersOrderReference}|${h.CustomerRequisitionNumber}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(importable().length + 1);
    for (const h of returnHeaders())
      expect(returnLines().filter((l) => l.ReturnOrderNumber === h.ReturnOrderNumber).length).toBeGreaterThan(0);
  });
});
