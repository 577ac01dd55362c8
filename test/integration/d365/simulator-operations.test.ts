/**
 * The simulator's demo data and control API for the coming flows (products, inventory, MCF/FBM shipping,
 * returns): seeded areas readable over OData with real fields, on-hand changed through /_control, inventory
 * journals posted, orders shipped and invoiced as F&O's posting would.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { f } from "../../../src/d365/odata";
import {
  DEMO_DISPOSITION_CODES,
  DEMO_JOURNAL_NAMES,
  DEMO_RELEASED_PRODUCTS,
  DEMO_RETURN_REASON_CODES,
  demoUpc,
} from "../../../src/local/d365-sim/demo-company";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    extraRows: {
      ReturnDispositionCodes: [
        { dataAreaId: "usmf", DispositionCode: "QUARANT", DispositionDescription: "Quarantine", DispositionAction: "Credit" },
      ],
    },
  });
});
afterAll(async () => h.sim.stop());
beforeEach(() => h.sim.reset());

const control = (path: string, body: unknown) =>
  fetch(`${h.sim.url}/_control/${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

async function onHand(item: string, warehouse: string): Promise<number | undefined> {
  const rows = await h.client.warehousesOnHand.list({ warehouseId: warehouse, itemNumbers: [item] });
  return rows[0]?.OnHandQuantity;
}

describe("seeded areas for the coming flows", () => {
  it("released products with their sales price and bar codes: a valid UPC-A for each, the FNSKU for FBA items", async () => {
    const products = await h.client.releasedProducts.list({ select: ["ItemNumber", "SalesPrice"] });
    expect(products.map((p) => p.ItemNumber).sort()).toEqual(DEMO_RELEASED_PRODUCTS.map((p) => p.itemNumber).sort());
    expect(products.find((p) => p.ItemNumber === "D0001")?.SalesPrice).toBe(49.99);
    const barcodes = await h.client.collect<{ ItemNumber: string; BarcodeSetupId: string; Barcode: string }>("ProductBarcodesV3", {
      filter: f.eq("ItemNumber", "D0001"),
      select: ["ItemNumber", "BarcodeSetupId", "Barcode"],
    });
    expect(barcodes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ BarcodeSetupId: "UPC", Barcode: demoUpc("D0001") }),
        expect.objectContaining({ BarcodeSetupId: "FNSKU", Barcode: "X0DEMO0001" }),
      ]),
    );
    const upc = demoUpc("D0001");
    const sum = [...upc.slice(0, 11)].reduce((s, c, i) => s + Number(c) * (i % 2 === 0 ? 3 : 1), 0);
    expect(Number(upc[11])).toBe((10 - (sum % 10)) % 10);
  });

  it("on-hand in the FBM warehouse for every item and in the FBA warehouses for FBA items", async () => {
    const fba = DEMO_PRODUCTS.filter((p) => p.fba)
      .map((p) => p.itemNumber)
      .sort();
    expect((await h.client.warehousesOnHand.list({ warehouseId: "FBA-US" })).map((r) => r.ItemNumber).sort()).toEqual(fba);
    expect(await h.client.warehousesOnHand.list({ warehouseId: "11" })).toHaveLength(DEMO_PRODUCTS.length);
  });

  it("return reason codes, disposition codes (plus extra rows given at start), journal names and main accounts", async () => {
    const reasons = await h.client.collect<{ ReasonCodeId: string }>("ReturnReasonCodeBiEntities", { filter: f.eq("dataAreaId", "usmf") });
    expect(reasons.map((r) => r.ReasonCodeId).sort()).toEqual(DEMO_RETURN_REASON_CODES.map((r) => r.ReasonCodeId).sort());
    const dispositions = await h.client.collect<{ DispositionCode: string }>("ReturnDispositionCodes", {
      filter: f.eq("dataAreaId", "usmf"),
    });
    expect(dispositions.map((r) => r.DispositionCode).sort()).toEqual(
      [...DEMO_DISPOSITION_CODES.map((d) => d.DispositionCode), "QUARANT"].sort(),
    );
    const names = await h.client.collect<{ Name: string; NewVoucher: string; VoucherSeriesCode: string }>("JournalNames", {
      filter: f.eq("dataAreaId", "usmf"),
    });
    expect(names.map((n) => [n.Name, n.NewVoucher])).toEqual(expect.arrayContaining(DEMO_JOURNAL_NAMES.map((n) => [n.Name, n.NewVoucher])));
    const rma = await h.client.returnOrders
      .createHeader({ CustomerAccountNumber: "AMZ-US", CustomerReturnReasonCode: "NOSUCH" })
      .catch((e: unknown) => e);
    expect((rma as Error).message).toMatch(/'NOSUCH' in field 'Return reason code' is not found/);
  });
});

describe("control endpoints", () => {
  it("POST /_control/onhand sets on-hand (with reserved) and adjusts it by a delta", async () => {
    const set = await control("onhand", { ItemNumber: "D0001", WarehouseId: "FBA-US", OnHandQuantity: 40, ReservedQuantity: 2 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ OnHandQuantity: 40, AvailableOnHandQuantity: 38 });
    await control("onhand", { ItemNumber: "D0001", WarehouseId: "FBA-US", Delta: -5 });
    expect(await onHand("D0001", "FBA-US")).toBe(35);
    expect((await control("onhand", { ItemNumber: "NOPE", WarehouseId: "FBA-US", OnHandQuantity: 1 })).status).toBe(404);
  });

  it("posts an inventory adjustment journal and a counting journal created over OData", async () => {
    h.sim.setOnHand("D0003", "FBA-US", 10);
    const adj = await h.client.create<{ JournalNumber: string }>("InventoryAdjustmentJournalHeaders", {
      dataAreaId: "usmf",
      JournalNameId: "IMov",
      Description: "FBA reconciliation",
      DefaultWarehouseId: "FBA-US",
    });
    await h.client.create("InventoryAdjustmentJournalEntriesV2", {
      dataAreaId: "usmf",
      JournalNumber: adj.JournalNumber,
      ItemNumber: "D0003",
      InventoryQuantity: -3,
      TransactionDate: "2026-01-31T12:00:00Z",
    });
    const posted = await control("inventory-journals/post", { JournalNumber: adj.JournalNumber });
    expect(await posted.json()).toEqual({ kind: "adjustment", lines: 1 });
    expect(await onHand("D0003", "FBA-US")).toBe(7);
    expect((await control("inventory-journals/post", { JournalNumber: adj.JournalNumber })).status).toBe(400);

    const count = await h.client.create<{ JournalNumber: string }>("InventoryCountingJournalHeaders", {
      dataAreaId: "usmf",
      Description: "FBA count",
      DefaultWarehouseId: "FBA-US",
    });
    const line = await h.client.create<{ OnHandQuantity: number; AdjustmentQuantity: number }>("InventoryCountingJournalLines", {
      dataAreaId: "usmf",
      JournalNumber: count.JournalNumber,
      ItemNumber: "D0003",
      CountedQuantity: 12,
      CountingDate: "2026-01-31T12:00:00Z",
    });
    expect(line).toMatchObject({ OnHandQuantity: 7, AdjustmentQuantity: 5 });
    h.sim.postInventoryJournal(count.JournalNumber);
    expect(await onHand("D0003", "FBA-US")).toBe(12);
  });

  it("ships an order (packing slip, tracking, on-hand out) and invoices it", async () => {
    h.sim.setOnHand("D0005", "11", 20);
    const so = await h.client.salesOrders.createHeader({
      CustomersOrderReference: "114-0000000-0000001",
      OrderingCustomerAccountNumber: "AMZ-US",
      DefaultShippingWarehouseId: "11",
      SalesOrderOriginCode: "AMZ-MCF",
    });
    await h.client.salesOrders.createLines(so.SalesOrderNumber, [{ ItemNumber: "D0005", OrderedSalesQuantity: 2, SalesPrice: "12.99" }]);
    const shipped = await control("sales-orders/ship", {
      SalesOrderNumber: so.SalesOrderNumber,
      TrackingNumber: "1Z999AA10123456784",
      TrackingURL: "https://track.example/1Z999AA10123456784",
    });
    const { packingSlipNumber } = (await shipped.json()) as { packingSlipNumber: string };
    expect(packingSlipNumber).toMatch(/^PS-\d{6}$/);
    expect(await onHand("D0005", "11")).toBe(18);
    const tracking = await h.client.collect<{ TrackingNumber: string; PackingSlipNumber: string }>("PackingSlipTrackingInformation", {
      filter: f.eq("SalesOrderNumber", so.SalesOrderNumber),
    });
    expect(tracking).toEqual([expect.objectContaining({ TrackingNumber: "1Z999AA10123456784", PackingSlipNumber: packingSlipNumber })]);
    expect((await h.client.salesOrders.getHeader(so.SalesOrderNumber))?.SalesOrderStatus).toBe("Delivered");

    const invoiced = await control("sales-orders/invoice", { SalesOrderNumber: so.SalesOrderNumber });
    const { invoiceNumber } = (await invoiced.json()) as { invoiceNumber: string };
    const invoices = await h.client.collect<{ InvoiceNumber: string; CustomersOrderReference: string; TotalInvoiceAmount: number }>(
      "SalesInvoiceHeadersV4",
      { filter: f.eq("SalesOrderNumber", so.SalesOrderNumber) },
    );
    expect(invoices).toEqual([
      expect.objectContaining({ InvoiceNumber: invoiceNumber, CustomersOrderReference: "114-0000000-0000001", TotalInvoiceAmount: 25.98 }),
    ]);
    expect((await h.client.salesOrders.getHeader(so.SalesOrderNumber))?.SalesOrderStatus).toBe("Invoiced");
    // Posted invoices are read-only over OData.
    expect(
      (await h.client.create("SalesInvoiceHeadersV4", { dataAreaId: "usmf", InvoiceNumber: "X" }).catch((e: unknown) => e)) as Error,
    ).toMatchObject({
      message: expect.stringMatching(/read-only/),
    });
  });

  it("POST /_control/entities/<Set> writes a flow's own rows when they fit the schema", async () => {
    const ok = await control("entities/ProductBarcodesV3", {
      rows: [
        {
          dataAreaId: "usmf",
          ItemNumber: "D0002",
          BarcodeSetupId: "EAN13",
          Barcode: "4006381333931",
          ProductQuantityUnitSymbol: "ea",
          ProductConfigurationId: "",
          ProductColorId: "",
          ProductSizeId: "",
          ProductStyleId: "",
          ProductVersionId: "",
        },
      ],
    });
    expect(ok.status).toBe(201);
    const rows = await h.client.collect<{ Barcode: string }>("ProductBarcodesV3", { filter: f.eq("BarcodeSetupId", "EAN13") });
    expect(rows.map((r) => r.Barcode)).toEqual(["4006381333931"]);
  });
});
