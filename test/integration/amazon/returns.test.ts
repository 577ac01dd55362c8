/**
 * Returns and refunds through the connector against the simulator: the FBA and FBM returns reports (requested,
 * polled, downloaded; windows-1252; the seeded scenarios and the malformed row), refunds from Finances
 * 2024-06-19 and v0 agreeing with each other and matching the returns, refunds without a return, and the
 * seeded settlements left exactly as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FBA_RETURNS_COLUMNS, FBM_RETURNS_COLUMNS, RETURNS_REPORT_TYPES, type SpApiClient } from "../../../src/amazon";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { generateData } from "../../../src/local/spapi-sim/data";
import { clientFor, control, startSim } from "./sim-client";

const MPS = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];
let sim: SpApiSimulator;
let client: SpApiClient;
const since = () => new Date(Date.now() - 40 * 86_400_000);
const rowsOf = (text: string) =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => l.split("\t"));

beforeAll(async () => {
  sim = await startSim({ timeScale: 1000 });
  client = clientFor(sim);
});
afterAll(async () => {
  await sim?.stop();
});

describe("returns and refunds", () => {
  it("serves the FBA customer returns report: documented columns, windows-1252, one row per seeded return, the malformed row included", async () => {
    const r = await client.reports.requestAndFetch(
      { reportType: RETURNS_REPORT_TYPES.fba, marketplaceIds: MPS, dataStartTime: since() },
      { intervalMs: 3 },
    );
    expect(r.status).toBe("DONE");
    expect(r.document!.encoding).toBe("cp1252");
    const [header, ...rows] = rowsOf(r.document!.text);
    expect(header).toEqual([...FBA_RETURNS_COLUMNS]);
    const seeded = sim.sim.returns.all().filter((x) => x.channel === "FBA");
    expect(rows).toHaveLength(seeded.length);
    const col = (name: string) => header.indexOf(name);
    const malformed = rows.filter((row) => Number.isNaN(Date.parse(row[col("return-date")])) || !/^\d+$/.test(row[col("quantity")]));
    expect(malformed).toHaveLength(1);
    expect(rows.some((row) => row[col("reason")] === "FOUND_BETTER_PRICE")).toBe(true);
    expect(rows.map((row) => row[col("customer-comments")])).toContain("Gerät lässt sich nicht einschalten – Verpackung beschädigt");
    const lpns = rows.map((row) => row[col("license-plate-number")]);
    expect(new Set(lpns).size).toBe(lpns.length);
    const partial = seeded.filter((x) => x.scenario.startsWith("fba-partial") || x.scenario.startsWith("fba-second"));
    expect(partial).toHaveLength(2);
    expect(new Set(partial.map((x) => x.amazonOrderId)).size).toBe(1);
    expect(partial.every((x) => x.quantity === 1)).toBe(true);
  });

  it("windows the FBA report by return date and marketplace", async () => {
    const seeded = sim.sim.returns.all().filter((x) => x.channel === "FBA" && x.marketplaceId === "ATVPDKIKX0DER" && !x.malformed);
    const latest = seeded
      .map((x) => x.returnDate.getTime())
      .sort((a, b) => a - b)
      .pop()!;
    const r = await client.reports.requestAndFetch(
      {
        reportType: RETURNS_REPORT_TYPES.fba,
        marketplaceIds: ["ATVPDKIKX0DER"],
        dataStartTime: new Date(latest - 1000),
        dataEndTime: new Date(latest + 1000),
      },
      { intervalMs: 3 },
    );
    expect(rowsOf(r.document!.text)).toHaveLength(2);
  });

  it("serves the FBM returns report by return request date: two returns on one order (one partial), refunded amounts", async () => {
    const r = await client.reports.requestAndFetch(
      { reportType: RETURNS_REPORT_TYPES.fbm, marketplaceIds: MPS, dataStartTime: since() },
      { intervalMs: 3 },
    );
    const [header, ...rows] = rowsOf(r.document!.text);
    expect(header).toEqual([...FBM_RETURNS_COLUMNS]);
    const col = (name: string) => header.indexOf(name);
    const byOrder = new Map<string, string[][]>();
    for (const row of rows) byOrder.set(row[col("Order ID")], [...(byOrder.get(row[col("Order ID")]) ?? []), row]);
    const twice = [...byOrder.values()].find((v) => v.length === 2)!;
    expect(new Set(twice.map((row) => row[col("Amazon RMA ID")])).size).toBe(2);
    expect(twice.some((row) => Number(row[col("Return quantity")]) < Number(row[col("Order quantity")]))).toBe(true);
    const unrefunded = rows.filter((row) => row[col("Refunded Amount")] === "0.00");
    expect(unrefunded).toHaveLength(1);
  });

  it("reports every refund the same way through Finances 2024-06-19 and v0, each matching its return's order, SKU and quantity", async () => {
    for (const ret of sim.sim.returns.all().filter((x) => x.refund)) {
      const [a, b] = [
        await client.finances.refundsForOrder(ret.amazonOrderId),
        await client.finances.refundsForOrder(ret.amazonOrderId, "finances-v0"),
      ];
      const pick = (xs: typeof a) =>
        xs.map((x) => ({ posted: x.postedDate, total: x.total, buyer: x.refundedToBuyer, items: x.items.map((i) => [i.sku, i.quantity]) }));
      expect(pick(a)).toEqual(pick(b));
      const mine = a.find((x) => x.refundId === ret.refund!.adjustmentId)!;
      expect(mine.items.map((i) => i.sku)).toEqual([ret.sku]);
      expect(mine.refundedToBuyer).toBe(`-${ret.refund!.amount}`);
      if (!ret.refund!.alreadySettled) expect(mine.items[0].quantity).toBe(ret.quantity);
    }
  });

  it("lists refunds without a return (a settled one and a new one) and a return without a refund", async () => {
    const noReturn = sim.sim.returns.refundsWithoutReturn();
    expect(noReturn.map((x) => x.alreadySettled).sort()).toEqual([false, true]);
    const window = await client.finances.refunds({ postedAfter: since() });
    for (const r of noReturn) expect(window.some((x) => x.amazonOrderId === r.amazonOrderId && x.refundId === r.adjustmentId)).toBe(true);
    expect(
      sim.sim.returns
        .all()
        .filter((x) => !x.refund && !x.malformed)
        .map((x) => x.scenario)
        .sort(),
    ).toEqual(["fba-return-without-refund", "fbm-return-without-refund"]);
  });

  it("keeps the seeded settlements exactly as generated: new refunds are posted after the last settlement period", () => {
    const fresh = generateData(42, sim.sim.data.base);
    expect(JSON.stringify(sim.sim.data.settlements)).toBe(JSON.stringify(fresh.settlements));
    const lastEnd = Math.max(...fresh.settlements.map((s) => s.end.getTime()));
    const added = sim.sim.data.events.slice(fresh.events.length);
    expect(added.length).toBeGreaterThan(0);
    expect(added.every((e) => e.transactionType === "Refund" && e.posted.getTime() > lastEnd)).toBe(true);
  });

  it("adds a return (with its refund) through /_control/returns, and GET lists the scenarios", async () => {
    const order = sim.sim.data.orders.find(
      (o) => o.status === "Shipped" && o.fulfillmentChannel === "AFN" && o.marketplaceId === "A1F83G8C2ARO7P",
    )!;
    const added = await control(sim, "POST", "/_control/returns", {
      channel: "FBA",
      amazonOrderId: order.amazonOrderId,
      quantity: 1,
      reason: "DEFECTIVE",
      refund: true,
    });
    expect(added.status).toBe(201);
    expect(added.json.refund.amount).toMatch(/^\d+\.\d{2}$/);
    const listed = await control(sim, "GET", "/_control/returns");
    expect(listed.json.unmappedReason).toBe("FOUND_BETTER_PRICE");
    expect(listed.json.returns.some((r: any) => r.id === added.json.id)).toBe(true);
    expect((await control(sim, "POST", "/_control/returns", { channel: "FBA", amazonOrderId: "000-0000000-0000000" })).status).toBe(400);
  });
});
