/**
 * importOrder on the real adapters against both simulators: every seeded order of the demo seller
 * (US, UK, DE; FBA and FBM; every status; promotions; unknown SKUs) becomes exactly the D365 order it
 * should, and a second pass writes nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importOrder, type ImportOutcome } from "../../../src/flows/orders/import-order";
import { toIso3Country } from "../../../src/flows/orders/address";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import type { SimOrder } from "../../../src/local/spapi-sim/data";
import { startSpApiSimulator, type SpApiSimulator } from "../../../src/local/spapi-sim";
import { MappingGapError, isRetryable } from "../../../src/platform/errors";
import { dec, toMoneyString } from "../../../src/platform/money";
import { simDeps } from "./sim-deps";

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let env: ReturnType<typeof simDeps>;
let orders: SimOrder[];
const outcomes = new Map<string, ImportOutcome | Error>();

const CUSTOMER: Record<string, string> = { ATVPDKIKX0DER: "AMZ-US", A1F83G8C2ARO7P: "AMZ-UK", A1PA6795UKMFR9: "AMZ-DE" };
const FBA_WAREHOUSE: Record<string, string> = { ATVPDKIKX0DER: "FBA-US", A1F83G8C2ARO7P: "FBA-UK", A1PA6795UKMFR9: "FBA-DE" };

async function importWithRetries(id: string): Promise<ImportOutcome | Error> {
  for (let attempt = 1; attempt <= 10; attempt++) {
    try {
      return await importOrder({ amazonOrderId: id, source: "test" }, env.deps);
    } catch (err) {
      if (!isRetryable(err)) return err as Error;
    }
  }
  throw new Error(`order ${id} still failing after 10 attempts`);
}

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 42 });
  spapi = await startSpApiSimulator({ port: 0, seed: 42, timeScale: 1000, dataDir: mkdtempSync(join(tmpdir(), "orders-it-")) });
  env = simDeps(d365Sim, spapi);
  // The seed's unknown-SKU orders are all canceled; add open ones so that the mapping gap shows.
  spapi.sim.addOrder({
    marketplaceId: "ATVPDKIKX0DER",
    status: "Unshipped",
    items: [
      { sku: "DEMO-CABLE-USBC-2M", quantity: 1 },
      { sku: "UNMAPPED-GADGET-01", quantity: 1 },
    ],
  });
  spapi.sim.addOrder({
    marketplaceId: "A1PA6795UKMFR9",
    status: "Shipped",
    fulfillmentChannel: "AFN",
    items: [{ sku: "UNMAPPED-GADGET-01", quantity: 2 }],
  });
  orders = [...spapi.sim.data.orders];
  for (const o of orders) outcomes.set(o.amazonOrderId, await importWithRetries(o.amazonOrderId));
}, 120_000);

afterAll(async () => {
  await spapi?.stop();
  await d365Sim?.stop();
});

const headers = () => d365Sim.rows("SalesOrderHeadersV4", "usmf");
const linesOf = (number: string) => d365Sim.rows("SalesOrderLinesV3", "usmf").filter((l) => l.SalesOrderNumber === number);
const importable = (o: SimOrder) =>
  ["Unshipped", "Shipped", "PartiallyShipped"].includes(o.status) && o.items.every((i) => DEMO_PRODUCTS.some((p) => p.sku === i.sku));

describe("importing the seeded demo orders into the D365 simulator", () => {
  it("creates exactly one sales order per importable Amazon order, and nothing for the others", () => {
    expect(orders.length).toBeGreaterThanOrEqual(60);
    for (const o of orders) {
      const found = headers().filter((h) => h.CustomersOrderReference === o.amazonOrderId);
      expect(found.length, `${o.amazonOrderId} (${o.status})`).toBe(importable(o) ? 1 : 0);
    }
  });

  it("maps customer, currency, warehouse, origin and the one-time address", () => {
    for (const o of orders.filter(importable)) {
      const h = headers().find((x) => x.CustomersOrderReference === o.amazonOrderId)!;
      expect(h.OrderingCustomerAccountNumber).toBe(CUSTOMER[o.marketplaceId]);
      expect(h.CurrencyCode).toBe(o.currency);
      expect(h.DefaultShippingWarehouseId).toBe(o.fulfillmentChannel === "AFN" ? FBA_WAREHOUSE[o.marketplaceId] : "11");
      expect(h.SalesOrderOriginCode).toBe(o.fulfillmentChannel === "AFN" ? "AMZ-FBA" : "AMZ-MFN");
      expect(h.IsDeliveryAddressOrderSpecific).toBe("Yes");
      expect(h.DeliveryAddressCountryRegionId).toBe(toIso3Country(o.address.countryCode));
      expect(h.DeliveryAddressZipCode).toBe(o.address.postalCode);
      expect(h.ArePricesIncludingSalesTax).toBe(o.currency === "USD" ? "No" : "Yes");
    }
  });

  it("creates the lines with the right items, quantities, unit prices and discounts", () => {
    let promotions = 0;
    for (const o of orders.filter(importable)) {
      const h = headers().find((x) => x.CustomersOrderReference === o.amazonOrderId)!;
      const lines = linesOf(String(h.SalesOrderNumber));
      const items = o.items.filter((i) => i.quantity > 0);
      expect(lines.length, o.amazonOrderId).toBe(items.length);
      for (const item of items) {
        const line = lines.find((l) => l.OrderLineReference === item.orderItemId)!;
        expect(line, `${o.amazonOrderId}/${item.orderItemId}`).toBeDefined();
        expect(line.ItemNumber).toBe(DEMO_PRODUCTS.find((p) => p.sku === item.sku)!.itemNumber);
        expect(Number(line.OrderedSalesQuantity)).toBe(item.quantity);
        // D365 computes the line amount from price, price unit and discount: it must be Amazon's net total, exactly.
        const net = dec(item.itemPrice).minus(dec(item.promotionDiscount));
        expect(toMoneyString(dec(String(line.LineAmount)))).toBe(toMoneyString(net));
        const priceUnit = Number(line.SalesPriceQuantity ?? 1);
        if (priceUnit === 1) {
          expect(toMoneyString(dec(String(line.SalesPrice)))).toBe(item.unitPrice);
          expect(toMoneyString(dec(String(line.LineDiscountAmount)).times(item.quantity))).toBe(toMoneyString(dec(item.promotionDiscount)));
        } else {
          // A total that does not divide into cents: priced per the whole quantity, the discount folded in.
          expect(priceUnit).toBe(item.quantity);
          expect(toMoneyString(dec(String(line.SalesPrice)))).toBe(toMoneyString(net));
        }
        if (!dec(item.promotionDiscount).isZero()) promotions++;
      }
    }
    expect(promotions).toBeGreaterThan(0);
  });

  it("leaves Pending orders waiting and parks unknown-SKU orders with the SKU named", () => {
    for (const o of orders) {
      const out = outcomes.get(o.amazonOrderId)!;
      if (o.status === "Pending") expect((out as ImportOutcome).outcome).toBe("waiting");
      else if (o.status === "Canceled") expect((out as ImportOutcome).outcome).toBe("canceled");
      else if (!importable(o)) {
        expect(out).toBeInstanceOf(MappingGapError);
        expect((out as Error).message).toContain("UNMAPPED-GADGET-01");
      }
    }
    expect([...outcomes.values()].filter((o) => o instanceof MappingGapError).length).toBeGreaterThan(0);
  });

  it("a second pass changes nothing in D365", async () => {
    d365Sim.clearRequests();
    const before = headers().length;
    for (const o of orders) {
      const out = await importWithRetries(o.amazonOrderId);
      if (!(out instanceof Error)) expect(["unchanged", "updated", "waiting", "canceled"]).toContain(out.outcome);
    }
    expect(headers().length).toBe(before);
    const writes = Object.entries(d365Sim.requests().counts).filter(([k]) => /(POST|PATCH|DELETE)$/.test(k));
    expect(writes).toEqual([]);
  });

  it("cancels an open order when Amazon cancels it, and flags one that D365 has invoiced", async () => {
    const [a, b] = orders.filter((o) => importable(o) && o.status === "Unshipped").slice(0, 2);
    spapi.sim.setOrderStatus(a.amazonOrderId, "Canceled");
    expect((await importOrder({ amazonOrderId: a.amazonOrderId }, env.deps)).outcome).toBe("canceled");
    expect(headers().filter((h) => h.CustomersOrderReference === a.amazonOrderId)).toHaveLength(0);

    const hb = headers().find((h) => h.CustomersOrderReference === b.amazonOrderId)!;
    d365Sim.setSalesOrderStatus(String(hb.SalesOrderNumber), "Invoiced");
    spapi.sim.setOrderStatus(b.amazonOrderId, "Canceled");
    expect((await importOrder({ amazonOrderId: b.amazonOrderId }, env.deps)).outcome).toBe("cancel-flagged");
    expect(env.telemetry.events("order.cancelAfterShipment")).toHaveLength(1);
  });
});
