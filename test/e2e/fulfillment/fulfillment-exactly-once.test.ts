/**
 * End to end through the local host, both simulators and the business-event bridge:
 * - the demo company's MCF orders reach the SP-API simulator exactly once, although business events (each
 *   delivered twice, and again under new message ids), the catch-up timer and the HTTP endpoint all fire for
 *   them, with faults on both sides (SP-API 429/503/dropped connections, D365 429/503/dropped connections) and
 *   a crash right after Amazon accepted an order, before the app recorded it;
 * - Amazon ships them (simulated time), MCF notifications come back through the app's endpoint, D365's
 *   "deliver now" packing slip job posts what Amazon shipped, and each package's carrier and tracking number
 *   end up on the D365 order (PackingSlipTrackingInformation rows of its packing slips);
 * - the orders Amazon cannot take (an unfulfillable SKU, an address it refuses, an order without lines) become
 *   review items with Amazon's reason, and nothing is created for them;
 * - an FBM Amazon order the orders flow imported is confirmed to Amazon once per posted packing slip (a partial
 *   shipment: two packages) with the mapped carrier, although the packing-slip event, the timer and the HTTP
 *   endpoint all fire; a packing slip with an unmapped carrier becomes a review item.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimulatorCredential } from "../../../src/d365/auth";
import { D365Connector } from "../../../src/d365/index";
import { McfRecords } from "../../../src/flows/fulfillment/mcf-records";
import type { AmazonMcf } from "../../../src/flows/fulfillment/ports";
import { bridgeBusinessEvents, type BusinessEventBridge } from "../../../src/local/d365-events-bridge";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { Mappings } from "../../../src/mapping/mappings";
import { listParked } from "../../../src/platform/parked-messages";
import type { SecretStore } from "../../../src/platform/ports";
import { SpApiMcf } from "../../../src/wiring/adapters/amazon-mcf";
import { currentApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { clientFor, control } from "../../integration/amazon/sim-client";

const KEY = "fake-e2e-notification-key";
const SENT = ["MCF-00001", "MCF-00002", "MCF-00003"];
const REFUSED = ["MCF-00004", "MCF-00005", "MCF-00006"];

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let host: LocalHost;
let bridge: BusinessEventBridge;
let crashes = 0;
let fbm: { amazonOrderId: string; salesOrderNumber: string; lines: { lotId: string; qty: number }[] };
let unmappedSlip = "";

const id = (so: string) => `USMF-${so}`;

/** The MCF port, with one crash right after Amazon accepted MCF-00001's create (before the app recorded it). */
class CrashingMcf extends SpApiMcf {
  override async create(r: Parameters<AmazonMcf["create"]>[0]): Promise<void> {
    await super.create(r);
    if (r.sellerFulfillmentOrderId === id("MCF-00001") && crashes === 0) {
      crashes++;
      throw new Error("simulated crash between create and record");
    }
  }
}

