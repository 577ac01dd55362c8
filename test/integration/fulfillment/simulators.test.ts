/**
 * The fulfillment flow on its real adapters against both simulators (no host): the D365 adapter on the demo
 * company's MCF orders and posted packing slips, the MCF adapter in both Fulfillment Outbound versions (one
 * model, the same outcome), and the FBM confirmation adapter. Simulated time is driven by advance() only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { confirmShipments } from "../../../src/flows/fulfillment/confirm-shipments";
import type { FulfillmentDeps } from "../../../src/flows/fulfillment/handle-request";
import { McfRecords } from "../../../src/flows/fulfillment/mcf-records";
import { sendToMcf } from "../../../src/flows/fulfillment/send-to-mcf";
import { ShipmentLedger } from "../../../src/flows/fulfillment/shipment-ledger";
import { syncMcfOrder } from "../../../src/flows/fulfillment/sync-mcf-order";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { CARRIERS_FILE, Carriers, type CarriersFile } from "../../../src/mapping/carriers";
import { FULFILLMENT_FILE, type FulfillmentFile } from "../../../src/mapping/fulfillment";
import { Mappings } from "../../../src/mapping/mappings";
import { systemClock } from "../../../src/platform/clock";
import { ConflictError, ValidationError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { SpApiMcf } from "../../../src/wiring/adapters/amazon-mcf";
import { SpApiShipmentConfirmations } from "../../../src/wiring/adapters/amazon-shipments";
import { ODataFulfillment } from "../../../src/wiring/adapters/d365-fulfillment";
import { RecordingBus } from "../../unit/fulfillment/fakes";
import { clientFor, startSim } from "../amazon/sim-client";
import { d365For, REPO_MAPPINGS } from "../orders/sim-deps";

let d365Sim: D365Simulator;
let spapi: SpApiSimulator;
let d365: ODataFulfillment;
const mappings = Mappings.load(REPO_MAPPINGS);

beforeAll(async () => {
  d365Sim = await startD365Simulator({ port: 0, seed: 5, mcfDemoOrders: true });
  spapi = await startSim({ timeScale: 1, seed: 5 });
  d365 = new ODataFulfillment(d365For(d365Sim));
});
afterAll(async () => {
  await spapi?.stop();
  await d365Sim?.stop();
});

function flowDeps(mcfApi: "2020-07-01" | "2026-07-04"): FulfillmentDeps {
  const client = clientFor(spapi, { mcfApi, maxRetries: 3, backoffBaseMs: 5 });
  const state = new MemoryStateStore();
  return {
    amazon: new SpApiMcf(client.mcf),
    shipments: new SpApiShipmentConfirmations(client),
    d365,
    records: new McfRecords(state, () => new Date()),
    ledger: new ShipmentLedger(state, () => new Date()),
    rules: mappings.files.get(FULFILLMENT_FILE) as FulfillmentFile,
    skus: mappings.skuFile,
    marketplaces: mappings.marketplacesFile.marketplaces,
    carriers: new Carriers(mappings.files.get(CARRIERS_FILE) as CarriersFile),
    shipmentsEnabled: true,
    bus: new RecordingBus(),
    state,
    queue: "fulfillment-requests",
    clock: systemClock,
    telemetry: new MemoryTelemetry(),
  };
}

describe("the D365 side on the D365 simulator", () => {
  it("reads a seeded MCF order with its address and lines, and finds the ready ones", async () => {
    const h = await d365.getOrder("usmf", "MCF-00001");
    expect(h).toMatchObject({
      company: "usmf",
      salesOrderNumber: "MCF-00001",
      status: "Backorder",
      processingStatus: "Confirmed",
      stopped: false,
      deliveryModeCode: "MCF-STD",
      deliveryAddress: { zipCode: "98101", countryIsoCode: "US" },
    });
    expect((await d365.getLines("usmf", "MCF-00001")).map((l) => [l.itemNumber, l.quantity])).toEqual([
      ["D0001", 2],
      ["D0004", 1],
    ]);
    const ready = await d365.findOpenOrders({
      company: "usmf",
      warehouses: [],
      modesOfDelivery: ["MCF-STD", "MCF-EXP"],
      processingStatuses: ["Confirmed"],
    });
    expect(ready.map((r) => r.salesOrderNumber)).toEqual(["MCF-00001", "MCF-00002", "MCF-00004", "MCF-00005", "MCF-00006"]);
  });

  it("sets deliver-now quantities that D365's batch posts, reads the packing slips back and adds tracking to them", async () => {
    await d365.setDeliverNow("usmf", "MCF-00002", [{ lotId: "USMF-MCF-00002-1", quantity: 1 }]);
    const [posted] = d365Sim.runDeliverNowBatch();
    expect(posted?.lines).toEqual([{ InventoryLotId: "USMF-MCF-00002-1", ItemNumber: "D0003", Quantity: 1 }]);
    const slips = await d365.packingSlips("usmf", "MCF-00002");
    expect(slips).toEqual([
      {
        packingSlipNumber: posted!.packingSlipNumber,
        deliveryDate: posted!.deliveryDate,
        deliveryModeCode: "MCF-EXP",
        lines: [{ lotId: "USMF-MCF-00002-1", itemNumber: "D0003", quantity: 1 }],
        tracking: [],
      },
    ]);
    const row = {
      packingSlipNumber: posted!.packingSlipNumber,
      deliveryDate: posted!.deliveryDate,
      trackingNumber: "1ZTEST",
      trackingUrl: "https://t.example/1ZTEST",
    };
    await d365.addTracking("usmf", "MCF-00002", [row]);
    await d365.addTracking("usmf", "MCF-00002", [row]); // again: a retry is harmless
    expect((await d365.packingSlips("usmf", "MCF-00002"))[0]!.tracking).toEqual([
      { trackingNumber: "1ZTEST", trackingUrl: "https://t.example/1ZTEST" },
    ]);
    // F&O keeps tracking on posted packing slips only.
    await expect(d365.addTracking("usmf", "MCF-00001", [{ ...row, packingSlipNumber: "PS-999999" }])).rejects.toThrow(
      /has not been posted/,
    );
    const since = await d365.packingSlipsPostedSince(new Date(Date.now() - 86_400_000));
    expect(since).toContainEqual({
      company: "usmf",
      salesOrderNumber: "MCF-00002",
      packingSlipNumber: posted!.packingSlipNumber,
      customersOrderReference: "WEB-10002",
    });
  });

  it("stops an order's processing and puts a carrier on it", async () => {
    await d365.stopProcessing("usmf", "MCF-00005");
    await d365.setShippingCarrier("usmf", "MCF-00004", "UPS");
    expect((await d365.getOrder("usmf", "MCF-00005"))?.stopped).toBe(true);
    expect((await d365.getOrder("usmf", "MCF-00004"))?.shippingCarrierId).toBe("UPS");
  });
});

describe("the MCF adapter on the SP-API simulator", () => {
  it.each(["2020-07-01", "2026-07-04"] as const)(
    "%s: previews with Amazon's reasons, creates once, answers 'exists' to a different create",
    async (v) => {
      const mcf = new SpApiMcf(clientFor(spapi, { mcfApi: v }).mcf);
      const dest = {
        name: "Demo Recipient",
        addressLine1: "1 Test Street",
        city: "Seattle",
        stateOrRegion: "WA",
        postalCode: "98101",
        countryCode: "US",
      };
      const item = { lineId: "L1", sku: "DEMO-SPEAKER-BLK", quantity: 1 };
      expect(await mcf.preview({ marketplaceId: "ATVPDKIKX0DER", destination: dest, items: [item] }, "Standard")).toMatchObject({
        fulfillable: true,
      });
      expect(
        await mcf.preview({ marketplaceId: "ATVPDKIKX0DER", destination: { ...dest, postalCode: "00000" }, items: [item] }, "Standard"),
      ).toMatchObject({
        fulfillable: false,
        orderUnfulfillableReasons: ["InvalidDestinationAddress"],
      });
      const stand = await mcf.preview(
        { marketplaceId: "ATVPDKIKX0DER", destination: dest, items: [{ ...item, sku: "DEMO-STAND-ALU" }] },
        "Standard",
      );
      // 2020-07-01 says InventoryUnavailable, 2026-07-04 ItemQuantityNotAvailable.
      expect(stand.unfulfillableItems[0]?.reasons.join()).toMatch(/InventoryUnavailable|ItemQuantityNotAvailable/);
      const request = {
        sellerFulfillmentOrderId: `ADAPTER-${v}`,
        marketplaceId: "ATVPDKIKX0DER",
        displayableOrderId: "A-1",
        displayableOrderDate: "2026-11-20T10:00:00Z",
        displayableOrderComment: "Thanks",
        shippingSpeed: "Standard" as const,
        fulfillmentPolicy: "FillOrKill" as const,
        destination: dest,
        items: [item],
      };
      await mcf.create(request);
      // The same request again creates nothing; a different one under the same id is refused as existing.
      await mcf.create(request);
      await expect(mcf.create({ ...request, items: [{ ...item, quantity: 2 }] })).rejects.toSatisfy(
        (e) => e instanceof ConflictError && (e as ConflictError).code === "spapi.mcfOrderExists",
      );
      await expect(
        mcf.create({ ...request, sellerFulfillmentOrderId: `REFUSED-${v}`, destination: { ...dest, postalCode: "00000" } }),
      ).rejects.toBeInstanceOf(ValidationError);
      expect((await mcf.get(`ADAPTER-${v}`))?.status).toMatch(/RECEIVED|PROCESSING/);
      expect(await mcf.get("NO-SUCH-ORDER")).toBeUndefined();
    },
  );
});

describe("the flow on its real adapters, in both MCF API versions", () => {
  it.each(["2020-07-01", "2026-07-04"] as const)(
    "%s: sends a seeded order once, and its carriers and tracking come back onto the D365 packing slip",
    async (v) => {
      const so = v === "2020-07-01" ? "MCF-00001" : "MCF-00006";
      if (so === "MCF-00006") {
        // MCF-00006 has no lines in the seed: give it two, as MCF-00001 has.
        d365Sim.seedRows("SalesOrderLinesV3", [
          {
            dataAreaId: "usmf",
            InventoryLotId: "USMF-X6-1",
            SalesOrderNumber: so,
            LineNumber: 1,
            ItemNumber: "D0001",
            OrderedSalesQuantity: 2,
            SalesUnitSymbol: "ea",
            ShippingSiteId: "FBA",
            ShippingWarehouseId: "FBA-US",
            SalesOrderLineStatus: "Backorder",
            SalesDeliverNow: 0,
          },
          {
            dataAreaId: "usmf",
            InventoryLotId: "USMF-X6-2",
            SalesOrderNumber: so,
            LineNumber: 2,
            ItemNumber: "D0004",
            OrderedSalesQuantity: 1,
            SalesUnitSymbol: "ea",
            ShippingSiteId: "FBA",
            ShippingWarehouseId: "FBA-US",
            SalesOrderLineStatus: "Backorder",
            SalesDeliverNow: 0,
          },
        ]);
      }
      const deps = flowDeps(v);
      const id = `USMF-${so}`;
      expect(await sendToMcf({ company: "usmf", salesOrderNumber: so }, await d365.getOrder("usmf", so), deps)).toMatchObject({
        outcome: "sent",
        sellerFulfillmentOrderId: id,
      });
      spapi.sim.advance(75_000); // both shipments out
      expect(await syncMcfOrder({ sellerFulfillmentOrderId: id, trigger: "amazon" }, deps)).toMatchObject({
        status: "shipping",
        amazonStatus: "COMPLETE",
        packages: 2,
      });
      d365Sim.runDeliverNowBatch();
      spapi.sim.advance(200_000); // delivered
      expect(await syncMcfOrder({ sellerFulfillmentOrderId: id, trigger: "monitor" }, deps)).toMatchObject({
        status: "complete",
        trackingWritten: 2,
      });
      const rows = d365Sim.rows("PackingSlipTrackingInformation", "usmf").filter((r) => r.SalesOrderNumber === so);
      const record = await deps.records.get(id);
      expect(rows.map((r) => r.TrackingNumber).sort()).toEqual(record!.packages.map((p) => p.trackingNumber).sort());
      expect(record!.packages.map((p) => p.carrier).sort()).toEqual(["Amazon Logistics", "UPS"]);
      expect(d365Sim.rows("SalesOrderHeadersV4", "usmf").find((h) => h.SalesOrderNumber === so)?.SalesOrderStatus).toBe("Delivered");
    },
  );
});

describe("FBM confirmation on its real adapter", () => {
  it("confirms a packing slip of an imported FBM order once; Amazon's second answer counts as done", async () => {
    const deps = flowDeps("2020-07-01");
    const order = spapi.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      status: "Unshipped",
      fulfillmentChannel: "MFN",
      items: [{ sku: "DEMO-CHARGER-65W", quantity: 1 }],
    });
    const item = spapi.sim.data.orders.find((o) => o.amazonOrderId === order.amazonOrderId)!.items[0]!;
    const header = await d365Sim.create("SalesOrderHeadersV4", {
      dataAreaId: "usmf",
      CustomersOrderReference: order.amazonOrderId,
      OrderingCustomerAccountNumber: "AMZ-US",
      SalesOrderOriginCode: "AMZ-MFN",
      DefaultShippingWarehouseId: "11",
      ShippingCarrierId: "UPS",
    });
    const so = String(header.SalesOrderNumber);
    d365Sim.create("SalesOrderLinesV3", {
      dataAreaId: "usmf",
      SalesOrderNumber: so,
      ItemNumber: "D0006",
      OrderedSalesQuantity: 1,
      OrderLineReference: item.orderItemId,
      ExternalItemNumber: "DEMO-CHARGER-65W",
    });
    d365Sim.postPackingSlip(so, { tracking: [{ trackingNumber: "1ZFBMADAPTER" }] });
    const h = (await d365.getOrder("usmf", so))!;
    expect(await confirmShipments({ company: "usmf", salesOrderNumber: so }, h, deps)).toMatchObject({
      packages: [{ status: "confirmed" }],
    });
    const shipments = new SpApiShipmentConfirmations(clientFor(spapi));
    const again = {
      marketplaceId: "ATVPDKIKX0DER",
      packageReferenceId: "1",
      carrierCode: "UPS",
      trackingNumber: "1ZFBMADAPTER",
      shipDate: "2026-11-27T12:00:00Z",
      items: [{ orderItemId: item.orderItemId, quantity: 1 }],
    };
    expect(await shipments.confirm(order.amazonOrderId, again)).toBe("already-confirmed");
    expect(spapi.sim.shipments.list(order.amazonOrderId).filter((r) => r.status === 204)).toHaveLength(1);
  });
});
