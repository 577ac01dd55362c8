/**
 * The SP-API simulator as a tool: deterministic demo data, Amazon's quotas, LWA, document URLs that expire,
 * and the control endpoints tests and users drive it with (plain HTTPS, trusting the generated certificate).
 */
import { readFileSync } from "node:fs";
import https from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS } from "../../../src/amazon";
import { generateData } from "../../../src/local/spapi-sim/server";
import { DEMO_PRODUCTS, DEMO_UNKNOWN_SKUS } from "../../../src/local/demo-catalog";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { dec, sum } from "../../../src/platform/money";
import { startSim } from "./sim-client";

let sim: SpApiSimulator;

function request(
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; form?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; json: any }> {
  return new Promise((resolve, reject) => {
    const data = opts.form ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const req = https.request(
      `${sim.url}${path}`,
      {
        method,
        ca: readFileSync(sim.caFile!, "utf8"),
        headers: {
          ...(data ? { "content-type": opts.form ? "application/x-www-form-urlencoded" : "application/json" } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}
const auth = { "x-amz-access-token": "Atza|any-token" };

beforeAll(async () => {
  sim = await startSim({ timeScale: 1 });
});
afterAll(async () => {
  await sim?.stop();
});

describe("the SP-API simulator", () => {
  it("generates the same demo seller for the same seed and a different one for another seed", () => {
    const now = new Date("2026-11-26T12:00:00Z");
    const a = generateData(42, now);
    const b = generateData(42, now);
    const c = generateData(7, now);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.orders.map((o) => o.amazonOrderId)).not.toEqual(c.orders.map((o) => o.amazonOrderId));
  });

  it("has FBA and FBM orders in every status in the US, UK and DE, with multi-quantity lines, promotions, taxes, shipping and unknown SKUs", () => {
    const d = sim.sim.data;
    for (const mp of ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"]) {
      for (const ch of ["AFN", "MFN"]) {
        const statuses = new Set(d.orders.filter((o) => o.marketplaceId === mp && o.fulfillmentChannel === ch).map((o) => o.status));
        expect([...statuses].sort()).toEqual(["Canceled", "PartiallyShipped", "Pending", "Shipped", "Unshipped"]);
      }
    }
    const items = d.orders.flatMap((o) => o.items);
    expect(items.some((i) => i.quantity > 1)).toBe(true);
    expect(items.some((i) => i.promotionIds.length > 0 && dec(i.promotionDiscount).gt(0))).toBe(true);
    expect(items.some((i) => dec(i.itemTax).gt(0))).toBe(true);
    expect(items.some((i) => dec(i.shippingPrice).gt(0))).toBe(true);
    expect(items.some((i) => i.sku === DEMO_UNKNOWN_SKUS[0].sku)).toBe(true);
    const known = new Set([...DEMO_PRODUCTS, ...DEMO_UNKNOWN_SKUS].map((p) => p.sku));
    expect(items.every((i) => known.has(i.sku))).toBe(true);
  });

  it("builds settlements from the same money events as the Finances API, each adding up to its total", () => {
    for (const s of sim.sim.data.settlements) {
      expect(sum(s.events.map((e) => dec(e.amount))).toFixed(2)).toBe(s.totalAmount);
      expect(s.events.some((e) => e.transactionType === "Order")).toBe(true);
      for (const e of s.events.filter((x) => x.orderId)) {
        expect(sim.sim.data.orders.some((o) => o.amazonOrderId === e.orderId)).toBe(true);
        expect(sim.sim.data.events).toContain(e);
      }
    }
    expect(sim.sim.data.settlements.some((s) => s.events.some((e) => e.transactionType === "Refund"))).toBe(true);
  });

  it("issues LWA tokens for well-formed credentials (JSON or form) and refuses missing ones", async () => {
    const ok = await request("POST", "/auth/o2/token", {
      body: { grant_type: "refresh_token", refresh_token: "Atzr|x", client_id: "id", client_secret: "fake-secret" },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(ok.json.access_token).toMatch(/^Atza\|/);
    const form = await request("POST", "/auth/o2/token", {
      form: "grant_type=client_credentials&scope=sellingpartnerapi::notifications&client_id=id&client_secret=s",
    });
    expect(form.status).toBe(200);
    expect(
      (await request("POST", "/auth/o2/token", { body: { grant_type: "refresh_token", client_id: "id", client_secret: "s" } })).status,
    ).toBe(400);
    expect((await request("POST", "/auth/o2/token", { body: { grant_type: "refresh_token", refresh_token: "r" } })).json.error).toBe(
      "invalid_client",
    );
  });

  it("refuses calls without an access token, as SP-API does", async () => {
    const r = await request("GET", "/orders/v0/orders?MarketplaceIds=ATVPDKIKX0DER&CreatedAfter=2026-01-01T00:00:00Z");
    expect(r.status).toBe(403);
    expect(r.json.errors[0].code).toBe("Unauthorized");
  });

  it("enforces the published burst and rate with 429 QuotaExceeded and x-amzn-RateLimit-Limit", async () => {
    await request("POST", "/_control/reset");
    const burst = OPERATIONS.getInventorySummaries.burst; // 2 at 2 rps
    const path = "/fba/inventory/v1/summaries?granularityType=Marketplace&granularityId=ATVPDKIKX0DER&marketplaceIds=ATVPDKIKX0DER";
    const answers = [];
    for (let i = 0; i < burst + 1; i++) answers.push(await request("GET", path, { headers: auth }));
    expect(answers.slice(0, burst).map((a) => a.status)).toEqual(Array(burst).fill(200));
    expect(answers[burst].status).toBe(429);
    expect(answers[burst].json.errors[0].code).toBe("QuotaExceeded");
    expect(answers[0].headers["x-amzn-ratelimit-limit"]).toBe("2");
    const counts = (await request("GET", "/_control/requests")).json;
    expect(counts.counts.getInventorySummaries).toBe(burst + 1);
    expect(counts.throttled.getInventorySummaries).toBe(1);
  });

  it("enforces the Orders 2026-01-01 searchOrders quota (burst 20 at 0.0056 rps) like the others", async () => {
    await request("POST", "/_control/reset");
    const burst = OPERATIONS.searchOrders.burst;
    const path = "/orders/2026-01-01/orders?marketplaceIds=ATVPDKIKX0DER&createdAfter=2026-01-01T00:00:00Z&maxResultsPerPage=1";
    const answers = [];
    for (let i = 0; i < burst + 1; i++) answers.push(await request("GET", path, { headers: auth }));
    expect(answers.slice(0, burst).map((a) => a.status)).toEqual(Array(burst).fill(200));
    expect(answers[burst].status).toBe(429);
    expect(answers[0].headers["x-amzn-ratelimit-limit"]).toBe("0.0056");
    expect((await request("GET", "/orders/2026-01-01/orders/999-0000000-0000000?includedData=PROCEEDS", { headers: auth })).status).toBe(
      404,
    );
  });

  it("injects faults through the control endpoint and clears them on reset", async () => {
    await request("POST", "/_control/reset");
    await request("POST", "/_control/faults", {
      body: [
        { operation: "getOrder", status: 503, count: 1 },
        { operation: "getOrder", latencyMs: 150 },
      ],
    });
    const id = sim.sim.data.orders[0].amazonOrderId;
    expect((await request("GET", `/orders/v0/orders/${id}`, { headers: auth })).status).toBe(503);
    const t0 = Date.now();
    expect((await request("GET", `/orders/v0/orders/${id}`, { headers: auth })).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await request("POST", "/_control/faults", { body: { operation: "getOrder", drop: true } });
    await expect(request("GET", `/orders/v0/orders/${id}`, { headers: auth })).rejects.toThrow();
    await request("POST", "/_control/faults", { body: { status: 500, count: 0 } });
    await request("POST", "/_control/reset");
    expect((await request("GET", `/orders/v0/orders/${id}`, { headers: auth })).status).toBe(200);
  });

  it("adds orders and changes their status through the control endpoint, with ORDER_CHANGE notifications", async () => {
    const before = Date.now() - 1000;
    const added = await request("POST", "/_control/orders", {
      body: { marketplaceId: "A1PA6795UKMFR9", items: [{ sku: "DEMO-KEYBOARD-DE", quantity: 2 }] },
    });
    expect(added.status).toBe(201);
    const id = added.json.AmazonOrderId as string;
    const listed = await request(
      "GET",
      `/orders/v0/orders?MarketplaceIds=A1PA6795UKMFR9&LastUpdatedAfter=${new Date(before).toISOString()}`,
      { headers: auth },
    );
    expect(listed.json.payload.Orders.map((o: { AmazonOrderId: string }) => o.AmazonOrderId)).toContain(id);
    const order = listed.json.payload.Orders.find((o: { AmazonOrderId: string }) => o.AmazonOrderId === id);
    expect(order.OrderTotal).toEqual({ CurrencyCode: "EUR", Amount: "110.00" });
    const shipped = await request("POST", `/_control/orders/${id}/status`, { body: { status: "Shipped" } });
    expect(shipped.json.OrderStatus).toBe("Shipped");
    const notes = (await request("GET", "/_control/notifications")).json.notifications.filter(
      (n: any) => n.Payload?.OrderChangeNotification?.AmazonOrderId === id,
    );
    expect(notes.map((n: any) => n.Payload.OrderChangeNotification.Summary.OrderStatus)).toEqual(["Unshipped", "Shipped"]);
  });

  it("lets report document URLs expire after five minutes", async () => {
    const reports = await request("GET", "/reports/2021-06-30/reports?reportTypes=GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", {
      headers: auth,
    });
    const docId = reports.json.reports[0].reportDocumentId;
    const doc = await request("GET", `/reports/2021-06-30/documents/${encodeURIComponent(docId)}`, { headers: auth });
    expect(doc.json.compressionAlgorithm).toBe("GZIP");
    const path = new URL(doc.json.url).pathname + new URL(doc.json.url).search;
    expect((await request("GET", path)).status).toBe(200);
    await request("POST", "/_control/advance", { body: { ms: 301_000 } });
    const expired = await request("GET", path);
    expect(expired.status).toBe(403);
    expect(String(expired.json)).toContain("Request has expired");
  });

  it("lists settlements for tests through the control endpoint", async () => {
    const r = await request("GET", "/_control/settlements");
    expect(r.json.settlements).toHaveLength(6);
    expect(new Set(r.json.settlements.map((s: { currency: string }) => s.currency))).toEqual(new Set(["USD", "GBP", "EUR"]));
  });
});
