import { describe, expect, it } from "vitest";
import { type BusinessEvent, BusinessEventEnvelope, eventTimeOf } from "../../../src/flows/d365-events/envelope";
import { isInventoryEvent, onD365InventoryEvent } from "../../../src/flows/inventory/d365-events";
import { routeBusinessEvent, salesOrderOf } from "../../../src/flows/d365-events/route-event";
import { followMcfOrder } from "../../../src/flows/fulfillment/requests";
import { routeNotification } from "../../../src/flows/notifications/router";
import { validateNotification } from "../../../src/flows/notifications/validate";
import { DEFAULT_BUSINESS_EVENT_RULES } from "../../../src/mapping/fulfillment";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { RecordingBus } from "./fakes";

/** F&O's envelope (as in a captured event), with the documented invoice event's contract. */
const invoicePosted = {
  BusinessEventId: "SalesInvoicePostedBusinessEvent",
  BusinessEventLegalEntity: "USMF",
  ContextRecordSubject: "",
  ControlNumber: 5637144576,
  EventId: "55A81094-A14E-46A6-A12C-07ED5C5990C6",
  EventTime: "/Date(1637246655000)/",
  EventTimeIso8601: "2021-11-18T14:44:15.1230000Z",
  InitiatingUserAADObjectId: "{00000000-0000-4000-8000-000000000000}",
  MajorVersion: 0,
  MinorVersion: 0,
  ParentContextRecordSubjects: [],
  InvoiceAccount: "US-001",
  InvoiceId: "CIV-000001",
  SalesOrderId: "000777",
  InvoiceDate: "/Date(1637193600000)/",
  LegalEntity: "USMF",
};

const alert = (table: string, key: string) => ({
  ...invoicePosted,
  BusinessEventId: "BusinessEventsAlertEvent",
  EventId: `ALERT-${table}-${key}`,
  DataAreaId: "usmf",
  TableName: table,
  KeyValue1: key,
});

function routeDeps() {
  const bus = new RecordingBus();
  const state = new MemoryStateStore();
  const telemetry = new MemoryTelemetry();
  return {
    bus,
    deps: {
      rules: DEFAULT_BUSINESS_EVENT_RULES,
      targets: {
        salesOrder: async (ref: { company: string; salesOrderNumber: string; eventId: string }) => {
          await bus.send("f", { messageId: `event:${ref.eventId}`, body: ref });
          return { messageId: `event:${ref.eventId}` };
        },
      },
      state,
      clock: new ManualClock(),
      telemetry,
    },
  };
}

