/**
 * Control endpoints of the simulator for the fulfillment, inventory, returns and products flows (the older
 * ones — faults, requests, reset, orders, advance, settlements — are in index.ts). No auth; loopback only.
 * docs/spapi.md lists them with examples. Answers are JSON; a bad control request answers 400 { error }.
 */
import { DEMO_UNLISTED_PRODUCTS } from "../demo-barcodes";
import { DEMO_FBA_DISCREPANCIES } from "../demo-fba-stock";
import type { InventoryChange } from "./inventory";
import {
  ACCEPTED_CARRIER_CODES,
  BAD_INVENTORY_LISTING,
  INCOMPLETE_LISTING,
  MCF_REFUSED_ADDRESS,
  MCF_TIMELINE,
  MCF_UNFULFILLABLE_SKU,
  SIM_SELLER_ID,
} from "./seed";
import { UNMAPPED_RETURN_REASON } from "./returns";
import type { SpApiSim } from "./server";

export class ControlError extends Error {}

type Reply = [number, unknown] | undefined;

/** Handles the control endpoints this file owns; undefined when the path is not one of them. */
export async function handleFlowControl(sim: SpApiSim, method: string, url: URL, body: any): Promise<Reply> {
  const path = url.pathname;
  const q = url.searchParams;
  const need = (v: unknown, what: string) => {
    if (v === undefined || v === null || v === "") throw new ControlError(`${what} is required`);
    return v;
  };
  sim.tick();

  if (path === "/_control/seed" && method === "GET") return [200, seedFacts(sim)];

  // FBM shipment confirmations
  if (path === "/_control/shipments" && method === "GET") return [200, { shipments: sim.shipments.list(q.get("orderId") ?? undefined) }];

  // MCF
  if (path === "/_control/mcf" && method === "GET")
    return [
      200,
      {
        orders: sim.mcf
          .all()
          .filter((o) => !q.get("id") || o.id === q.get("id"))
          .map((o) => sim.mcf.summary(o)),
      },
    ];
  if (path === "/_control/mcf" && method === "POST") {
    need(body?.sellerFulfillmentOrderId, "sellerFulfillmentOrderId");
    if (!Array.isArray(body.items) || !body.items.length) throw new ControlError("items are required");
    if (sim.mcf.get(body.sellerFulfillmentOrderId)) throw new ControlError(`MCF order ${body.sellerFulfillmentOrderId} exists already`);
    return [201, sim.mcf.summary(sim.mcf.seed(body, body.silent !== false))];
  }
  if (path === "/_control/mcf/notification-casing" && method === "PUT") {
    if (body?.casing !== "api" && body?.casing !== "upper") throw new ControlError('casing must be "api" or "upper"');
    sim.mcf.notificationCasing = body.casing;
    return [200, { casing: sim.mcf.notificationCasing }];
  }
  const mcfStatus = /^\/_control\/mcf\/([^/]+)\/status$/.exec(path);
  if (mcfStatus && method === "POST") {
    if (body?.status !== "Unfulfillable" && body?.status !== "Invalid")
      throw new ControlError('status must be "Unfulfillable" or "Invalid"');
    return [200, sim.mcf.summary(guard(() => sim.mcf.force(decodeURIComponent(mcfStatus[1]), body.status)))];
  }
  const mcfReturn = /^\/_control\/mcf\/([^/]+)\/returns\/([^/]+)\/receive$/.exec(path);
  if (mcfReturn && method === "POST")
    return [
      200,
      sim.mcf.summary(
        guard(() => sim.mcf.receiveReturn(decodeURIComponent(mcfReturn[1]), decodeURIComponent(mcfReturn[2]), body?.condition)),
      ),
    ];

  // Listings
  if (path === "/_control/listings" && method === "GET")
    return [
      200,
      {
        listings: sim.data.listings
          .filter(
            (l) => (!q.get("sku") || l.sku === q.get("sku")) && (!q.get("marketplaceId") || l.marketplaceId === q.get("marketplaceId")),
          )
          .map((l) => sim.listings.summary(l)),
      },
    ];
  if (path === "/_control/listings/bulk" && method === "POST") {
    const count = Number(body?.count);
    if (!Number.isInteger(count) || count < 1 || count > 100_000) throw new ControlError("count must be 1 … 100000");
    return [201, { added: sim.listings.bulk({ ...body, count }) }];
  }
  const listing = /^\/_control\/listings\/([^/]+)\/([^/]+)$/.exec(path);
  if (listing && method === "POST") {
    const l = sim.listings.find(SIM_SELLER_ID, decodeURIComponent(listing[2]), decodeURIComponent(listing[1]));
    if (!l) throw new ControlError(`no listing ${listing[2]} in ${listing[1]}`);
    if (body?.quantity !== undefined) {
      if (!Number.isInteger(body.quantity) || body.quantity < 0) throw new ControlError("quantity must be a non-negative integer");
      l.quantity = body.quantity;
    }
    if (body?.price !== undefined) l.price = String(body.price);
    if (body?.title !== undefined) l.title = String(body.title);
    if (Array.isArray(body?.issues)) l.extraIssues = body.issues;
    l.updated = sim.now();
    return [200, sim.listings.summary(l)];
  }

  // FBA inventory
  if (path === "/_control/inventory" && method === "GET")
    return [200, { inventory: sim.inventory.list(q.get("marketplaceId") ?? undefined), discrepancies: DEMO_FBA_DISCREPANCIES }];
  if (path === "/_control/inventory" && method === "POST") {
    const { marketplaceId, sku, ...change } = body ?? {};
    need(marketplaceId, "marketplaceId");
    need(sku, "sku");
    return [200, guard(() => sim.inventory.set(marketplaceId, sku, change as InventoryChange))];
  }

  // Feeds
  if (path === "/_control/feeds" && method === "GET") return [200, { feeds: sim.feeds.list() }];
  if (path === "/_control/feeds/queue" && method === "POST") {
    if (typeof body?.paused !== "boolean") throw new ControlError("paused (true or false) is required");
    sim.feeds.pause(body.paused);
    return [200, { paused: body.paused }];
  }
  if (path === "/_control/feeds/outcome" && method === "POST") {
    if (body?.status !== "FATAL" && body?.status !== "CANCELLED") throw new ControlError('status must be "FATAL" or "CANCELLED"');
    sim.feeds.nextOutcome = body.status;
    return [200, { next: body.status }];
  }

  // Returns and refunds
  if (path === "/_control/returns" && method === "GET")
    return [
      200,
      { returns: sim.returns.all(), refundsWithoutReturn: sim.returns.refundsWithoutReturn(), unmappedReason: UNMAPPED_RETURN_REASON },
    ];
  if (path === "/_control/returns" && method === "POST") {
    if (body?.channel !== "FBA" && body?.channel !== "FBM") throw new ControlError('channel must be "FBA" or "FBM"');
    need(body.amazonOrderId, "amazonOrderId");
    return [201, guard(() => sim.returns.add(body))];
  }

  // Notification delivery
  if (path === "/_control/notifications/delivery" && method === "GET")
    return [200, { delivery: sim.hub.settings(), deliveries: sim.hub.deliveries() }];
  if (path === "/_control/notifications/delivery" && method === "PUT") {
    guard(() => sim.hub.configure(body ?? {}));
    return [200, { delivery: sim.hub.settings() }];
  }
  if (path === "/_control/notifications/flush" && method === "POST") {
    await sim.hub.flush();
    return [200, { deliveries: sim.hub.deliveries().length }];
  }
  return undefined;
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    throw new ControlError((err as Error).message);
  }
}

