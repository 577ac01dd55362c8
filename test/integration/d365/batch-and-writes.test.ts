import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { BatchOperation } from "../../../src/d365/client";
import { dec } from "../../../src/platform/money";
import { startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.sim.stop());
beforeEach(() => {
  h.sim.reset();
  h.client.resetRequestCounts();
});

async function openOrder(reference = "113-1234567-1234567") {
  return h.client.salesOrders.createHeader({
    CustomersOrderReference: reference,
    OrderingCustomerAccountNumber: "AMZ-US",
    SalesOrderOriginCode: "AMZ-FBA",
    DefaultShippingWarehouseId: "FBA-US",
    IsDeliveryAddressOrderSpecific: "Yes",
    DeliveryAddressName: "Test Buyer",
    DeliveryAddressCity: "Seattle",
    DeliveryAddressStateId: "WA",
    DeliveryAddressZipCode: "98109",
    DeliveryAddressCountryRegionId: "USA",
  });
}

describe("$batch with atomic changesets", () => {
  const sixLines = async () => {
    const so = await openOrder();
    const line = (item: string, n: number): BatchOperation => ({
      method: "POST",
      entitySet: "SalesOrderLinesV3",
      body: {
        dataAreaId: "usmf",
        SalesOrderNumber: so.SalesOrderNumber,
        ItemNumber: item,
        OrderedSalesQuantity: 1,
        CustomersLineNumber: n,
      },
    });
    return { so, ops: [line("D0001", 1), line("D0002", 2), line("D0003", 3), line("NOPE-404", 4), line("D0004", 5), line("D0005", 6)] };
  };

  it("stops at the first failing changeset as D365 does: fewer parts come back, the rest is reported not executed", async () => {
    const { so, ops } = await sixLines();
    const results = await h.client.batch(ops, { changesetSize: 2 });
    expect(results.map((r) => r.ok)).toEqual([true, true, false, false, false, false]);
    expect(results[2]).toMatchObject({ rolledBack: true, changeset: 1 });
    expect(results[3]).toMatchObject({ rolledBack: false, changeset: 1, error: { kind: "validation", where: "Item number" } });
    expect(results[3]!.error!.message).toMatch(/NOPE-404/);
    expect(results.slice(4)).toMatchObject([
      { notExecuted: true, changeset: 2, error: { kind: "unavailable", code: "d365.batch-not-executed" } },
      { notExecuted: true, changeset: 2 },
    ]);
    const lines = await h.client.salesOrders.listLines(so.SalesOrderNumber);
    expect(lines.map((l) => l.ItemNumber)).toEqual(["D0001", "D0002"]);
    // one HTTP request for six operations, answered 200 with two parts for three changesets
    expect(h.client.requestCounts()["$batch POST"]).toBe(1);
    expect(h.client.requestCounts()["SalesOrderLinesV3 POST ($batch)"]).toBe(6);
    const logged = h.sim.requests().log.find((e) => e.target === "$batch");
    expect(logged?.status).toBe(200);
    expect(logged?.operations).toHaveLength(4);
  });

  it("with continue-on-error undoes only the changeset with the failing part; the other changesets go in", async () => {
    const { so, ops } = await sixLines();
    const results = await h.client.batch(ops, { changesetSize: 2, continueOnError: true });
    expect(results.map((r) => r.ok)).toEqual([true, true, false, false, true, true]);
    expect(results[3]).toMatchObject({ rolledBack: false, changeset: 1, error: { kind: "validation", where: "Item number" } });
    const lines = await h.client.salesOrders.listLines(so.SalesOrderNumber);
    expect(lines.map((l) => l.ItemNumber)).toEqual(["D0001", "D0002", "D0004", "D0005"]);
  });

  it("runs GETs outside changesets and returns their bodies", async () => {
    const results = await h.client.batch([
      { method: "GET", entitySet: "CustomersV3", key: { dataAreaId: "usmf", CustomerAccount: "AMZ-DE" } },
      { method: "GET", entitySet: "CustomersV3", key: { dataAreaId: "usmf", CustomerAccount: "MISSING" } },
    ]);
    expect(results[0]).toMatchObject({ ok: true, status: 200, body: { SalesCurrencyCode: "EUR" } });
    expect(results[1]).toMatchObject({ ok: false, status: 404, error: { kind: "not-found" } });
  });

  it("splits large work into several requests of at most the configured operations", async () => {
    const header = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn", Description: "split" });
    const ops: BatchOperation[] = Array.from({ length: 25 }, (_, i) => ({
      method: "POST",
      entitySet: "LedgerJournalLines",
      body: {
        dataAreaId: "usmf",
        JournalBatchNumber: header.JournalBatchNumber,
        LineNumber: i + 1,
        AccountDisplayValue: "401100",
        CreditAmount: dec("1.10"),
        CurrencyCode: "USD",
        TransDate: "2026-01-15T12:00:00Z",
      },
    }));
    const { D365Connector } = await import("../../../src/d365/index");
    const { SimulatorCredential } = await import("../../../src/d365/auth");
    const small = new D365Connector({
      baseUrl: h.sim.url,
      credential: new SimulatorCredential(`${h.sim.url}/oauth2/token`, "t", "fake-secret"),
      company: "usmf",
      batchSize: 5,
      maxOperationsPerBatch: 10,
    });
    const results = await small.batch(ops);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(small.requestCounts()["$batch POST"]).toBe(3);
    expect(new Set(results.map((r) => r.changeset))).toEqual(new Set([0, 1, 2, 3, 4]));
    expect(h.sim.rows("LedgerJournalLines")).toHaveLength(25);
  });

  it("refuses a $batch of more than 5,000 operations as D365 does", async () => {
    const parts =
      Array.from({ length: 5001 }, (_, i) => `--b\r\nContent-Type: application/http\r\n\r\nGET CustomersV3?$top=1 HTTP/1.1\r\n\r\n`).join(
        "",
      ) + "--b--\r\n";
    const token = await h.client.token();
    const res = await fetch(`${h.sim.url}/data/$batch`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "multipart/mixed; boundary=b" },
      body: parts,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/maximum is 5000/);
  });
});