describe("D365 business events", () => {
  it("reads F&O's envelope, also behind a DataContract string preamble", () => {
    const parsed = BusinessEventEnvelope.parse(invoicePosted);
    expect(parsed.SalesOrderId).toBe("000777");
    expect(eventTimeOf(parsed)?.toISOString()).toBe("2021-11-18T14:44:15.123Z");
    expect(eventTimeOf({ ...parsed, EventTimeIso8601: undefined })?.toISOString()).toBe("2021-11-18T14:44:15.000Z");
    const wrapped = `@\u0006string\b3http://schemas.microsoft.com/2003/10/Serialization/\u009a\u0005${JSON.stringify(invoicePosted)}`;
    expect(BusinessEventEnvelope.parse(wrapped).EventId).toBe(invoicePosted.EventId);
    expect(BusinessEventEnvelope.safeParse({ EventId: "x" }).success).toBe(false);
  });

  it("finds the sales order each configured event names", () => {
    expect(salesOrderOf(BusinessEventEnvelope.parse(invoicePosted), DEFAULT_BUSINESS_EVENT_RULES)).toEqual({
      company: "usmf",
      salesOrderNumber: "000777",
    });
    expect(salesOrderOf(BusinessEventEnvelope.parse(alert("SalesTable", "MCF-1")), DEFAULT_BUSINESS_EVENT_RULES)).toEqual({
      company: "usmf",
      salesOrderNumber: "MCF-1",
    });
    expect(salesOrderOf(BusinessEventEnvelope.parse(alert("CustTable", "C-1")), DEFAULT_BUSINESS_EVENT_RULES)).toMatchObject({
      reason: expect.stringContaining("when"),
    });
    expect(
      salesOrderOf(
        BusinessEventEnvelope.parse({ ...invoicePosted, BusinessEventId: "VendInvoicePostedBusinessEvent" }),
        DEFAULT_BUSINESS_EVENT_RULES,
      ),
    ).toMatchObject({
      reason: expect.stringContaining("no rule"),
    });
  });

  it("hands the order on once per EventId; a redelivered event and F&O's activation test message change nothing", async () => {
    const { bus, deps } = routeDeps();
    const e = BusinessEventEnvelope.parse(invoicePosted);
    expect(await routeBusinessEvent(e, deps)).toMatchObject({
      routed: "sales-order",
      salesOrderNumber: "000777",
      messageId: `event:${e.EventId}`,
    });
    expect(await routeBusinessEvent(e, deps)).toEqual({ routed: "duplicate", eventId: e.EventId });
    const test = BusinessEventEnvelope.parse({ ...invoicePosted, EventId: "TEST", SalesOrderId: "" });
    expect(await routeBusinessEvent(test, deps)).toMatchObject({ routed: "ignored", reason: expect.stringContaining("test message") });
    expect(bus.sent).toHaveLength(1);
  });

  it("hands an on-hand event to the inventory push (once per EventId), never to the sales order rules", async () => {
    const { bus, deps: base } = routeDeps();
    const clock = new ManualClock(new Date("2026-03-02T10:00:10Z"));
    const eventIds = ["InventOnHandChangedBusinessEvent"];
    const inventory = {
      accepts: (e: BusinessEvent) => isInventoryEvent(e, eventIds),
      handle: (e: BusinessEvent) =>
        onD365InventoryEvent(e, { bus, clock, options: { eventIds, debounceMs: 60_000, queue: "inventory-sync" } }),
    };
    const deps = { ...base, targets: { ...base.targets, inventory } };
    const onHand = BusinessEventEnvelope.parse({
      ...invoicePosted,
      BusinessEventId: "InventOnHandChangedBusinessEvent",
      EventId: "7C1E0B54-0000-4000-8000-000000000001",
      ItemNumber: "D0005",
    });
    expect(await routeBusinessEvent(onHand, deps)).toMatchObject({
      routed: "inventory",
      outcome: { status: "queued", itemNumbers: ["D0005"], at: "2026-03-02T10:01:00.000Z" },
    });
    expect(await routeBusinessEvent(onHand, deps)).toEqual({ routed: "duplicate", eventId: onHand.EventId });
    expect(bus.sent.map((m) => m.queue)).toEqual(["inventory-sync"]);
    // The invoice event still names its sales order.
    expect(await routeBusinessEvent(BusinessEventEnvelope.parse(invoicePosted), deps)).toMatchObject({ routed: "sales-order" });
  });
});

/** FULFILLMENT_ORDER_STATUS as Amazon documents it (the schema's example, with one EventType's parts). */
function fulfillmentOrderStatus(eventType: string, status: string, shipment = false) {
  return {
    NotificationVersion: "1.0",
    NotificationType: "FULFILLMENT_ORDER_STATUS",
    PayloadVersion: "1.0",
    EventTime: "2020-07-13T19:42:04.284Z",
    Payload: {
      FulfillmentOrderStatusNotification: {
        SellerId: "A3TH9S8BH6GOGM",
        EventType: eventType,
        StatusUpdatedDateTime: "2020-07-13T19:42:04.284Z",
        SellerFulfillmentOrderId: "USMF-SO-1",
        FulfillmentOrderStatus: status,
        ...(shipment
          ? {
              FulfillmentShipment: {
                FulfillmentShipmentStatus: "SHIPPED",
                AmazonShipmentId: "ASID49535",
                EstimatedArrivalDateTime: "2020-07-13T19:42:04.284Z",
                FulfillmentShipmentPackages: [{ PackageNumber: 1, CarrierCode: "UPS", TrackingNumber: "1Z84456456573405" }],
              },
            }
          : {}),
      },
    },
    NotificationMetadata: {
      ApplicationId: "app-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746",
      SubscriptionId: "subscription-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746",
      PublishTime: "2020-07-13T19:42:04.284Z",
      NotificationId: `n-${eventType}-${status}`,
    },
  };
}

