/**
 * Contract of the fulfillment, inventory, returns and products side: every notification the simulator produces
 * validates against Amazon's published notification schema (two documented relaxations, tested below) and
 * passes the app's own notification receiver; MCF 2020-07-01 and 2026-07-04 give the same orders in the
 * connector's model; the JSON_LISTINGS_FEED processing report and the product type schema have the shapes the
 * connector reads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quantityMessages, type McfOrder, type SpApiClient } from "../../../src/amazon";
import { validateNotification } from "../../../src/flows/notifications/validate";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor, startSim } from "../../integration/amazon/sim-client";
import { describeAjvErrors, notificationValidator } from "./model-validator";
import { DEMO_ADDRESS } from "./new-flows-exercise";

const US = "ATVPDKIKX0DER";
const DE = "A1PA6795UKMFR9";
let sim: SpApiSimulator;
let client: SpApiClient;
let client2026: SpApiClient;

const SCHEMAS: Record<string, string> = {
  FULFILLMENT_ORDER_STATUS: "FulfillmentOrderStatusNotification.json",
  FBA_OUTBOUND_SHIPMENT_STATUS: "FBAOutboundShipmentStatusNotification.json",
  FEED_PROCESSING_FINISHED: "FeedProcessingFinishedNotification.json",
  FBA_INVENTORY_AVAILABILITY_CHANGES: "FBAInventoryAvailabilityChangeNotification.json",
  LISTINGS_ITEM_STATUS_CHANGE: "ListingsItemStatusChangeNotification.json",
  LISTINGS_ITEM_ISSUES_CHANGE: "ListingsItemIssuesChangeNotification_2023-12-13.json",
  ORDER_CHANGE: "OrderChangeNotification.json",
  REPORT_PROCESSING_FINISHED: "ReportProcessingFinishedNotification.json",
};

/**
 * The two places where Amazon's published schema contradicts Amazon's own documentation, and what we send:
 * - FULFILLMENT_ORDER_STATUS requires FulfillmentShipment (with an `info` member) and FulfillmentReturnItem in
 *   every notification, while the notification's EventType (Order, Shipment, Return) says which of them is
 *   present; we send FulfillmentShipment only for Shipment events and FulfillmentReturnItem only for Return events.
 * - LISTINGS_ITEM_STATUS_CHANGE's schema enumerates NotificationType "LISTINGS_ITEM_STATUS_CHANGED", while its own
 *   example, the subscription type and the documentation say "LISTINGS_ITEM_STATUS_CHANGE"; we send the latter.
 */
function relax(type: string, schema: any): any {
  if (type === "FULFILLMENT_ORDER_STATUS") {
    const n = schema.properties.Payload.properties.FulfillmentOrderStatusNotification;
    n.required = n.required.filter((r: string) => r !== "FulfillmentShipment" && r !== "FulfillmentReturnItem");
    const s = n.properties.FulfillmentShipment;
    s.required = s.required.filter((r: string) => r !== "info");
  }
  if (type === "LISTINGS_ITEM_STATUS_CHANGE") schema.properties.NotificationType.enum.push("LISTINGS_ITEM_STATUS_CHANGE");
  return schema;
}

const typeOf = (n: Record<string, unknown>) => String(n.NotificationType ?? n.notificationType);

beforeAll(async () => {
  sim = await startSim({ timeScale: 1000, inventoryPageSize: 4 });
  client = clientFor(sim, { maxRetries: 0 });
  client2026 = clientFor(sim, { maxRetries: 0, mcfApi: "2026-07-04" });
}, 30_000);
afterAll(async () => {
  await sim?.stop();
});