describe("sales orders: header, then lines", () => {
  it("creates a header found again by CustomersOrderReference, then its lines with prices and amounts", async () => {
    const so = await openOrder("113-0000000-0000042");
    expect(so.SalesOrderNumber).toMatch(/^\d{6}$/);
    expect(so).toMatchObject({
      CurrencyCode: "USD",
      InvoiceCustomerAccountNumber: "AMZ-US",
      DefaultShippingSiteId: "FBA",
      SalesOrderStatus: "Backorder",
    });
    const found = await h.client.salesOrders.findByCustomersOrderReference("113-0000000-0000042");
    expect(found?.SalesOrderNumber).toBe(so.SalesOrderNumber);
    const lines = await h.client.salesOrders.createLines(so.SalesOrderNumber, [
      {
        ItemNumber: "D0001",
        OrderedSalesQuantity: 2,
        SalesPrice: dec("49.99"),
        CustomersLineNumber: 1,
        OrderLineReference: "12345678901234",
      },
      { ItemNumber: "D0004", OrderedSalesQuantity: 3, SalesPrice: "9.99", LineDiscountAmount: "1.00", CustomersLineNumber: 2 },
    ]);
    expect(lines.map((l) => [l.ItemNumber, l.LineAmount, l.ShippingWarehouseId, l.ShippingSiteId])).toEqual([
      ["D0001", 99.98, "FBA-US", "FBA"],
      ["D0004", 26.97, "FBA-US", "FBA"],
    ]);
    expect(lines[0]!.InventoryLotId).toMatch(/^USMF-\d{9}$/);
    const header = await h.client.salesOrders.getHeader(so.SalesOrderNumber);
    expect(header?.OrderTotalAmount).toBe(126.95);
    await h.client.salesOrders.updateHeader(so.SalesOrderNumber, { CustomerRequisitionNumber: "MCF-1" });
    expect((await h.client.salesOrders.getHeader(so.SalesOrderNumber))?.CustomerRequisitionNumber).toBe("MCF-1");
  });

  it("names the field when an item number is unknown, and creates none of the order's lines", async () => {
    const so = await openOrder();
    const err = await h.client.salesOrders
      .createLines(so.SalesOrderNumber, [
        { ItemNumber: "D0001", OrderedSalesQuantity: 1 },
        { ItemNumber: "UNMAPPED-GADGET-01", OrderedSalesQuantity: 1 },
      ])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "validation", retryable: false, code: "d365.rejected", where: "Item number" });
    expect((err as Error).message).toMatch(/Write failed for table row of type 'SalesOrderLineV3Entity'.*UNMAPPED-GADGET-01.*Item number/);
    expect(await h.client.salesOrders.listLines(so.SalesOrderNumber)).toEqual([]);
  });

  it("says Site is mandatory when neither line nor header names a warehouse", async () => {
    const so = await h.client.salesOrders.createHeader({
      CustomersOrderReference: "113-0000000-0000043",
      OrderingCustomerAccountNumber: "AMZ-US",
    });
    const err = await h.client.salesOrders
      .createLine(so.SalesOrderNumber, { ItemNumber: "D0001", OrderedSalesQuantity: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "validation", where: "Site" });
    expect((err as Error).message).toMatch(/Inventory dimension Site is mandatory/);
  });

  it("rejects unknown and stopped customers, unknown warehouses and a duplicate order number", async () => {
    const unknown = await h.client.salesOrders
      .createHeader({ CustomersOrderReference: "x", OrderingCustomerAccountNumber: "AMZ-XX" })
      .catch((e: unknown) => e);
    expect(unknown).toMatchObject({ kind: "validation", where: "Customer account" });
    const stopped = await h.client.salesOrders
      .createHeader({ CustomersOrderReference: "x", OrderingCustomerAccountNumber: "US-099" })
      .catch((e: unknown) => e);
    expect((stopped as Error).message).toMatch(/stopped for All/);
    const wh = await h.client.salesOrders
      .createHeader({ CustomersOrderReference: "x", OrderingCustomerAccountNumber: "AMZ-US", DefaultShippingWarehouseId: "FBA-XX" })
      .catch((e: unknown) => e);
    expect(wh).toMatchObject({ kind: "validation", where: "Warehouse" });
    await h.client.salesOrders.createHeader({
      SalesOrderNumber: "AMZ-000001",
      CustomersOrderReference: "y",
      OrderingCustomerAccountNumber: "AMZ-US",
    });
    const dup = await h.client.salesOrders
      .createHeader({ SalesOrderNumber: "AMZ-000001", CustomersOrderReference: "y", OrderingCustomerAccountNumber: "AMZ-US" })
      .catch((e: unknown) => e);
    expect(dup).toMatchObject({ kind: "conflict", code: "d365.duplicate", retryable: false });
  });

  it("takes header charges on an open order and deletes them with the order", async () => {
    const so = await openOrder();
    const charge = await h.client.create<{ ChargeLineNumber: number; ChargeCurrencyCode: string }>("SalesOrderHeaderChargesV2", {
      dataAreaId: "usmf",
      SalesOrderNumber: so.SalesOrderNumber,
      SalesChargeCode: "FREIGHT",
      ChargeCategory: "Fixed",
      FixedChargeAmount: dec("4.99"),
      ChargeDescription: "shipping",
    });
    expect(charge).toMatchObject({ ChargeLineNumber: 1, ChargeCurrencyCode: "USD" });
    await h.client.delete("SalesOrderHeadersV4", { dataAreaId: "usmf", SalesOrderNumber: so.SalesOrderNumber });
    expect(h.sim.rows("SalesOrderHeaderChargesV2")).toEqual([]);
  });

  it("creates header and lines atomically in one changeset when the order number is supplied", async () => {
    const order = {
      SalesOrderNumber: "AMZ-000100",
      CustomersOrderReference: "113-9",
      OrderingCustomerAccountNumber: "AMZ-UK",
      DefaultShippingWarehouseId: "FBA-UK",
    };
    const bad = await h.client.salesOrders
      .createWithLines(order, [
        { ItemNumber: "D0001", OrderedSalesQuantity: 1 },
        { ItemNumber: "NOPE", OrderedSalesQuantity: 1 },
      ])
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ kind: "validation", where: "Item number" });
    expect(await h.client.salesOrders.getHeader("AMZ-000100")).toBeUndefined();
    const ok = await h.client.salesOrders.createWithLines(order, [{ ItemNumber: "D0001", OrderedSalesQuantity: 1, SalesPrice: "44.99" }]);
    expect(ok.header).toMatchObject({ SalesOrderNumber: "AMZ-000100", CurrencyCode: "GBP" });
    expect(ok.lines[0]).toMatchObject({ SalesOrderNumber: "AMZ-000100", LineAmount: 44.99 });
  });

  it("refuses lines on an invoiced order", async () => {
    const so = await openOrder();
    h.sim.setSalesOrderStatus(so.SalesOrderNumber, "Invoiced");
    const err = await h.client.salesOrders
      .createLine(so.SalesOrderNumber, { ItemNumber: "D0001", OrderedSalesQuantity: 1 })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "validation" });
  });
});

