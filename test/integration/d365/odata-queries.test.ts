import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { enumValue, f } from "../../../src/d365/odata";
import { DEMO_RELEASED_PRODUCTS } from "../../../src/local/d365-sim/demo-company";
import { startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ pageSize: 3 });
});
afterAll(async () => h.sim.stop());
beforeEach(() => {
  h.sim.reset();
  h.sim.setPageSize(3);
  h.client.resetRequestCounts();
});

describe("D365 OData queries against the simulator", () => {
  it("follows @odata.nextLink across server pages until every row is read", async () => {
    const rows = await h.client.collect<{ ItemNumber: string }>("ReleasedProductsV2", { select: ["ItemNumber"], orderBy: "ItemNumber" });
    expect(rows.map((r) => r.ItemNumber)).toEqual(DEMO_RELEASED_PRODUCTS.map((p) => p.itemNumber).sort());
    // 13 products, 3 per page: 5 GETs.
    expect(h.client.requestCounts()["ReleasedProductsV2 GET"]).toBe(5);
    expect(h.sim.requests().counts["ReleasedProductsV2 GET"]).toBe(5);
  });

  it("yields pages one by one and reports $count on each", async () => {
    const sizes: number[] = [];
    let count: number | undefined;
    for await (const page of h.client.query("ReleasedProductsV2", { select: ["ItemNumber"], count: true }).pages()) {
      sizes.push(page.rows.length);
      count = page.count;
    }
    expect(sizes).toEqual([3, 3, 3, 3, 1]);
    expect(count).toBe(13);
  });

  it("keeps $top across pages: five rows over pages of three", async () => {
    const rows = await h.client.collect("ReleasedProductsV2", { top: 5, orderBy: "ItemNumber" });
    expect(rows).toHaveLength(5);
  });

  it("matches eq '*x*' as a wildcard (D365's contains)", async () => {
    h.sim.setPageSize(100);
    const rows = await h.client.collect<{ ItemNumber: string; SearchName: string }>("ReleasedProductsV2", {
      filter: f.contains("SearchName", "speak"),
    });
    expect(rows.map((r) => r.ItemNumber).sort()).toEqual(["D0001", "D0002"]);
  });

  it("refuses the `in` operator as D365 does, with a typed validation error", async () => {
    const err = await h.client.collect("CustomersV3", { filter: "CustomerAccount in ('AMZ-US','AMZ-UK')" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "validation", retryable: false, code: "d365.bad-request" });
    expect((err as Error).message).toMatch(/The query specified in the URI is not valid/);
  });

  it("answers an anyOf list as an or-chain instead of `in`", async () => {
    const rows = await h.client.collect<{ CustomerAccount: string }>("CustomersV3", {
      filter: f.anyOf("CustomerAccount", ["AMZ-US", "AMZ-UK"]),
    });
    expect(rows.map((r) => r.CustomerAccount).sort()).toEqual(["AMZ-UK", "AMZ-US"]);
  });

  it("filters enums only with the Microsoft.Dynamics.DataEntities literal", async () => {
    await h.client.salesOrders.createHeader({
      CustomersOrderReference: "111-0000000-0000001",
      OrderingCustomerAccountNumber: "AMZ-US",
      DefaultShippingWarehouseId: "FBA-US",
    });
    const open = await h.client.salesOrders.listHeaders({ filter: f.eq("SalesOrderStatus", enumValue("SalesStatus", "Backorder")) });
    expect(open).toHaveLength(1);
    const plain = await h.client.collect("SalesOrderHeadersV4", { filter: "SalesOrderStatus eq 'Backorder'" }).catch((e: unknown) => e);
    expect((plain as Error).message).toMatch(/incompatible types/);
  });

  it("combines and/or/not, parentheses, numbers and dates", async () => {
    h.sim.setPageSize(100);
    const filter = "(SalesPrice gt 40 and SalesPrice le 60) and not (ItemNumber eq 'D0002')";
    const rows = await h.client.collect<{ ItemNumber: string }>("ReleasedProductsV2", { filter, orderBy: "ItemNumber" });
    expect(rows.map((r) => r.ItemNumber)).toEqual(["D0001", "D0008", "D0010", "D0012"]);
    const rates = await h.client.collect("ExchangeRates", { filter: "StartDate ge 2025-12-31T00:00:00Z and FromCurrency eq 'GBP'" });
    expect(rates).toHaveLength(2);
  });

  it("reads only the default company unless cross-company=true", async () => {
    const all = await h.client.collect<{ dataAreaId: string }>("CustomersV3", { select: ["dataAreaId", "CustomerAccount"] });
    expect(new Set(all.map((r) => r.dataAreaId))).toEqual(new Set(["usmf", "demf"]));
    const defaultOnly = await h.client.collect<{ dataAreaId: string }>("CustomersV3", { select: ["dataAreaId"], crossCompany: false });
    expect(new Set(defaultOnly.map((r) => r.dataAreaId))).toEqual(new Set(["usmf"]));
  });

  it("quotes keys and filter values that contain apostrophes and URL-special characters", async () => {
    const name = "O'Brien & Sons #1/2?";
    await h.client.customers.create({ CustomerAccount: "O'BRIEN&1", OrganizationName: name, CustomerGroupId: "30" });
    const byKey = await h.client.customers.get("O'BRIEN&1");
    expect(byKey?.OrganizationName).toBe(name);
    const byFilter = await h.client.customers.list({ filter: f.eq("OrganizationName", name) });
    expect(byFilter.map((c) => c.CustomerAccount)).toEqual(["O'BRIEN&1"]);
    await h.client.update("CustomersV3", { dataAreaId: "usmf", CustomerAccount: "O'BRIEN&1" }, { OrganizationName: "Renamed" });
    expect((await h.client.customers.get("O'BRIEN&1"))?.OrganizationName).toBe("Renamed");
  });

  it("returns undefined for a key that does not exist, and counts with $count", async () => {
    expect(await h.client.customers.get("NOPE-1")).toBeUndefined();
    expect(await h.client.count("CustomersV3", f.eq("CustomerGroupId", "AMZ"))).toBe(3);
  });

  it("rejects an unknown property by name", async () => {
    const err = await h.client
      .create("CustomersV3", { CustomerAccount: "X-1", OrganizationName: "X", CustomerGroupId: "30", Colour: "red" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "validation", where: "Colour" });
  });

  it("reads warehouse on-hand for the FBA warehouse and by item list", async () => {
    h.sim.setOnHand("D0001", "FBA-US", 42);
    const rows = await h.client.warehousesOnHand.list({ warehouseId: "FBA-US", itemNumbers: ["D0001", "D0003"] });
    expect(rows.find((r) => r.ItemNumber === "D0001")?.AvailableOnHandQuantity).toBe(42);
    const products = await h.client.releasedProducts.findMany(["D0001", "D0004", "NOPE"]);
    expect([...products.keys()].sort()).toEqual(["D0001", "D0004"]);
  });
});