describe("MCF notifications", () => {
  it("validate against Amazon's published schemas (each part only for its EventType, no `info`) and name the order", () => {
    const r = validateNotification(fulfillmentOrderStatus("Shipment", "Processing", true));
    expect(r).toMatchObject({
      ok: true,
      value: {
        kind: "fulfillment-order",
        fulfillmentOrder: { sellerFulfillmentOrderId: "USMF-SO-1", eventType: "Shipment", amazonShipmentId: "ASID49535" },
      },
    });
    const broken = fulfillmentOrderStatus("Order", "Complete") as {
      Payload: { FulfillmentOrderStatusNotification: Record<string, unknown> };
    };
    delete broken.Payload.FulfillmentOrderStatusNotification.SellerFulfillmentOrderId;
    expect(validateNotification(broken)).toMatchObject({
      ok: false,
      issues: [{ path: expect.stringContaining("SellerFulfillmentOrderId") }],
    });
    const outbound = {
      ...fulfillmentOrderStatus("Order", "Complete"),
      NotificationType: "FBA_OUTBOUND_SHIPMENT_STATUS",
      Payload: {
        FBAOutboundShipmentStatusNotification: {
          SellerId: "S",
          AmazonOrderId: "USMF-SO-1",
          AmazonShipmentId: "A1",
          ShipmentStatus: "Cancelled",
        },
      },
    };
    expect(validateNotification(outbound)).toMatchObject({
      ok: true,
      value: { fulfillmentOrder: { sellerFulfillmentOrderId: "USMF-SO-1", status: "Cancelled" } },
    });
  });

  it("route to the order's follow-up only for orders the app sent, and only for steps that bring something back", async () => {
    const bus = new RecordingBus();
    const records = {
      get: async (id: string) => (id === "USMF-SO-1" ? ({ packages: [], amazonStatus: "PROCESSING" } as never) : undefined),
    };
    const telemetry = new MemoryTelemetry();
    const route = async (n: unknown) => {
      const v = validateNotification(n);
      if (!v.ok) throw new Error("invalid");
      return routeNotification(v.value, {
        telemetry,
        targets: {
          orderChanged: async () => ({ messageId: "x" }),
          fulfillmentOrderChanged: (c, id) => followMcfOrder(c, id, { records, bus, queue: "f" }),
        },
      });
    };
    expect(await route(fulfillmentOrderStatus("Shipment", "Processing", true))).toMatchObject({
      routed: "fulfillment",
      messageId: "mcf-sync:notification:n-Shipment-Processing",
    });
    expect(await route(fulfillmentOrderStatus("Order", "COMPLETE_PARTIALLED"))).toMatchObject({
      routed: "fulfillment",
      messageId: expect.any(String),
    });
    expect(await route(fulfillmentOrderStatus("Order", "Planning"))).toEqual({
      routed: "fulfillment",
      sellerFulfillmentOrderId: "USMF-SO-1",
    });
    const other = fulfillmentOrderStatus("Shipment", "Complete", true);
    other.Payload.FulfillmentOrderStatusNotification.SellerFulfillmentOrderId = "SELLER-CENTRAL-1";
    expect(await route(other)).toEqual({ routed: "fulfillment", sellerFulfillmentOrderId: "SELLER-CENTRAL-1" });
    expect(bus.sent.map((s) => s.message.body)).toEqual([
      { kind: "mcf-sync", sellerFulfillmentOrderId: "USMF-SO-1", source: "notification", amazonShipmentId: "ASID49535" },
      { kind: "mcf-sync", sellerFulfillmentOrderId: "USMF-SO-1", source: "notification", finalStatus: "COMPLETE_PARTIALLED" },
    ]);
  });
});