describe("general journal", () => {
  const line = (n: number, account: string, side: "DebitAmount" | "CreditAmount", amount: string) => ({
    LineNumber: n,
    AccountDisplayValue: account,
    [side]: dec(amount),
    CurrencyCode: "USD",
    TransDate: "2026-01-15",
    Text: `Settlement 1234 line ${n}`,
  });

  it("creates a header (number from D365), lines in changesets, and reads back totals", async () => {
    const header = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn", Description: "AMZ settlement 1234" });
    expect(header).toMatchObject({ JournalName: "GenJrn", IsPosted: "No" });
    const lines = [
      line(1, "401100", "CreditAmount", "100.10"),
      line(2, "605100", "DebitAmount", "15.02"),
      line(3, "110180", "DebitAmount", "85.08"),
    ];
    const out = await h.client.ledgerJournals.createLines(header.JournalBatchNumber, lines);
    expect(out.failures).toEqual([]);
    expect(out.created.map((l) => l.LineNumber)).toEqual([1, 2, 3]);
    const back = await h.client.ledgerJournals.getHeader(header.JournalBatchNumber);
    expect(back).toMatchObject({ JournalTotalDebit: 100.1, JournalTotalCredit: 100.1 });
    expect((await h.client.ledgerJournals.findByDescription("AMZ settlement 1234")).map((j) => j.JournalBatchNumber)).toEqual([
      header.JournalBatchNumber,
    ]);
    const listed = await h.client.ledgerJournals.listLines(header.JournalBatchNumber);
    expect(listed.map((l) => l.TransDate)).toEqual(["2026-01-15T12:00:00Z", "2026-01-15T12:00:00Z", "2026-01-15T12:00:00Z"]);
  });

  it("resumes without duplicating: existing line numbers are skipped", async () => {
    const header = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn" });
    const all = [1, 2, 3, 4].map((n) => line(n, "401100", "CreditAmount", "1.00"));
    await h.client.ledgerJournals.createLines(header.JournalBatchNumber, all.slice(0, 2));
    const out = await h.client.ledgerJournals.createLines(header.JournalBatchNumber, all, { skipExisting: true });
    expect(out.skipped).toEqual([1, 2]);
    expect(out.created.map((l) => l.LineNumber)).toEqual([3, 4]);
    expect(await h.client.ledgerJournals.listLines(header.JournalBatchNumber)).toHaveLength(4);
  });

  it("reports a duplicate line number and an unknown main account per line; without continue-on-error D365 stops at the first", async () => {
    const header = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn" });
    await h.client.ledgerJournals.createLines(header.JournalBatchNumber, [line(1, "401100", "CreditAmount", "1.00")]);
    const lines = [
      line(1, "401100", "CreditAmount", "1.00"),
      line(2, "401100", "CreditAmount", "1.00"),
      line(3, "123456", "DebitAmount", "1.00"),
    ];
    const stopped = await h.client.ledgerJournals.createLines(header.JournalBatchNumber, lines, { changesetSize: 1 });
    expect(stopped.created).toEqual([]);
    expect(stopped.failures.map((f) => [f.LineNumber, f.error.kind, Boolean(f.notExecuted)])).toEqual([
      [1, "conflict", false],
      [2, "unavailable", true],
      [3, "unavailable", true],
    ]);
    const out = await h.client.ledgerJournals.createLines(header.JournalBatchNumber, lines, { changesetSize: 1, continueOnError: true });
    expect(out.created.map((l) => l.LineNumber)).toEqual([2]);
    expect(out.failures.map((f) => [f.LineNumber, f.error.kind])).toEqual([
      [1, "conflict"],
      [3, "validation"],
    ]);
    expect(out.failures[1]!.error.message).toMatch(/main account 123456 does not exist/);
  });

  it("refuses adding lines to, or changing, a posted journal", async () => {
    const header = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn" });
    await h.client.ledgerJournals.createLines(header.JournalBatchNumber, [
      line(1, "401100", "CreditAmount", "5.00"),
      line(2, "110180", "DebitAmount", "5.00"),
    ]);
    h.sim.postJournal(header.JournalBatchNumber);
    const out = await h.client.ledgerJournals.createLines(header.JournalBatchNumber, [line(3, "401100", "CreditAmount", "1.00")]);
    expect(out.failures[0]!.error.message).toMatch(/already been posted/);
    const patch = await h.client
      .update("LedgerJournalHeaders", { dataAreaId: "usmf", JournalBatchNumber: header.JournalBatchNumber }, { Description: "x" })
      .catch((e: unknown) => e);
    expect(patch).toMatchObject({ kind: "validation" });
    expect((await h.client.ledgerJournals.getHeader(header.JournalBatchNumber))?.IsPosted).toBe("Yes");
  });

  it("rejects an unknown journal name", async () => {
    const err = await h.client.ledgerJournals.createHeader({ JournalName: "NoSuch" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "validation", where: "Name" });
  });
});

describe("return orders", () => {
  it("creates an RMA with negative quantities and refuses positive ones", async () => {
    const rma = await h.client.returnOrders.createHeader({
      CustomerAccountNumber: "AMZ-US",
      CustomersOrderReference: "113-1",
      DefaultReturnWarehouseId: "13",
      CustomerReturnReasonCode: "DEFECT",
    });
    expect(rma.RMANumber).toMatch(/^RMA-\d{6}$/);
    const lines = await h.client.returnOrders.createLines(rma.ReturnOrderNumber, [
      { ItemNumber: "D0001", ReturnSalesQuantity: -1, ReturnDispositionCode: "SELLABLE" },
    ]);
    expect(lines[0]).toMatchObject({ ReturnWarehouseId: "13", ReturnSiteId: "1", RMANumber: rma.RMANumber });
    const err = await h.client.returnOrders
      .createLines(rma.ReturnOrderNumber, [{ ItemNumber: "D0001", ReturnSalesQuantity: 1 }])
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/must be negative/);
    expect((await h.client.returnOrders.findByCustomersOrderReference("113-1")).map((r) => r.RMANumber)).toEqual([rma.RMANumber]);
  });
});