describe("notifications of the new flows against Amazon's published schemas", () => {
  let produced: Record<string, unknown>[];
  beforeAll(async () => {
    const order = {
      sellerFulfillmentOrderId: "MCF-NOTE-1",
      marketplaceId: US,
      displayableOrderId: "SO-1",
      displayableOrderDate: "2026-11-20T10:00:00Z",
      displayableOrderComment: "Thanks",
      shippingSpeed: "Standard" as const,
      destination: DEMO_ADDRESS,
      items: [
        { lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 1 },
        { lineId: "2", sku: "DEMO-HEADPHONES", quantity: 1 },
      ],
    };
    await client.mcf.create(order);
    await client.mcf.create({
      ...order,
      sellerFulfillmentOrderId: "MCF-NOTE-2",
      items: [{ lineId: "1", sku: "DEMO-STAND-ALU", quantity: 1 }],
    });
    // On hold: it can be cancelled however slowly this runs.
    await client.mcf.create({ ...order, sellerFulfillmentOrderId: "MCF-NOTE-3", fulfillmentAction: "Hold" });
    await client.mcf.cancel("MCF-NOTE-3");
    sim.sim.advance(80_000);
    const o = (await client.mcf.get("MCF-NOTE-1"))!;
    await client.mcf.createReturn("MCF-NOTE-1", [
      { sellerReturnItemId: "RET-1", lineId: "1", amazonShipmentId: o.shipments[0].amazonShipmentId, returnReasonCode: "CR-UNWANTED_ITEM" },
    ]);
    sim.sim.advance(70_000);
    const feedId = await client.listingsFeed.submit(quantityMessages([{ sku: "DEMO-BAG-15", quantity: 5, productType: "PRODUCT" }]), [US]);
    sim.sim.advance(11_000);
    await client.listingsFeed.wait(feedId, { intervalMs: 3 });
    sim.sim.inventory.set(US, "DEMO-MOUSE-WL", { fulfillable: 79 });
    await client.listings.patch("DEMO-BAG-15", {
      marketplaceIds: [DE],
      productType: "PRODUCT",
      patches: [{ op: "add", path: "/attributes/product_description", value: [{ value: "Laptoptasche", marketplace_id: DE }] }],
    });
    sim.sim.mcf.notificationCasing = "upper";
    await client.mcf.create({ ...order, sellerFulfillmentOrderId: "MCF-NOTE-4" });
    sim.sim.advance(80_000);
    produced = sim.sim.notifications();
  }, 60_000);

  it("produces every notification type the flows subscribe to", () => {
    const types = new Set(produced.map(typeOf));
    for (const t of Object.keys(SCHEMAS)) if (t !== "ORDER_CHANGE" && t !== "REPORT_PROCESSING_FINISHED") expect(types, t).toContain(t);
    const fos = produced
      .filter((n) => typeOf(n) === "FULFILLMENT_ORDER_STATUS")
      .map((n: any) => n.Payload.FulfillmentOrderStatusNotification);
    expect(new Set(fos.map((f) => f.EventType))).toEqual(new Set(["Order", "Shipment", "Return"]));
    expect(
      fos.filter((f) => f.SellerFulfillmentOrderId === "MCF-NOTE-1" && f.EventType === "Order").map((f) => f.FulfillmentOrderStatus),
    ).toEqual(["Received", "Planning", "Processing", "Complete"]);
    expect(fos.filter((f) => f.SellerFulfillmentOrderId === "MCF-NOTE-2").map((f) => f.FulfillmentOrderStatus)).toEqual([
      "Received",
      "Unfulfillable",
    ]);
    expect(fos.filter((f) => f.SellerFulfillmentOrderId === "MCF-NOTE-3").map((f) => f.FulfillmentOrderStatus)).toEqual([
      "Received",
      "Cancelled",
    ]);
    expect(
      fos.filter((f) => f.SellerFulfillmentOrderId === "MCF-NOTE-4" && f.EventType === "Order").map((f) => f.FulfillmentOrderStatus),
    ).toEqual(["RECEIVED", "PLANNING", "PROCESSING", "COMPLETE"]);
  });

  it("validates every notification against its published schema (with the two documented relaxations)", () => {
    const validators = Object.fromEntries(
      Object.entries(SCHEMAS).map(([t, f]) => {
        const v = notificationValidator(f);
        return [t, { strict: v, relaxed: notificationValidator(f, (s) => relax(t, s)) }];
      }),
    );
    for (const n of produced) {
      const v = validators[typeOf(n)];
      expect(v, typeOf(n)).toBeDefined();
      expect(v.relaxed(n), `${typeOf(n)}: ${describeAjvErrors(v.relaxed.errors)}`).toBe(true);
    }
    // Only those two rules are relaxed: everything else of these payloads passes the strict schema.
    const strictOk = produced.filter((n) => !["FULFILLMENT_ORDER_STATUS", "LISTINGS_ITEM_STATUS_CHANGE"].includes(typeOf(n)));
    for (const n of strictOk)
      expect(validators[typeOf(n)].strict(n), `${typeOf(n)}: ${describeAjvErrors(validators[typeOf(n)].strict.errors)}`).toBe(true);
  });

  it("catches a payload that breaks a relaxed schema (the relaxation is narrow)", () => {
    const relaxed = notificationValidator(SCHEMAS.FULFILLMENT_ORDER_STATUS, (s) => relax("FULFILLMENT_ORDER_STATUS", s));
    const shipment = produced.find(
      (n: any) => typeOf(n) === "FULFILLMENT_ORDER_STATUS" && n.Payload.FulfillmentOrderStatusNotification.FulfillmentShipment,
    ) as any;
    const broken = structuredClone(shipment);
    broken.Payload.FulfillmentOrderStatusNotification.FulfillmentShipment.FulfillmentShipmentPackages[0].PackageNumber = "1";
    expect(relaxed(broken)).toBe(false);
    const noId = structuredClone(shipment);
    delete noId.Payload.FulfillmentOrderStatusNotification.SellerFulfillmentOrderId;
    expect(relaxed(noId)).toBe(false);
  });

  it("passes the app's notification receiver (envelope and id) unchanged", () => {
    for (const n of produced) {
      const r = validateNotification(n);
      expect(r.ok, JSON.stringify(r.ok ? "" : r.issues)).toBe(true);
    }
  });
});