/** The seeded facts flow engineers build on (GET /_control/seed). */
export function seedFacts(sim: SpApiSim): Record<string, unknown> {
  return {
    sellerId: SIM_SELLER_ID,
    mcf: {
      unfulfillableSku: MCF_UNFULFILLABLE_SKU,
      refusedAddress: MCF_REFUSED_ADDRESS,
      timelineSimulatedMs: MCF_TIMELINE,
      seededOrders: sim.mcf.all().map((o) => sim.mcf.summary(o)),
    },
    fbm: { acceptedCarrierCodes: ACCEPTED_CARRIER_CODES },
    inventory: { discrepancies: DEMO_FBA_DISCREPANCIES, badListing: BAD_INVENTORY_LISTING },
    products: { incompleteListing: INCOMPLETE_LISTING, unlistedProducts: DEMO_UNLISTED_PRODUCTS },
    returns: {
      unmappedReason: UNMAPPED_RETURN_REASON,
      returns: sim.returns.all().map((r) => ({
        scenario: r.scenario,
        channel: r.channel,
        marketplaceId: r.marketplaceId,
        amazonOrderId: r.amazonOrderId,
        sku: r.sku,
        quantity: r.quantity,
        reason: r.reason,
        refunded: !!r.refund,
      })),
      refundsWithoutReturn: sim.returns.refundsWithoutReturn(),
    },
  };
}
