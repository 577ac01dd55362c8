/**
 * The returns flow's adapters against the simulators: the Amazon ports (returns reports requested, polled,
 * downloaded and read by the flow's reader; refunds from Finances as refund events; MCF returns from the
 * fulfillment order's return items in both Fulfillment Outbound versions) and the D365 port (the sales order of
 * an Amazon order with its prices; return orders and lines with the real F&O fields, which the strict simulator
 * accepts, and refuses when wrong).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpApiClient } from "../../../src/amazon";
import { parseReturnsReport } from "../../../src/flows/returns/report-parser";
import type { D365Simulator } from "../../../src/local/d365-sim";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { ValidationError } from "../../../src/platform/errors";
import { spApiMcfReturns, spApiRefunds, spApiReturnsReports } from "../../../src/wiring/adapters/amazon-returns";
import { ODataReturnOrders } from "../../../src/wiring/adapters/d365-return-orders";
import { clientFor, startSim } from "../amazon/sim-client";
import { startHarness } from "../d365/harness";
import type { D365Connector } from "../../../src/d365/index";

const MPS = ["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"];
let spapi: SpApiSimulator;
let client: SpApiClient;
let d365Sim: D365Simulator;
let d365: D365Connector;

beforeAll(async () => {
  spapi = await startSim({ timeScale: 1000 });
  client = clientFor(spapi);
  const h = await startHarness({ seed: 42 });
  d365Sim = h.sim;
  d365 = h.client;
});
afterAll(async () => {
  await spapi?.stop();
  await d365Sim?.stop();
});

async function fetchReport(kind: "fba" | "fbm", marketplaceId: string) {
  const reports = spApiReturnsReports(client);
  const id = await reports.requestReport({
    kind,
    marketplaceId,
    from: new Date(Date.now() - 40 * 86_400_000).toISOString(),
    to: new Date().toISOString(),
  });
  for (;;) {
    const s = await reports.reportStatus(id);
    if (s.processingStatus === "DONE")
      return parseReturnsReport(kind, await reports.downloadReport(s.reportDocumentId!), { marketplaceId, reportId: id });
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("the Amazon side", () => {
  it("requests each returns report per marketplace and reads every seeded return once, the malformed row reported", async () => {
    const seeded = spapi.sim.returns.all();
    const keys: string[] = [];
    let problems = 0;
    for (const kind of ["fba", "fbm"] as const) {
      for (const mp of MPS) {
        const parsed = await fetchReport(kind, mp);
        expect(parsed.fatal).toBeUndefined();
        problems += parsed.problemCount;
        for (const r of parsed.returns) {
          expect(r.marketplaceId).toBe(mp);
          keys.push(r.key);
        }
      }
    }
    expect(problems).toBe(1);
    const expected = seeded.filter((r) => !r.malformed).map((r) => `${r.channel}|${r.amazonOrderId}|${r.licensePlateNumber ?? r.rma}`);
    expect(keys.sort()).toEqual(expected.sort());
  });

  it("reads refunds as refund events with their SKUs and refunded units; a re-read gives the same keys", async () => {
    const refunds = spApiRefunds(client);
    const window = {
      postedAfter: new Date(Date.now() - 70 * 86_400_000).toISOString(),
      postedBefore: new Date(Date.now() - 5 * 60_000).toISOString(),
    };
    const first = await refunds.refunds(window);
    const again = await refunds.refunds(window);
    expect(again.map((r) => r.key)).toEqual(first.map((r) => r.key));
    const partial = spapi.sim.returns.all().find((r) => r.scenario === "fba-partial-return")!;
    const mine = first.find((r) => r.key === partial.refund!.adjustmentId)!;
    expect(mine).toMatchObject({
      amazonOrderId: partial.amazonOrderId,
      marketplaceId: partial.marketplaceId,
      refundedToBuyer: `-${partial.refund!.amount}`,
    });
    expect(mine.items).toEqual([{ sku: partial.sku, quantity: 1, refundedToBuyer: `-${partial.refund!.amount}` }]);
    const full = spapi.sim.returns.all().find((r) => r.scenario === "fba-full-return-refund-settled")!;
    expect(first.find((r) => r.key === full.refund!.adjustmentId)?.items[0]?.quantity).toBe(full.quantity);
  });

  it("finds MCF returns in the fulfillment order's return items, in 2020-07-01 and in 2026-07-04 mode", async () => {
    const since = new Date(Date.now() - 40 * 86_400_000).toISOString();
    for (const mcfApi of ["2020-07-01", "2026-07-04"] as const) {
      const returns = await spApiMcfReturns(clientFor(spapi, { mcfApi })).returnsSince(since);
      const mine = returns.filter((r) => r.amazonOrderId === "DEMO-MCF-1001");
      expect(mine, mcfApi).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        channel: "MCF",
        marketplaceId: "ATVPDKIKX0DER",
        items: [{ sku: "DEMO-SPEAKER-BLK", quantity: 1, reason: "CR-DEFECTIVE", disposition: "Defective" }],
      });
      expect(mine[0]!.key).toBe(`MCF|DEMO-MCF-1001|${mine[0]!.returnId}`);
    }
  });
});

describe("the D365 side", () => {
  const ORDER = "113-0000001-0000001";
  let salesOrderNumber: string;

  beforeAll(async () => {
    const so = await d365.salesOrders.createHeader({
      CustomersOrderReference: ORDER,
      OrderingCustomerAccountNumber: "AMZ-US",
      DefaultShippingSiteId: "FBA",
      DefaultShippingWarehouseId: "FBA-US",
    });
    salesOrderNumber = so.SalesOrderNumber;
    await d365.salesOrders.createLines(salesOrderNumber, [
      { ItemNumber: "D0001", OrderedSalesQuantity: 3, SalesPrice: "54.11", ShippingSiteId: "FBA", ShippingWarehouseId: "FBA-US" },
    ]);
  });

  it("finds the sales order of an Amazon order with its customer, currency, warehouse and line prices", async () => {
    const port = new ODataReturnOrders(d365);
    expect(await port.findSalesOrder(["usmf"], ORDER)).toEqual({
      dataAreaId: "usmf",
      salesOrderNumber,
      customerAccount: "AMZ-US",
      customersOrderReference: ORDER,
      currency: "USD",
      shippingWarehouseId: "FBA-US",
      shippingSiteId: "FBA",
      lines: [{ itemNumber: "D0001", salesPrice: "54.11", salesUnit: "ea" }],
    });
    expect(await port.findSalesOrder(["usmf"], "999-9999999-9999999")).toBeUndefined();
  });

  it("finds the D365 order an MCF order was sent for through the fulfillment flow's record of its id", async () => {
    const sent = { company: "usmf", salesOrderNumber };
    const port = new ODataReturnOrders(d365, async (id) => (id === `USMF-${salesOrderNumber}` ? sent : undefined));
    expect(await port.findMcfSalesOrder(["usmf"], `USMF-${salesOrderNumber}`)).toMatchObject({ dataAreaId: "usmf", salesOrderNumber });
    // An id the app did not send and no order carries: not found.
    expect(await port.findMcfSalesOrder(["usmf"], "USMF-NOT-SENT")).toBeUndefined();
  });

  it("creates a return order and its lines with the real fields, and finds it again by order and Amazon return", async () => {
    const port = new ODataReturnOrders(d365);
    const ref = await port.createReturnOrder({
      dataAreaId: "usmf",
      CustomerAccountNumber: "AMZ-US",
      CustomersOrderReference: ORDER,
      CustomerRequisitionNumber: "LPNTEST0001",
      CustomerReturnReasonCode: "DEFECT",
      CurrencyCode: "USD",
      DefaultReturnWarehouseId: "FBA-US",
      DefaultReturnSiteId: "FBA",
    });
    expect(ref.returnOrderNumber).toMatch(/^\d{6}$/);
    expect(ref.rmaNumber).toMatch(/^RMA-/);
    const lines = await port.createReturnLines("usmf", ref.returnOrderNumber, [
      {
        ItemNumber: "D0001",
        ExternalItemNumber: "DEMO-SPEAKER-BLK",
        ReturnSalesQuantity: -2,
        ReturnDispositionCode: "CUSTDAMAGE",
        ReturnWarehouseId: "FBA-US",
        ReturnSiteId: "FBA",
        SalesPrice: "54.11",
        SalesUnitSymbol: "ea",
      },
    ]);
    expect(lines).toEqual([{ itemNumber: "D0001", externalItemNumber: "DEMO-SPEAKER-BLK", inventoryLotId: expect.any(String) }]);
    expect(await port.findReturnOrder("usmf", ORDER, "LPNTEST0001")).toEqual(ref);
    expect(await port.findReturnOrder("usmf", ORDER, "LPNOTHER")).toBeUndefined();
    expect(await port.returnOrderLines("usmf", ref.returnOrderNumber)).toEqual(lines);
    const row = d365Sim.rows("ReturnOrderLinesV2", "usmf").find((l) => l.ReturnOrderNumber === ref.returnOrderNumber)!;
    expect(row).toMatchObject({ ReturnSalesQuantity: -2, SalesPrice: 54.11, LineAmount: -108.22, ReturnStatus: "Awaiting" });
  });

  it("gets D365's refusal of an unknown disposition code or reason code, and of a positive quantity", async () => {
    const port = new ODataReturnOrders(d365);
    await expect(
      port.createReturnOrder({
        dataAreaId: "usmf",
        CustomerAccountNumber: "AMZ-US",
        CustomersOrderReference: ORDER,
        CustomerRequisitionNumber: "LPNTEST0002",
        CustomerReturnReasonCode: "NOSUCH",
        DefaultReturnWarehouseId: "FBA-US",
      }),
    ).rejects.toThrow(/NOSUCH/);
    const ref = await port.createReturnOrder({
      dataAreaId: "usmf",
      CustomerAccountNumber: "AMZ-US",
      CustomersOrderReference: ORDER,
      CustomerRequisitionNumber: "LPNTEST0003",
      CustomerReturnReasonCode: "DEFECT",
      DefaultReturnWarehouseId: "FBA-US",
    });
    const line = { ItemNumber: "D0001", ExternalItemNumber: "DEMO-SPEAKER-BLK", ReturnWarehouseId: "FBA-US" };
    await expect(
      port.createReturnLines("usmf", ref.returnOrderNumber, [{ ...line, ReturnSalesQuantity: -1, ReturnDispositionCode: "NOSUCH" }]),
    ).rejects.toThrow(/NOSUCH/);
    await expect(port.createReturnLines("usmf", ref.returnOrderNumber, [{ ...line, ReturnSalesQuantity: 1 }])).rejects.toBeInstanceOf(
      ValidationError,
    );
    // All of a return's lines are one changeset: the good line of a failing pair is not kept.
    await expect(
      port.createReturnLines("usmf", ref.returnOrderNumber, [
        { ...line, ReturnSalesQuantity: -1 },
        { ...line, ItemNumber: "NOSUCHITEM", ReturnSalesQuantity: -1 },
      ]),
    ).rejects.toThrow();
    expect(await port.returnOrderLines("usmf", ref.returnOrderNumber)).toEqual([]);
  });
});