describe("MCF 2020-07-01 and 2026-07-04 in the connector's model", () => {
  const strip = (o: McfOrder) => ({
    id: o.sellerFulfillmentOrderId,
    status: o.status,
    items: o.items,
    shipments: o.shipments.map((s) => ({
      id: s.amazonShipmentId,
      status: s.status,
      center: s.fulfillmentCenterId,
      shippedAt: s.shippedAt,
      items: s.items,
      packages: s.packages.map((p) => ({ id: p.packageId, carrier: p.carrierCode, tracking: p.trackingNumber, items: p.items })),
    })),
  });

  it("reads the same orders the same way — created with either version, in every final state", async () => {
    const base = {
      marketplaceId: US,
      displayableOrderDate: "2026-11-20T10:00:00Z",
      displayableOrderComment: "Thanks",
      shippingSpeed: "Expedited" as const,
      destination: DEMO_ADDRESS,
    };
    const three = [
      { lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 2 },
      { lineId: "2", sku: "DEMO-CABLE-USBC-1M", quantity: 3 },
      { lineId: "3", sku: "DEMO-STAND-ALU", quantity: 1 },
    ];
    const ids: string[] = [];
    for (const [k, c] of [client, client2026].entries()) {
      for (const [name, extra] of [
        ["complete", { items: three.slice(0, 2) }],
        ["partial", { items: three, fulfillmentPolicy: "FillAllAvailable" as const }],
        ["unfulfillable", { items: three }],
        ["cancelled", { items: three.slice(0, 1), fulfillmentAction: "Hold" as const }],
      ] as const) {
        const id = `MCF-EQ-${k}-${name}`;
        ids.push(id);
        await c.mcf.create({ ...base, ...extra, sellerFulfillmentOrderId: id, displayableOrderId: id });
        if (name === "cancelled") await c.mcf.cancel(id);
      }
    }
    sim.sim.advance(100_000);
    const statuses: string[] = [];
    for (const id of ids) {
      const a = (await client.mcf.get(id))!;
      const b = (await client2026.mcf.get(id))!;
      expect(strip(b)).toEqual(strip(a));
      statuses.push(a.status);
    }
    expect(statuses.slice(0, 4)).toEqual(["COMPLETE", "COMPLETE_PARTIALLED", "UNFULFILLABLE", "CANCELLED"]);
    expect(statuses.slice(4)).toEqual(statuses.slice(0, 4));
  });

  it("previews the same fulfillability, reasons and fees in both versions", async () => {
    const input = {
      marketplaceId: US,
      destination: DEMO_ADDRESS,
      items: [
        { lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 2 },
        { lineId: "2", sku: "DEMO-STAND-ALU", quantity: 1 },
      ],
    };
    const a = await client.mcf.preview(input);
    const b = await client2026.mcf.preview(input);
    const pick = (p: Awaited<ReturnType<typeof client.mcf.preview>>) =>
      p.map((x) => ({
        speed: x.shippingSpeed,
        ok: x.fulfillable,
        items: x.unfulfillableItems.map((i) => i.sku),
        fee: x.fees[0]?.amount.amount,
      }));
    expect(pick(b)).toEqual(pick(a));
    expect(a.every((p) => !p.fulfillable)).toBe(true);
  });
});

describe("documents the connector reads", () => {
  it("serves a processing report the connector parses, with per-SKU issues joined to the messages", async () => {
    const messages = quantityMessages([
      { sku: "DEMO-CABLE-USBC-2M", quantity: 3, productType: "PRODUCT" },
      { sku: "DEMO-KEYBOARD-DE", quantity: 3, productType: "PRODUCT" },
    ]);
    const feedId = await client.listingsFeed.submit(messages, [US]);
    sim.sim.advance(11_000);
    const feed = await client.listingsFeed.wait(feedId, { intervalMs: 3 });
    const outcome = await client.listingsFeed.report(feed, messages);
    expect(outcome.report?.header.feedId).toBe(feed.feedId);
    expect(outcome.messages.map((m) => [m.sku, m.accepted])).toEqual([
      ["DEMO-CABLE-USBC-2M", true],
      ["DEMO-KEYBOARD-DE", false],
    ]);
  });

  it("serves product type schemas whose required attributes match what VALIDATION_PREVIEW enforces", async () => {
    const required = await client.catalog.requiredAttributes("HEADPHONES", US);
    expect(required).toContain("headphones_form_factor");
    const r = await client.listings.put("DEMO-EARBUDS-WL", {
      marketplaceIds: [US],
      productType: "HEADPHONES",
      attributes: {},
      mode: "VALIDATION_PREVIEW",
    });
    expect(r.status).toBe("INVALID");
    expect(r.issues?.flatMap((i) => i.attributeNames ?? []).sort()).toEqual([...required].sort());
  });
});