async function http(method: string, path: string): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${host.url}/api/${path}`, { method });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function settle(rounds = 1): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await bridge.flush();
    await control(spapi, "POST", "/_control/notifications/flush");
    await host.drain({ timeoutMs: 60_000 });
  }
}

async function until(what: string, done: () => Promise<boolean> | boolean, step: () => Promise<void>, tries = 60): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await done()) return;
    await step();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 11, mcfDemoOrders: true });
  spapi = await startSpApiSimulator({ port: 0, seed: 11, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "fulfillment-e2e-")) });
  const prefix = `ful${Date.now().toString(36)}`.replace(/[^a-z0-9]/g, "");
  const cfg = loadConfig({
    STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
    STATE_TABLE_PREFIX: prefix,
    QUEUE_MAX_DELIVERY_COUNT: "30",
    MCF_MONITOR_FIRST_CHECK_MINUTES: "0",
    MCF_MONITOR_MAX_INTERVAL_MINUTES: "1",
  });
  const d365 = new D365Connector({
    baseUrl: d365Sim.url,
    credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "e2e", "fake-secret"),
    company: "usmf",
    batchSize: 100,
    maxRetries: 1,
    baseBackoffMs: 5,
    timeoutMs: 5000,
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 20))),
  });
  const spapiClient = clientFor(spapi, { maxRetries: 1, backoffBaseMs: 5 });
  const secrets: SecretStore = { get: async () => KEY, tryGet: async () => KEY };
  host = await startLocalHost({
    port: 0,
    schedules: false,
    dataDir: mkdtempSync(join(tmpdir(), "fulfillment-e2e-host-")),
    busOptions: { maxDeliveryCount: 30, timeScale: 1000, concurrency: 6 },
    config: cfg,
    app: {
      secrets,
      d365,
      spapi: spapiClient,
      mappings: Mappings.load(join(__dirname, "../../../mappings")),
      ports: { fulfillment: { amazon: new CrashingMcf(spapiClient.mcf) } },
    },
    log: () => undefined,
  });
  await control(spapi, "PUT", "/_control/notifications/delivery", {
    enabled: true,
    url: `${host.url}/api/amazon/notifications`,
    apiKey: KEY,
    types: ["FULFILLMENT_ORDER_STATUS", "FBA_OUTBOUND_SHIPMENT_STATUS"],
    duplicate: true,
    retryDelayMs: 20,
  });

  // Faults on both sides while the orders go out.
  spapi.sim.addFaults([
    { operation: "createFulfillmentOrder", status: 429, count: 2 },
    { operation: "getFulfillmentPreview", status: 503, count: 2 },
    { operation: "getFulfillmentOrder", drop: true, count: 2 },
  ]);
  d365Sim.injectFault({ kind: "throttle", target: "SalesOrderHeadersV4", method: "GET", times: 3, retryAfterSeconds: 0 });
  d365Sim.injectFault({ kind: "error", target: "SalesOrderLinesV3", status: 503, times: 2 });
  d365Sim.injectFault({ kind: "drop", target: "SalesOrderLinesV3", times: 1, skip: 3 });

  // Every trigger at once: the seeded orders' business events (the bridge replays the log), the same events
  // again under new message ids (F&O's resend after the duplicate-detection window), the catch-up timer, and
  // POST /api/fulfillment/orders/{n} for each order.
  bridge = bridgeBusinessEvents(d365Sim.businessEvents(), host.bus, cfg.QUEUE_D365_EVENTS);
  await bridge.flush();
  await host.bus.send(
    cfg.QUEUE_D365_EVENTS,
    d365Sim
      .businessEvents()
      .list()
      .map((e) => ({ messageId: `resent-${e.EventId}`, body: e })),
  );
  const [timer, ...posts] = await Promise.all([
    host.runTimer("fulfillment-catchup"),
    ...[...SENT, ...REFUSED].map((so) => http("POST", `fulfillment/orders/${so}`)),
  ]);
  expect(posts.every((p) => p.status === 202 && p.headers.get("location")?.includes("/api/fulfillment/orders/"))).toBe(true);
  await settle();
  // A timer run that met the D365 outage fails; the next scheduled run does the work.
  if (!timer.ok) expect((await host.runTimer("fulfillment-catchup")).ok).toBe(true);
  await settle();

  // MCF-00003 waited for its confirmation; confirming it in D365 sends its alert event.
  d365Sim.confirmSalesOrder("MCF-00003");
  await settle();

  // Amazon ships (1000x simulated time); notifications come back; D365's deliver-now job posts the packing
  // slips; their alert events bring the tracking back to the orders; the monitor follows the deliveries.
  await until(
    "the MCF orders to be complete",
    async () => {
      const records = new McfRecords(currentApp().state, () => new Date());
      const all = await Promise.all(SENT.map((so) => records.get(id(so))));
      return all.every((r) => r?.status === "complete");
    },
    async () => {
      d365Sim.runDeliverNowBatch();
      await settle();
      await host.runTimer("mcf-monitor");
      await settle();
    },
  );

  // FBM: an Amazon order the seller ships, imported by the orders flow.
  const order = spapi.sim.addOrder({
    marketplaceId: "ATVPDKIKX0DER",
    status: "Unshipped",
    fulfillmentChannel: "MFN",
    items: [
      { sku: "DEMO-CHARGER-65W", quantity: 2 },
      { sku: "DEMO-MOUSE-WL", quantity: 1 },
    ],
  });
  const imported = await http("POST", `orders/${order.amazonOrderId}/sync`);
  expect(imported.status).toBe(200);
  const so = String(imported.json.result.salesOrderNumber);
  const lines = d365Sim.rows("SalesOrderLinesV3", "usmf").filter((l) => l.SalesOrderNumber === so);
  fbm = {
    amazonOrderId: order.amazonOrderId,
    salesOrderNumber: so,
    lines: lines.map((l) => ({ lotId: String(l.InventoryLotId), qty: Number(l.OrderedSalesQuantity) })),
  };
  const charger = lines.find((l) => l.ItemNumber !== "D0007")!;
  const mouse = lines.find((l) => l.ItemNumber === "D0007")!;

  // Partial shipment: one charger first, then the rest; each packing slip carries UPS and a tracking number.
  spapi.sim.addFaults([{ operation: "confirmShipment", status: 503, count: 1 }]);
  d365Sim.postPackingSlip(so, {
    lines: [{ InventoryLotId: String(charger.InventoryLotId), Quantity: 1 }],
    shipCarrierId: "UPS",
    tracking: [{ trackingNumber: "1ZFBM0000000000001" }],
  });
  await Promise.all([settle(), host.runTimer("fulfillment-catchup"), http("POST", `shipments/${so}/confirm`)]);
  await settle();
  d365Sim.postPackingSlip(so, {
    lines: [
      { InventoryLotId: String(charger.InventoryLotId), Quantity: 1 },
      { InventoryLotId: String(mouse.InventoryLotId), Quantity: 1 },
    ],
    shipCarrierId: "UPS",
    tracking: [{ trackingNumber: "1ZFBM0000000000002" }],
  });
  await Promise.all([settle(), http("POST", `shipments/${so}/confirm`)]);
  await host.runTimer("fulfillment-catchup");
  await settle();

  // A second FBM order shipped with a carrier carriers.json does not know.
  const other = spapi.sim.addOrder({
    marketplaceId: "ATVPDKIKX0DER",
    status: "Unshipped",
    fulfillmentChannel: "MFN",
    items: [{ sku: "DEMO-CHARGER-65W", quantity: 1 }],
  });
  const second = await http("POST", `orders/${other.amazonOrderId}/sync`);
  unmappedSlip = d365Sim.postPackingSlip(String(second.json.result.salesOrderNumber), {
    shipCarrierId: "PIGEON",
    tracking: [{ trackingNumber: "PG-1" }],
  }).packingSlipNumber;
  await settle();
}, 240_000);

afterAll(async () => {
  bridge?.stop();
  await host?.stop();
  await spapi?.stop();
  await d365Sim?.stop();
});

describe("MCF: D365 orders shipped by Amazon, tracking back to D365", () => {
  it("the faults and the crash really happened", () => {
    expect(crashes).toBe(1);
    const throttled = spapi.sim.requestCounts().throttled;
    expect(Object.values(throttled).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(d365Sim.requests().log.some((l) => l.status === 429 || l.status === 503)).toBe(true);
  });

  it("takes every MCF notification Amazon delivered (none refused as invalid)", async () => {
    const deliveries = (await control(spapi, "GET", "/_control/notifications/delivery")).json.deliveries as {
      notificationType: string;
      status: number | "error";
    }[];
    expect(deliveries.filter((d) => d.notificationType === "FULFILLMENT_ORDER_STATUS" && d.status === 202).length).toBeGreaterThan(10);
    expect(deliveries.filter((d) => typeof d.status === "number" && d.status >= 400 && d.status < 500)).toEqual([]);
  });

  it("creates each ready MCF order at Amazon exactly once, under its derived id", () => {
    const accepted = spapi.sim.requests().filter((r) => r.operation === "createFulfillmentOrder" && r.status < 300);
    const ids = accepted.map((r) => (r.body as { sellerFulfillmentOrderId: string }).sellerFulfillmentOrderId).sort();
    expect(ids).toEqual(SENT.map(id).sort());
    for (const so of SENT) expect(spapi.sim.mcf.get(id(so)), so).toBeDefined();
  });

  it("puts every package's tracking number on the D365 packing slip that posted it, with the carrier's page", async () => {
    const rows = d365Sim.rows("PackingSlipTrackingInformation", "usmf");
    for (const so of SENT) {
      const view = (await http("GET", `fulfillment/orders/${so}`)).json;
      expect(view.status, so).toBe("complete");
      expect(view.shipments.length, so).toBeGreaterThan(0);
      for (const s of view.shipments) {
        expect(s.carrier).toBeTruthy();
        expect(s.trackingNumber).toBeTruthy();
        expect(s.deliveryStatus).toBe("DELIVERED");
        const row = rows.find((r) => r.SalesOrderNumber === so && r.TrackingNumber === s.trackingNumber);
        expect(row, `${so} ${s.trackingNumber}`).toBeDefined();
        expect(row!.PackingSlipNumber).toBe(s.packingSlipNumber);
        expect(String(row!.TrackingURL)).toMatch(/^https:\/\//);
      }
      const d365Order = d365Sim.rows("SalesOrderHeadersV4", "usmf").find((h) => h.SalesOrderNumber === so)!;
      expect(d365Order.SalesOrderStatus, so).toBe("Delivered");
    }
    // MCF-00001 ships in two shipments with two carriers.
    const first = (await http("GET", "fulfillment/orders/MCF-00001")).json;
    expect(new Set(first.shipments.map((s: { carrier: string }) => s.carrier))).toEqual(new Set(["UPS", "Amazon Logistics"]));
    expect(rows.filter((r) => r.SalesOrderNumber === "MCF-00001")).toHaveLength(2);
  });

  it("makes review items of the orders Amazon cannot take, with Amazon's reason, and creates nothing for them", async () => {
    const parked = await listParked(currentApp().state, { queue: "fulfillment-requests" });
    const reason = (so: string) => parked.find((p) => p.messageId === `mcf:${id(so)}`);
    expect(reason("MCF-00004")?.description).toMatch(/InventoryUnavailable|cannot fulfil/);
    expect(reason("MCF-00005")?.description).toMatch(/InvalidDestinationAddress|address/i);
    expect(reason("MCF-00006")?.code).toBe("fulfillment.noLines");
    for (const so of REFUSED) {
      expect(spapi.sim.mcf.get(id(so)), so).toBeUndefined();
      expect((await http("GET", `fulfillment/orders/${so}`)).json.status, so).toBe("needs-attention");
    }
    const list = (await http("GET", "fulfillment/orders?status=needs-attention")).json;
    expect(list.orders.map((o: { salesOrderNumber: string }) => o.salesOrderNumber).sort()).toEqual(REFUSED);
  });
});

describe("FBM: D365 shipments confirmed to Amazon", () => {
  it("confirms each posted packing slip exactly once, as its own package, with the mapped carrier", () => {
    const records = spapi.sim.shipments.list(fbm.amazonOrderId).filter((r) => r.status === 204);
    expect(records.map((r) => r.packageReferenceId).sort()).toEqual(["1", "2"]);
    expect(records.every((r) => r.carrierCode === "UPS" && r.shippingMethod === "UPS Ground")).toBe(true);
    expect(records.map((r) => r.trackingNumber).sort()).toEqual(["1ZFBM0000000000001", "1ZFBM0000000000002"]);
    const units = records.flatMap((r) => r.items).reduce((n, i) => n + i.quantity, 0);
    expect(units).toBe(3);
  });

  it("answers the shipments status API with both packages confirmed", async () => {
    const view = (await http("GET", `shipments/${fbm.salesOrderNumber}`)).json;
    expect(view.amazonOrderId).toBe(fbm.amazonOrderId);
    expect(view.packages.map((p: { status: string }) => p.status)).toEqual(["confirmed", "confirmed"]);
  });

  it("makes a review item of a packing slip whose carrier has no mapping, and sends nothing for it", async () => {
    const parked = await listParked(currentApp().state, { queue: "fulfillment-requests" });
    const item = parked.find((p) => p.messageId.startsWith("fbm:") && p.messageId.endsWith(unmappedSlip));
    expect(item?.reason).toBe("mapping-gap");
    expect(item?.description).toContain("PIGEON");
    expect(spapi.sim.shipments.list().some((r) => r.carrierCode === "Other" || r.trackingNumber === "PG-1")).toBe(false);
  });
});
