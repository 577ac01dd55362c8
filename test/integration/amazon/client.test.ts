/**
 * The SP-API connector against the simulator: auth, retries that are capped, errors mapped to the app's
 * error family, paging, restricted data tokens, report documents (gzip, encodings) and the app's wiring of it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SpApiClient } from "../../../src/amazon";
import { createSpApiClient } from "../../../src/amazon";
import { loadConfig } from "../../../src/wiring/config";
import { runHealthChecks } from "../../../src/platform/health";
import { createApp } from "../../../src/wiring/app";
import { healthProbes } from "../../../src/wiring/operations";
import { systemClock } from "../../../src/platform/clock";
import { ThrottledError, UnauthorizedError, UnavailableError, ValidationError, NotFoundError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { dec, sum } from "../../../src/platform/money";
import type { SecretStore } from "../../../src/platform/ports";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor, startSim } from "./sim-client";

const US = "ATVPDKIKX0DER";
const DE = "A1PA6795UKMFR9";
let sim: SpApiSimulator;

beforeAll(async () => {
  sim = await startSim({ timeScale: 1000, orderItemsPageSize: 3 });
});
afterAll(async () => {
  await sim?.stop();
});
beforeEach(() => sim.sim.reset());

const someOrder = () => sim.sim.data.orders.find((o) => o.marketplaceId === US && o.status === "Shipped")!;
const calls = (op: string) => sim.sim.requestCounts().counts[op] ?? 0;

describe("the SP-API connector", () => {
  it("obtains an LWA token through the override agent and reads orders page by page", async () => {
    const client = clientFor(sim);
    await expect(client.checkAuth()).resolves.toMatch(/token/);
    const ids: string[] = [];
    for await (const o of client.getOrders({
      marketplaceIds: [US, DE],
      createdAfter: new Date(Date.now() - 40 * 86_400_000),
      maxResultsPerPage: 10,
    }))
      ids.push(o.AmazonOrderId);
    expect(ids).toHaveLength(48);
    expect(new Set(ids).size).toBe(48);
    expect(calls("getOrders")).toBe(5);
  });

  it("filters orders by LastUpdatedAfter and status and returns Amazon's LastUpdatedBefore as the next watermark", async () => {
    const client = clientFor(sim);
    const page = await client.getOrdersPage({
      marketplaceIds: [US],
      lastUpdatedAfter: new Date(Date.now() - 40 * 86_400_000),
      orderStatuses: ["Canceled"],
    });
    expect(page.orders.length).toBeGreaterThan(0);
    expect(page.orders.every((o) => o.OrderStatus === "Canceled" && o.OrderTotal === undefined)).toBe(true);
    expect(Date.parse(page.lastUpdatedBefore!)).toBeLessThan(Date.now());
  });

  it("pages Orders 2026-01-01 searchOrders by its pagination token and finds the same orders as v0 getOrders", async () => {
    const client = clientFor(sim);
    const createdAfter = new Date(Date.now() - 40 * 86_400_000);
    const v0: string[] = [];
    for await (const o of client.getOrders({ marketplaceIds: [US, DE], createdAfter, maxResultsPerPage: 100 })) v0.push(o.AmazonOrderId);
    const ids: string[] = [];
    for await (const o of client.searchOrders({
      marketplaceIds: [US, DE],
      createdAfter,
      maxResultsPerPage: 10,
      includedData: ["FULFILLMENT"],
    }))
      ids.push(o.orderId);
    expect(ids).toEqual(v0);
    expect(calls("searchOrders")).toBe(5);
    const requests = sim.sim.requests().filter((r) => r.operation === "searchOrders");
    expect(requests.slice(1).every((r) => typeof r.query.paginationToken === "string")).toBe(true);
    const page = await client.searchOrdersPage({
      marketplaceIds: [US],
      lastUpdatedAfter: createdAfter,
      fulfillmentStatuses: ["CANCELLED"],
      includedData: ["FULFILLMENT", "PROCEEDS"],
    });
    expect(page.orders.length).toBeGreaterThan(0);
    expect(page.orders.every((o) => o.fulfillment?.fulfillmentStatus === "CANCELLED" && o.proceeds === undefined)).toBe(true);
    expect(Date.parse(page.lastUpdatedBefore!)).toBeLessThan(Date.now());
    await expect(client.searchOrdersPage({ marketplaceIds: [US], createdAfter, lastUpdatedAfter: createdAfter })).rejects.toBeInstanceOf(
      ValidationError,
    );
  });

  it("reads one order with its items through Orders 2026-01-01 getOrder, money as decimal strings, only the datasets asked for", async () => {
    const client = clientFor(sim);
    const o = someOrder();
    const full = await client.getOrder2026(o.amazonOrderId, ["PROCEEDS", "FULFILLMENT", "RECIPIENT"]);
    expect(full.orderId).toBe(o.amazonOrderId);
    expect(full.fulfillment?.fulfillmentStatus).toBe("SHIPPED");
    expect(full.orderItems.map((i) => i.orderItemId)).toEqual(o.items.map((i) => i.orderItemId));
    expect(full.proceeds?.grandTotal?.amount).toMatch(/^\d+\.\d{2}$/);
    expect(full.recipient?.deliveryAddress?.countryCode).toBe("US");
    const bare = await client.getOrder2026(o.amazonOrderId, []);
    expect(bare.proceeds).toBeUndefined();
    expect(bare.fulfillment).toBeUndefined();
    const last = sim.sim.requests().filter((r) => r.operation === "getOrder2026");
    expect(last[0].query.includedData).toBe("PROCEEDS,FULFILLMENT,RECIPIENT");
    await expect(client.getOrder2026("999-0000000-0000000")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("collects every page of a long order's items", async () => {
    const client = clientFor(sim);
    const long = sim.sim.data.orders.find((o) => o.items.length === 7)!;
    const items = await client.getOrderItems(long.amazonOrderId);
    expect(items.map((i) => i.OrderItemId)).toEqual(long.items.map((i) => i.orderItemId));
    expect(calls("getOrderItems")).toBe(3);
    expect(items[0].ItemPrice?.Amount).toMatch(/^\d+\.\d{2}$/);
  });

  it("retries a 429 and hides it from the caller", async () => {
    const client = clientFor(sim, { maxRetries: 2 });
    sim.sim.addFaults({ operation: "getOrder", status: 429, count: 2 });
    const o = await client.getOrder(someOrder().amazonOrderId);
    expect(o.AmazonOrderId).toBe(someOrder().amazonOrderId);
    expect(calls("getOrder")).toBe(3);
  });

  it("gives up after SPAPI_MAX_RETRIES and reports the throttling with a retry-after", async () => {
    const client = clientFor(sim, { maxRetries: 2 });
    sim.sim.addFaults({ operation: "getOrder", status: 429, count: 0 });
    const err = await client.getOrder(someOrder().amazonOrderId).catch((e) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(calls("getOrder")).toBe(3); // never unbounded
  });

  it("retries 503 and dropped connections on reads, then succeeds", async () => {
    const client = clientFor(sim, { maxRetries: 3 });
    sim.sim.addFaults([
      { operation: "getOrder", status: 503 },
      { operation: "getOrder", drop: true },
    ]);
    await expect(client.getOrder(someOrder().amazonOrderId)).resolves.toBeTruthy();
    expect(calls("getOrder")).toBe(3);
  });

  it("times out a call that hangs and retries it", async () => {
    const client = clientFor(sim, { maxRetries: 1, timeoutMs: 300 });
    await client.checkAuth();
    sim.sim.addFaults({ operation: "getOrder", latencyMs: 1500 });
    const t0 = Date.now();
    await expect(client.getOrder(someOrder().amazonOrderId)).resolves.toBeTruthy();
    expect(Date.now() - t0).toBeLessThan(1400);
    expect(calls("getOrder")).toBe(2);
  });

  it("does not retry a failed write (createReport 500) and reports it as unavailable", async () => {
    const client = clientFor(sim, { maxRetries: 3 });
    sim.sim.addFaults({ operation: "createReport", status: 500 });
    await expect(
      client.createReport({ reportType: "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL", marketplaceIds: [US] }),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(calls("createReport")).toBe(1);
  });

  it("maps 400 to a ValidationError carrying Amazon's error details, and 404 to NotFoundError", async () => {
    const client = clientFor(sim);
    const err = await client
      .createReport({ reportType: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", marketplaceIds: [US] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toContain("InvalidInput");
    expect(err.details.errors[0].code).toBe("InvalidInput");
    await expect(client.getOrder("999-0000000-0000000")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refreshes the access token when Amazon says it expired, once", async () => {
    const client = clientFor(sim);
    await client.checkAuth();
    const tokensBefore = sim.sim.accessTokens.size;
    sim.sim.addFaults({ operation: "getOrder", status: 403 });
    await expect(client.getOrder(someOrder().amazonOrderId)).resolves.toBeTruthy();
    expect(sim.sim.accessTokens.size).toBe(tokensBefore + 1);
    sim.sim.addFaults({ operation: "getOrder", status: 403, count: 0 });
    await expect(client.getOrder(someOrder().amazonOrderId)).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it("reports refused LWA credentials as UnauthorizedError naming the settings", async () => {
    const client = new SpApiClient({
      region: "na",
      sellerId: "A2DEMOSELLER01",
      credentials: async () => ({ clientId: "amzn1.application-oa2-client.demo", clientSecret: "fake-secret", refreshToken: "" }),
      limiter: new (await import("../../../src/amazon")).SharedRateLimiter({ state: new MemoryStateStore(), clock: systemClock }),
      clock: systemClock,
      // biome-ignore lint/complexity/useLiteralKeys: the bracket reads the private options of the client under test.
      agent: clientFor(sim)["opts"].agent,
      maxRetries: 0,
      useRdt: false,
    });
    const err = await client.checkAuth().catch((e) => e);
    expect(err).toBeInstanceOf(UnauthorizedError);
  });

  it("reads buyer PII only through a restricted data token, fetched once and reused", async () => {
    const plain = clientFor(sim);
    const rdt = clientFor(sim, { useRdt: true });
    const o = someOrder();
    expect((await plain.getOrderAddress(o.amazonOrderId)).ShippingAddress?.AddressLine1).toBeUndefined();
    const a1 = await rdt.getOrderAddress(o.amazonOrderId);
    await rdt.getOrderAddress(o.amazonOrderId);
    expect(a1.ShippingAddress?.AddressLine1).toBe(o.address.line1);
    expect((await rdt.getOrderBuyerInfo(o.amazonOrderId)).BuyerName).toBe(o.buyer.name);
    expect(calls("createRestrictedDataToken")).toBe(2); // one per path, cached
    const tokenBody = sim.sim.requests().find((r) => r.operation === "createRestrictedDataToken")!.body as {
      restrictedResources: { path: string }[];
    };
    expect(tokenBody.restrictedResources[0].path).toBe(`/orders/v0/orders/${o.amazonOrderId}/address`);
  });

  it("lists settlement reports and downloads them just in time; every file adds up to its total-amount", async () => {
    const client = clientFor(sim);
    const reports = [];
    for await (const r of client.getReports({ reportTypes: ["GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"], pageSize: 4 })) reports.push(r);
    expect(reports).toHaveLength(6);
    const currencies = new Set<string>();
    for (const r of reports) {
      const doc = await client.downloadReportDocument(r.reportDocumentId!);
      const rows = doc.text
        .trimEnd()
        .split("\n")
        .map((l) => l.split("\t"));
      const h = rows[0];
      expect(h).toHaveLength(24);
      const col = (name: string) => h.indexOf(name);
      const summary = rows[1];
      const currency = summary[col("currency")];
      currencies.add(currency);
      const norm = (s: string) => (currency === "EUR" ? s.replace(",", ".") : s);
      const total = dec(norm(summary[col("total-amount")]));
      const detail = sum(rows.slice(2).map((r) => dec(norm(r[col("amount")]))));
      expect(detail.equals(total)).toBe(true);
      expect(rows.slice(2).every((r) => r[col("currency")] === "")).toBe(true);
      if (currency === "EUR") expect(summary[col("settlement-start-date")]).toMatch(/^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2} UTC$/);
      if (currency === "USD") expect(summary[col("settlement-start-date")]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/);
    }
    expect(currencies).toEqual(new Set(["USD", "GBP", "EUR"]));
    expect(calls("getReportDocument")).toBe(6);
  });

  it("streams a report document and decodes a Cp1252 order report (umlauts intact)", async () => {
    const client = clientFor(sim);
    const id = await client.createReport({
      reportType: "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
      marketplaceIds: [DE],
      dataStartTime: new Date(Date.now() - 40 * 86_400_000),
    });
    const r = await client.waitForReport(id, { intervalMs: 2 });
    expect(r.processingStatus).toBe("DONE");
    const stream = await client.streamReportDocument(r.reportDocumentId!);
    let text = "";
    for await (const chunk of stream.chunks) text += chunk;
    expect(text.split("\n")[0]).toMatch(/^amazon-order-id\t/);
    expect(text).toMatch(/Köln|München/);
    expect(text).not.toContain("\uFFFD");
  });

  it("pages FBA inventory summaries back to back", async () => {
    const client = clientFor(sim);
    const rows = await client.getInventorySummaries({ marketplaceId: US, details: true });
    expect(rows.length).toBe(sim.sim.data.inventory.filter((i) => i.marketplaceId === US).length);
    expect(rows[0].inventoryDetails?.fulfillableQuantity).toBeGreaterThanOrEqual(0);
  });

  it("runs an MCF order from creation to Complete with tracking, and refuses to cancel it then", async () => {
    // Its own simulator at real time: the MCF lifecycle moves at the time scale (Planning after 10 simulated
    // seconds), which at this file's scale of 1000 is 10 ms, less than two calls take on a busy machine.
    const mcfSim = await startSim({ timeScale: 1 });
    try {
      await runMcfOrder(mcfSim);
    } finally {
      await mcfSim.stop();
    }
  });

  async function runMcfOrder(sim: Awaited<ReturnType<typeof startSim>>): Promise<void> {
    const client = clientFor(sim);
    await client.mcf.create({
      sellerFulfillmentOrderId: "SO-000123",
      marketplaceId: US,
      displayableOrderId: "SO-000123",
      displayableOrderDate: new Date().toISOString(),
      displayableOrderComment: "Thank you",
      shippingSpeed: "Standard",
      destination: {
        name: "Test",
        addressLine1: "1 Test St",
        city: "Seattle",
        stateOrRegion: "WA",
        postalCode: "98101",
        countryCode: "US",
      },
      items: [{ lineId: "10", sku: "DEMO-SPEAKER-BLK", quantity: 1 }],
    });
    expect((await client.mcf.get("SO-000123"))!.status).toBe("RECEIVED");
    sim.sim.advance(61_000);
    const done = (await client.mcf.get("SO-000123"))!;
    expect(done.status).toBe("COMPLETE");
    expect(done.shipments[0].packages[0].trackingNumber).toMatch(/^1Z/);
    await expect(client.mcf.cancel("SO-000123")).rejects.toBeInstanceOf(ValidationError);
  }

  it("keeps Finances amounts as decimal strings", async () => {
    const client = clientFor(sim);
    let n = 0;
    for await (const page of client.listFinancialEvents({ postedAfter: new Date(Date.now() - 40 * 86_400_000) })) {
      for (const e of page.ShipmentEventList ?? []) {
        for (const i of e.ShipmentItemList ?? [])
          for (const c of i.ItemChargeList ?? []) expect(typeof c.ChargeAmount?.CurrencyAmount).toBe("string");
        n++;
      }
    }
    expect(n).toBeGreaterThan(10);
  });

  it("pushes an FBM quantity through patchListingsItem and reads it back", async () => {
    const client = clientFor(sim);
    const r = await client.setFbmQuantity("DEMO-CHARGER-65W", 17, [US]);
    expect(r.status).toBe("ACCEPTED");
    const item = await client.getListingsItem("DEMO-CHARGER-65W", [US]);
    expect(item.fulfillmentAvailability?.[0]).toEqual({ fulfillmentChannelCode: "DEFAULT", quantity: 17 });
    await expect(client.setFbmQuantity("DEMO-CHARGER-65W", -1, [US])).rejects.toBeInstanceOf(ValidationError);
  });

  it("is built from settings by createSpApiClient (SPAPI_ENDPOINT_OVERRIDE + SPAPI_OVERRIDE_CA_FILE)", async () => {
    const config = loadConfig({ SPAPI_ENDPOINT_OVERRIDE: sim.url, SPAPI_OVERRIDE_CA_FILE: sim.caFile, SPAPI_MAX_RETRIES: "1" });
    const secrets: SecretStore = {
      get: async (name) =>
        ({ "spapi-lwa-client-secret": "fake-secret", "spapi-refresh-token": "Atzr|fake" })[name] ?? Promise.reject(new Error(name)),
      tryGet: async () => undefined,
    };
    const client = createSpApiClient({ config, secrets, state: new MemoryStateStore(), clock: systemClock });
    await expect(client.checkAuth()).resolves.toBeTruthy();
    await expect(client.getOrder(someOrder().amazonOrderId)).resolves.toMatchObject({ MarketplaceId: US });
  });

  it("is the app's spapi member, with an 'spapi' health probe that obtains an LWA token", async () => {
    const config = loadConfig({ SPAPI_ENDPOINT_OVERRIDE: sim.url, SPAPI_OVERRIDE_CA_FILE: sim.caFile });
    const secrets: SecretStore = { get: async () => "fake-secret", tryGet: async () => "fake-secret" };
    const app = createApp(config, { secrets, state: new MemoryStateStore() });
    expect(app.spapi).toBeInstanceOf(SpApiClient);
    const health = await runHealthChecks(healthProbes(app));
    expect(health.checks.find((c) => c.name === "spapi")).toMatchObject({ ok: true, detail: "LWA token obtained" });
    sim.sim.addFaults({ operation: "lwa", status: 503 });
    const failing = await runHealthChecks(healthProbes(app));
    expect(failing.checks.find((c) => c.name === "spapi")?.ok).toBe(false);
  });
});
