/**
 * Multi-Channel Fulfillment in the simulator: one store of fulfillment orders served through Fulfillment
 * Outbound 2020-07-01 and 2026-07-04 alike (an order created with one version reads the same with the other),
 * a life in scaled time (seed.ts MCF_TIMELINE), availability from the seeded FBA stock (demo-fba-stock.ts; MCF
 * does not draw it down), previews with fees and delivery promises, cancellation before shipping, returns, and
 * FULFILLMENT_ORDER_STATUS / FBA_OUTBOUND_SHIPMENT_STATUS notifications for every step.
 *
 * Rules (docs/spapi.md): an unknown SKU or an address outside the marketplace's network / with postal code
 * 00000 is refused (preview: not fulfillable with Amazon's reason; create: 400). A line the stock cannot cover
 * is unfulfillable: FillOrKill (the default) → the order ends Unfulfillable; FillAllAvailable → the rest ships
 * and the order ends CompletePartialled; FillAll → the rest ships and the order waits in Processing until the
 * remainder is cancelled (then CompletePartialled). Orders with two or more shippable lines ship in two
 * shipments from two fulfillment centers with different carriers; every line is its own package.
 */
import { createHash } from "node:crypto";
import { randomUUID } from "node:crypto";
import { dec, toMoneyString } from "../../platform/money";
import { demoProductBySku } from "../demo-catalog";
import { type Answer, bad, errors, notFound, notificationMetadata, type SimContext } from "./context";
import {
  currencyOf,
  MCF_DESTINATIONS,
  MCF_NETWORK,
  MCF_REFUSED_POSTAL_CODE,
  MCF_RETURN_REASONS,
  MCF_TIMELINE,
  MCF_TRANSIT_DAYS,
  MCF_UNIT_FEE,
  marketplaceForCountry,
  SIM_SELLER_ID,
} from "./seed";

type Speed = "Standard" | "Expedited" | "Priority" | "ScheduledDelivery";
type Policy = "FillOrKill" | "FillAll" | "FillAllAvailable";
export type McfStatus2020 =
  | "Received"
  | "Planning"
  | "Processing"
  | "Complete"
  | "CompletePartialled"
  | "Cancelled"
  | "Unfulfillable"
  | "Invalid";

export interface SimMcfLine {
  lineId: string;
  sku: string;
  quantity: number;
  declaredValue?: { currencyCode: string; amount: string };
  displayableComment?: string;
  giftMessage?: string;
}

interface SimMcfReturn {
  sellerReturnItemId: string;
  lineId: string;
  amazonShipmentId: string;
  reasonCode: string;
  comment?: string;
  createdSim: number;
  createdAt: number;
  condition?: string;
  returnAuthorizationId: string;
  fulfillmentCenterId: string;
  /** Set by the control endpoint: received now with this condition. */
  receivedSim?: number;
}

export interface SimMcfOrder {
  id: string;
  createdWith: "2020-07-01" | "2026-07-04";
  marketplaceId: string;
  displayableOrderId?: string;
  displayableOrderDate?: string;
  displayableOrderComment?: string;
  speed: Speed;
  policy: Policy;
  action: "Ship" | "Hold";
  destination: Record<string, string>;
  notificationEmails?: string[];
  lines: SimMcfLine[];
  /** The create request as sent (a second identical create is accepted, a different one refused). */
  request: string;
  receivedSim: number;
  receivedAt: number;
  cancelledSim?: number;
  cancelledAt?: number;
  forced?: { status: "Unfulfillable" | "Invalid"; sim: number };
  packageBase: number;
  returns: SimMcfReturn[];
  notified: Set<string>;
  /** Final and fully notified: the tick skips it until something changes it again. */
  quiet?: boolean;
}

interface ViewShipment {
  amazonShipmentId: string;
  index: 0 | 1;
  fulfillmentCenterId: string;
  carrier: string;
  createdAt: number;
  shipAt: number;
  shipped: boolean;
  cancelled: boolean;
  lines: { line: SimMcfLine; quantity: number; packageNumber: number; trackingNumber: string; amazonTrackingNumber: string }[];
}

interface View {
  status: McfStatus2020;
  statusOffset: number;
  lines: { line: SimMcfLine; shippable: number; unfulfillable: number; cancelled: number }[];
  shipments: ViewShipment[];
  events: { key: string; offset: number; kind: "status" | "created" | "shipped" | "cancelledShipment" | "return"; ref: string }[];
}

const STATUS_2026: Record<McfStatus2020, string> = {
  Received: "PROCESSING",
  Planning: "PROCESSING",
  Processing: "PROCESSING",
  Complete: "COMPLETE",
  CompletePartialled: "COMPLETE_PARTIAL",
  Cancelled: "CANCELLED",
  Unfulfillable: "UNFULFILLABLE",
  Invalid: "INVALID",
};
const UPPER_2020: Record<McfStatus2020, string> = {
  Received: "RECEIVED",
  Planning: "PLANNING",
  Processing: "PROCESSING",
  Complete: "COMPLETE",
  CompletePartialled: "COMPLETE_PARTIALLED",
  Cancelled: "CANCELLED",
  Unfulfillable: "UNFULFILLABLE",
  Invalid: "INVALID",
};
const TIER: Record<string, Speed> = {
  STANDARD: "Standard",
  EXPEDITED: "Expedited",
  PRIORITY: "Priority",
  SCHEDULED_DELIVERY: "ScheduledDelivery",
};
const TIER_OF: Record<Speed, string> = {
  Standard: "STANDARD",
  Expedited: "EXPEDITED",
  Priority: "PRIORITY",
  ScheduledDelivery: "SCHEDULED_DELIVERY",
};
const POLICY: Record<string, Policy> = { FILL_OR_KILL: "FillOrKill", FILL_ALL: "FillAll", FILL_ALL_AVAILABLE: "FillAllAvailable" };
const POLICY_OF: Record<Policy, string> = { FillOrKill: "FILL_OR_KILL", FillAll: "FILL_ALL", FillAllAvailable: "FILL_ALL_AVAILABLE" };
const DAY = 86_400_000;
const ID_PATTERN = /^[A-Za-z0-9._-]{1,40}$/;

const digits = (seed: string, n: number) => {
  const h = createHash("sha256").update(seed).digest();
  let s = "";
  for (let i = 0; s.length < n; i++) s += String(h[i % h.length] % 10);
  return s.slice(0, n);
};

function trackingNumber(marketplaceId: string, index: 0 | 1, packageNumber: number): string {
  const d = (n: number) => digits(`${marketplaceId}:${index}:${packageNumber}`, n);
  if (marketplaceId === "A1F83G8C2ARO7P") return index === 0 ? `RM${d(9)}GB` : `QA${d(10)}`;
  if (marketplaceId === "A1PA6795UKMFR9") return index === 0 ? `00340${d(15)}` : `DE${d(10)}`;
  return index === 0 ? `1Z9SIM${d(12)}` : `TBA${d(12)}`;
}

export class McfSim {
  private orders = new Map<string, SimMcfOrder>();
  private packageCounter = 0;
  /** Casing of FulfillmentOrderStatus in notifications: the API's PascalCase, or UPPER_SNAKE. */
  notificationCasing: "api" | "upper" = "api";

  constructor(private readonly ctx: SimContext) {}

  reset(): void {
    this.orders.clear();
    this.packageCounter = 0;
  }

  all(): SimMcfOrder[] {
    return [...this.orders.values()];
  }

  get(id: string): SimMcfOrder | undefined {
    return this.orders.get(id);
  }

  // --- availability and rules ----------------------------------------------------------------------------

  private fulfillable(marketplaceId: string, sku: string): number | undefined {
    return this.ctx.data.inventory.find((i) => i.marketplaceId === marketplaceId && i.sku === sku)?.fulfillable;
  }

  /** Why Amazon would refuse to ship to this address from this marketplace, or undefined. */
  private addressProblem(marketplaceId: string, a: Record<string, unknown> | undefined): string | undefined {
    if (!a || typeof a !== "object") return "The destination address is missing.";
    for (const k of ["name", "addressLine1", "postalCode", "countryCode"])
      if (typeof a[k] !== "string" || !(a[k] as string).trim()) return `The destination address has no ${k}.`;
    const country = String(a.countryCode);
    if (!(MCF_DESTINATIONS[marketplaceId] ?? ["US"]).includes(country))
      return `Amazon cannot ship to ${country} from marketplace ${marketplaceId}.`;
    if (String(a.postalCode).trim() === MCF_REFUSED_POSTAL_CODE)
      return `The destination address is not deliverable (postal code ${a.postalCode}).`;
    return undefined;
  }

  private unknownSku(marketplaceId: string, lines: { sku: string }[]): string | undefined {
    return lines.find((l) => this.fulfillable(marketplaceId, l.sku) === undefined)?.sku;
  }

  // --- the order's life -------------------------------------------------------------------------------------

  view(o: SimMcfOrder): View {
    const now = this.ctx.simMs() - o.receivedSim;
    const cancelOffset = o.cancelledSim !== undefined ? o.cancelledSim - o.receivedSim : undefined;
    const lines = o.lines.map((line) => {
      const avail = this.fulfillable(o.marketplaceId, line.sku) ?? 0;
      const shippable = Math.min(line.quantity, avail);
      return { line, shippable, unfulfillable: line.quantity - shippable, cancelled: 0 };
    });
    const events: View["events"] = [{ key: "status:Received", offset: 0, kind: "status", ref: "Received" }];
    const status = (s: McfStatus2020, offset: number) => events.push({ key: `status:${s}`, offset, kind: "status", ref: s });
    const result = (s: McfStatus2020, offset: number, shipments: ViewShipment[] = []): View => {
      events.sort((a, b) => a.offset - b.offset);
      return { status: s, statusOffset: offset, lines, shipments, events };
    };
    const T = MCF_TIMELINE;
    if (o.forced && (cancelOffset === undefined || o.forced.sim - o.receivedSim < cancelOffset)) {
      const at = o.forced.sim - o.receivedSim;
      for (const l of lines) (l.unfulfillable = l.line.quantity), (l.shippable = 0);
      status(o.forced.status, at);
      return result(o.forced.status, at);
    }
    const anyUnful = lines.some((l) => l.unfulfillable > 0);
    const noneShippable = lines.every((l) => l.shippable === 0);
    const killed = noneShippable || (anyUnful && o.policy === "FillOrKill");
    const cancel = (offset: number): View => {
      if (offset >= T.planning && o.action !== "Hold") status("Planning", T.planning);
      for (const l of lines) l.cancelled = l.line.quantity;
      status("Cancelled", offset);
      return result("Cancelled", offset);
    };
    if (o.action === "Hold") return cancelOffset !== undefined ? cancel(cancelOffset) : result("Received", 0);
    if (cancelOffset !== undefined && cancelOffset < T.processing) return cancel(cancelOffset);
    if (killed) {
      if (now < T.planning) return result("Received", 0);
      if (o.policy === "FillOrKill") for (const l of lines) (l.cancelled = l.shippable), (l.shippable = 0);
      status("Unfulfillable", T.planning);
      return result("Unfulfillable", T.planning);
    }
    // Shipments: up to two, the first half of the shippable lines from the first center.
    const shippableLines = lines.filter((l) => l.shippable > 0);
    const split = shippableLines.length >= 2 ? Math.ceil(shippableLines.length / 2) : shippableLines.length;
    const net = MCF_NETWORK[o.marketplaceId] ?? MCF_NETWORK.ATVPDKIKX0DER;
    const groups = [shippableLines.slice(0, split), shippableLines.slice(split)].filter((g) => g.length);
    let pn = o.packageBase;
    const shipments: ViewShipment[] = groups.map((g, k) => {
      const index = k as 0 | 1;
      const shipAt = index === 0 ? T.shipped : T.secondShipped;
      return {
        amazonShipmentId: `D${(o.packageBase * 7 + index + 1).toString(36).toUpperCase()}${digits(o.id, 3)}`,
        index,
        fulfillmentCenterId: net.centers[index],
        carrier: net.carriers[index],
        createdAt: T.processing,
        shipAt,
        shipped: now >= shipAt,
        cancelled: false,
        lines: g.map((l) => {
          const packageNumber = pn++;
          return {
            line: l.line,
            quantity: l.shippable,
            packageNumber,
            trackingNumber: trackingNumber(o.marketplaceId, index, packageNumber),
            amazonTrackingNumber: `TBA${digits(`amzn:${packageNumber}`, 12)}`,
          };
        }),
      };
    });
    if (now >= T.planning) status("Planning", T.planning);
    if (now >= T.processing) {
      status("Processing", T.processing);
      for (const s of shipments)
        events.push({ key: `created:${s.amazonShipmentId}`, offset: s.createdAt, kind: "created", ref: s.amazonShipmentId });
    }
    for (const s of shipments)
      if (s.shipped) events.push({ key: `shipped:${s.amazonShipmentId}`, offset: s.shipAt, kind: "shipped", ref: s.amazonShipmentId });
    for (const r of o.returns) {
      const at = this.returnReceivedAt(o, r);
      if (at !== undefined && now >= at)
        events.push({ key: `return:${r.sellerReturnItemId}`, offset: at, kind: "return", ref: r.sellerReturnItemId });
    }
    if (now < T.planning) return result("Received", 0);
    if (now < T.processing) return result("Planning", T.planning);
    const lastShip = Math.max(...shipments.map((s) => s.shipAt));
    // FillAll keeps waiting for the unfulfillable rest until it is cancelled.
    if (anyUnful && o.policy === "FillAll") {
      if (cancelOffset !== undefined && now >= lastShip) {
        for (const l of lines) l.cancelled = l.unfulfillable;
        const at = Math.max(cancelOffset, lastShip);
        status("CompletePartialled", at);
        return result("CompletePartialled", at, shipments);
      }
      return result("Processing", T.processing, shipments);
    }
    if (now < lastShip) return result("Processing", T.processing, shipments);
    const final: McfStatus2020 = anyUnful ? "CompletePartialled" : "Complete";
    status(final, lastShip);
    return result(final, lastShip, shipments);
  }

  private returnReceivedAt(o: SimMcfOrder, r: SimMcfReturn): number | undefined {
    if (r.receivedSim !== undefined) return r.receivedSim - o.receivedSim;
    return r.createdSim - o.receivedSim + MCF_TIMELINE.returnReceived;
  }

  private wall(o: SimMcfOrder, offset: number): Date {
    return this.ctx.after(o.receivedAt, offset);
  }

  /** Emits the notifications for every step reached since the last tick, in order. */
  tick(): void {
    for (const o of this.orders.values()) {
      if (o.quiet) continue;
      const v = this.view(o);
      const now = this.ctx.simMs() - o.receivedSim;
      for (const e of v.events) {
        if (e.offset > now || o.notified.has(e.key)) continue;
        o.notified.add(e.key);
        this.notify(o, v, e);
      }
      const returnsPending = o.returns.some((r) => !o.notified.has(`return:${r.sellerReturnItemId}`));
      const waiting = o.policy === "FillAll" && v.status === "Processing";
      if (["Complete", "CompletePartialled", "Cancelled", "Unfulfillable", "Invalid"].includes(v.status) && !returnsPending && !waiting)
        o.quiet = true;
    }
  }

  /** Marks every step reached so far as notified (seeded history sends nothing). */
  private silence(o: SimMcfOrder): void {
    for (const e of this.view(o).events) o.notified.add(e.key);
  }

  private notify(o: SimMcfOrder, v: View, e: View["events"][number]): void {
    const when = this.wall(o, e.offset).toISOString();
    const now = this.ctx.now();
    const status = (s: McfStatus2020) => (this.notificationCasing === "upper" ? UPPER_2020[s] : s);
    const currentAt = (s: McfStatus2020) =>
      status((v.events.filter((x) => x.kind === "status" && x.offset <= e.offset).pop()?.ref as McfStatus2020) ?? s);
    const fos = (payload: Record<string, unknown>) =>
      this.ctx.emit({
        NotificationVersion: "1.0",
        NotificationType: "FULFILLMENT_ORDER_STATUS",
        PayloadVersion: "1.0",
        EventTime: now.toISOString(),
        Payload: {
          FulfillmentOrderStatusNotification: {
            SellerId: SIM_SELLER_ID,
            StatusUpdatedDateTime: when,
            SellerFulfillmentOrderId: o.id,
            ...payload,
          },
        },
        NotificationMetadata: notificationMetadata(now, "fulfillment-order-status", randomUUID()),
      });
    const outbound = (shipmentId: string, shipmentStatus: "Created" | "Cancelled") =>
      this.ctx.emit({
        NotificationVersion: "1.0",
        NotificationType: "FBA_OUTBOUND_SHIPMENT_STATUS",
        PayloadVersion: "1.0",
        EventTime: now.toISOString(),
        Payload: {
          FBAOutboundShipmentStatusNotification: {
            SellerId: SIM_SELLER_ID,
            // MCF orders have no Amazon order id in the API: the simulator sends the seller's fulfillment order id.
            AmazonOrderId: o.id,
            AmazonShipmentId: shipmentId,
            ShipmentStatus: shipmentStatus,
          },
        },
        NotificationMetadata: notificationMetadata(now, "fba-outbound-shipment-status", randomUUID()),
      });
    if (e.kind === "status") fos({ EventType: "Order", FulfillmentOrderStatus: status(e.ref as McfStatus2020) });
    else if (e.kind === "created") outbound(e.ref, "Created");
    else if (e.kind === "cancelledShipment") outbound(e.ref, "Cancelled");
    else if (e.kind === "shipped") {
      const s = v.shipments.find((x) => x.amazonShipmentId === e.ref)!;
      fos({
        EventType: "Shipment",
        FulfillmentOrderStatus: currentAt("Processing"),
        FulfillmentShipment: {
          FulfillmentShipmentStatus: "SHIPPED",
          AmazonShipmentId: s.amazonShipmentId,
          EstimatedArrivalDateTime: this.arrival(o, s).toISOString(),
          FulfillmentShipmentPackages: s.lines.map((l) => ({
            PackageNumber: l.packageNumber,
            CarrierCode: s.carrier,
            TrackingNumber: l.trackingNumber,
          })),
        },
      });
    } else if (e.kind === "return") {
      const r = o.returns.find((x) => x.sellerReturnItemId === e.ref)!;
      fos({
        EventType: "Return",
        FulfillmentOrderStatus: currentAt("Complete"),
        FulfillmentReturnItem: {
          ReceivedDateTime: when,
          ReturnedQuantity: 1,
          SellerSKU: o.lines.find((l) => l.lineId === r.lineId)?.sku ?? "",
        },
      });
    }
  }

  private arrival(o: SimMcfOrder, s: ViewShipment): Date {
    const days = MCF_TRANSIT_DAYS[o.speed === "ScheduledDelivery" ? "Standard" : o.speed][1];
    return new Date(this.wall(o, s.shipAt).getTime() + days * DAY);
  }

  // --- 2020-07-01 wire ----------------------------------------------------------------------------------

  private fulfillmentOrder2020(o: SimMcfOrder, v: View): Record<string, unknown> {
    const statusAt = o.cancelledAt !== undefined && v.status === "Cancelled" ? new Date(o.cancelledAt) : this.wall(o, v.statusOffset);
    return {
      sellerFulfillmentOrderId: o.id,
      marketplaceId: o.marketplaceId,
      displayableOrderId: o.displayableOrderId ?? o.id,
      displayableOrderDate: o.displayableOrderDate ?? new Date(o.receivedAt).toISOString(),
      displayableOrderComment: o.displayableOrderComment ?? "",
      shippingSpeedCategory: o.speed,
      destinationAddress: o.destination,
      fulfillmentAction: o.action,
      fulfillmentPolicy: o.policy,
      receivedDate: new Date(o.receivedAt).toISOString(),
      fulfillmentOrderStatus: v.status,
      statusUpdatedDate: statusAt.toISOString(),
      ...(o.notificationEmails?.length ? { notificationEmails: o.notificationEmails } : {}),
    };
  }

  result2020(o: SimMcfOrder): Record<string, unknown> {
    const v = this.view(o);
    const days = MCF_TRANSIT_DAYS[o.speed === "ScheduledDelivery" ? "Standard" : o.speed];
    const out: Record<string, unknown> = {
      fulfillmentOrder: this.fulfillmentOrder2020(o, v),
      fulfillmentOrderItems: v.lines.map((l) => ({
        sellerSku: l.line.sku,
        sellerFulfillmentOrderItemId: l.line.lineId,
        quantity: l.line.quantity,
        ...(l.line.giftMessage ? { giftMessage: l.line.giftMessage } : {}),
        ...(l.line.displayableComment ? { displayableComment: l.line.displayableComment } : {}),
        ...(demoProductBySku(l.line.sku) ? { fulfillmentNetworkSku: demoProductBySku(l.line.sku)!.fnsku } : {}),
        orderItemDisposition: "Sellable",
        cancelledQuantity: l.cancelled,
        unfulfillableQuantity: v.status === "Cancelled" ? 0 : l.unfulfillable,
        estimatedShipDate: new Date(o.receivedAt + DAY).toISOString(),
        estimatedArrivalDate: new Date(o.receivedAt + days[1] * DAY).toISOString(),
        ...(l.line.declaredValue
          ? { perUnitDeclaredValue: { currencyCode: l.line.declaredValue.currencyCode, value: l.line.declaredValue.amount } }
          : {}),
      })),
      returnItems: o.returns.map((r) => this.returnItem2020(o, r)),
      returnAuthorizations: this.authorizations(o),
    };
    const now = this.ctx.simMs() - o.receivedSim;
    const shipments = v.shipments.filter((s) => now >= s.createdAt);
    if (shipments.length) {
      out.fulfillmentShipments = shipments.map((s) => ({
        amazonShipmentId: s.amazonShipmentId,
        fulfillmentCenterId: s.fulfillmentCenterId,
        fulfillmentShipmentStatus: s.cancelled ? "CANCELLED_BY_SELLER" : s.shipped ? "SHIPPED" : "PENDING",
        shippingDate: this.wall(o, s.shipAt).toISOString(),
        ...(s.cancelled ? {} : { estimatedArrivalDate: this.arrival(o, s).toISOString() }),
        fulfillmentShipmentItem: s.lines.map((l) => ({
          sellerSku: l.line.sku,
          sellerFulfillmentOrderItemId: l.line.lineId,
          quantity: l.quantity,
          packageNumber: l.packageNumber,
        })),
        ...(s.shipped
          ? {
              fulfillmentShipmentPackage: s.lines.map((l) => ({
                packageNumber: l.packageNumber,
                carrierCode: s.carrier,
                trackingNumber: l.trackingNumber,
                amazonFulfillmentTrackingNumber: l.amazonTrackingNumber,
                estimatedArrivalDate: this.arrival(o, s).toISOString(),
              })),
            }
          : {}),
      }));
    }
    return out;
  }

  private returnItem2020(o: SimMcfOrder, r: SimMcfReturn): Record<string, unknown> {
    const received = this.returnReceivedAt(o, r);
    const done = received !== undefined && this.ctx.simMs() - o.receivedSim >= received;
    return {
      sellerReturnItemId: r.sellerReturnItemId,
      sellerFulfillmentOrderItemId: r.lineId,
      amazonShipmentId: r.amazonShipmentId,
      sellerReturnReasonCode: r.reasonCode,
      ...(r.comment ? { returnComment: r.comment } : {}),
      ...(done ? { amazonReturnReasonCode: r.reasonCode } : {}),
      status: done ? "Processed" : "New",
      statusChangedDate: (done ? this.wall(o, received!) : new Date(r.createdAt)).toISOString(),
      returnAuthorizationId: r.returnAuthorizationId,
      ...(done ? { returnReceivedCondition: r.condition ?? (/DEFECTIVE/.test(r.reasonCode) ? "Defective" : "Sellable") } : {}),
      fulfillmentCenterId: r.fulfillmentCenterId,
    };
  }

  private authorizations(o: SimMcfOrder): Record<string, unknown>[] {
    const net = MCF_NETWORK[o.marketplaceId] ?? MCF_NETWORK.ATVPDKIKX0DER;
    const ids = [...new Set(o.returns.map((r) => r.returnAuthorizationId))];
    return ids.map((id) => {
      const r = o.returns.find((x) => x.returnAuthorizationId === id)!;
      return {
        returnAuthorizationId: id,
        fulfillmentCenterId: r.fulfillmentCenterId,
        returnToAddress: {
          name: `Amazon Returns ${r.fulfillmentCenterId}`,
          addressLine1: "1 Returns Way",
          city: net.city,
          stateOrRegion: net.state,
          postalCode: "00001",
          countryCode: net.country,
        },
        amazonRmaId: `D${digits(`rma:${id}`, 8)}RMA`,
        rmaPageURL: `https://sellercentral.amazon.com/returns/rma?rmaId=${id}`,
      };
    });
  }

  private parseLines2020(items: any[]): SimMcfLine[] {
    return items.map((i) => ({
      lineId: String(i.sellerFulfillmentOrderItemId),
      sku: String(i.sellerSku),
      quantity: Number(i.quantity),
      ...(i.perUnitDeclaredValue
        ? { declaredValue: { currencyCode: i.perUnitDeclaredValue.currencyCode, amount: i.perUnitDeclaredValue.value } }
        : {}),
      ...(i.displayableComment ? { displayableComment: i.displayableComment } : {}),
      ...(i.giftMessage ? { giftMessage: i.giftMessage } : {}),
    }));
  }

  private validateLines(lines: SimMcfLine[]): string | undefined {
    if (!lines.length) return "items must not be empty.";
    const ids = new Set<string>();
    for (const l of lines) {
      if (!l.lineId || l.lineId.length > 50) return "sellerFulfillmentOrderItemId must have 1 to 50 characters.";
      if (ids.has(l.lineId)) return `sellerFulfillmentOrderItemId ${l.lineId} appears twice.`;
      ids.add(l.lineId);
      if (!Number.isInteger(l.quantity) || l.quantity < 1) return `Quantity of ${l.sku} must be a positive integer.`;
    }
    return undefined;
  }

  preview2020(body: any): Answer {
    if (!body?.address || !Array.isArray(body.items)) return bad("address and items are required.");
    const marketplaceId = body.marketplaceId ?? marketplaceForCountry(String(body.address.countryCode ?? "US"));
    const lines: SimMcfLine[] = this.parseLines2020(body.items);
    const invalid = this.validateLines(lines);
    if (invalid) return bad(invalid);
    const speeds: Speed[] = body.shippingSpeedCategories?.length ? body.shippingSpeedCategories : ["Standard", "Expedited", "Priority"];
    const previews = speeds.map((speed) => this.preview(marketplaceId, body.address, lines, speed));
    return [200, { payload: { fulfillmentPreviews: previews.map((p) => p.wire2020) } }];
  }

  private preview(marketplaceId: string, address: Record<string, unknown>, lines: SimMcfLine[], speed: Speed) {
    const currency = currencyOf(marketplaceId);
    const addressProblem = this.addressProblem(marketplaceId, address);
    const orderReasons: string[] = [];
    if (addressProblem) orderReasons.push("InvalidDestinationAddress");
    if (speed === "ScheduledDelivery") orderReasons.push("DeliverySLAUnavailable");
    const unfulfillable = lines
      .map((l) => {
        const avail = this.fulfillable(marketplaceId, l.sku);
        if (avail === undefined) return { l, reasons: ["InvalidSKU"] };
        if (avail < l.quantity) return { l, reasons: ["InventoryUnavailable"] };
        return undefined;
      })
      .filter((x) => !!x);
    const fulfillable = !orderReasons.length && !unfulfillable.length;
    const shippable = lines.filter((l) => !unfulfillable.some((u) => u.l === l));
    const units = shippable.reduce((s, l) => s + l.quantity, 0);
    const fee = MCF_UNIT_FEE[currency]?.[speed as "Standard"] ?? MCF_UNIT_FEE.USD.Standard;
    const feeTotal = toMoneyString(dec(fee).times(units));
    const now = this.ctx.now().getTime();
    const days = MCF_TRANSIT_DAYS[speed === "ScheduledDelivery" ? "Standard" : speed];
    const weight = (0.45 * units).toFixed(2);
    const split = shippable.length >= 2 ? Math.ceil(shippable.length / 2) : shippable.length;
    const groups = orderReasons.length ? [] : [shippable.slice(0, split), shippable.slice(split)].filter((g) => g.length);
    const dates = (k: number) => ({
      earliestShipDate: new Date(now + (k ? 1 : 0) * DAY + 4 * 3_600_000).toISOString(),
      latestShipDate: new Date(now + (k + 1) * DAY).toISOString(),
      earliestArrivalDate: new Date(now + days[0] * DAY).toISOString(),
      latestArrivalDate: new Date(now + (days[1] + k) * DAY).toISOString(),
    });
    const wire2020: Record<string, unknown> = {
      shippingSpeedCategory: speed,
      isFulfillable: fulfillable,
      isCODCapable: false,
      marketplaceId,
      estimatedShippingWeight: { unit: marketplaceId === "ATVPDKIKX0DER" ? "POUNDS" : "KILOGRAMS", value: weight },
      ...(groups.length
        ? {
            estimatedFees: [{ name: "FBAPerUnitFulfillmentFee", amount: { currencyCode: currency, value: feeTotal } }],
            fulfillmentPreviewShipments: groups.map((g, k) => ({
              ...dates(k),
              fulfillmentPreviewItems: g.map((l) => ({
                sellerSku: l.sku,
                quantity: l.quantity,
                sellerFulfillmentOrderItemId: l.lineId,
                estimatedShippingWeight: {
                  unit: marketplaceId === "ATVPDKIKX0DER" ? "POUNDS" : "KILOGRAMS",
                  value: (0.45 * l.quantity).toFixed(2),
                },
                shippingWeightCalculationMethod: "Package",
              })),
            })),
          }
        : {}),
      unfulfillablePreviewItems: unfulfillable.map((u) => ({
        sellerSku: u.l.sku,
        quantity: u.l.quantity,
        sellerFulfillmentOrderItemId: u.l.lineId,
        itemUnfulfillableReasons: u.reasons,
      })),
      ...(orderReasons.length ? { orderUnfulfillableReasons: orderReasons } : {}),
      featureConstraints: [],
    };
    return { wire2020, groups, dates, fee, feeTotal, currency, unfulfillable, orderReasons, addressProblem, weight };
  }

  /** createFulfillmentOrder (2020-07-01) and createOrder (2026-07-04) share the rules. */
  private create(o: Omit<SimMcfOrder, "receivedSim" | "receivedAt" | "packageBase" | "returns" | "notified">): Answer | undefined {
    if (!ID_PATTERN.test(o.id)) return bad("sellerFulfillmentOrderId must have 1 to 40 letters, digits, '-', '_' or '.'.");
    if (o.displayableOrderId !== undefined && (o.displayableOrderId.length < 1 || o.displayableOrderId.length > 40))
      return bad("displayableOrderId must have 1 to 40 characters.");
    const invalid = this.validateLines(o.lines);
    if (invalid) return bad(invalid);
    const existing = this.orders.get(o.id);
    if (existing) {
      return existing.request === o.request ? undefined : bad(`A fulfillment order with ID ${o.id} already exists.`);
    }
    const unknown = this.unknownSku(o.marketplaceId, o.lines);
    if (unknown) return bad(`Invalid seller SKU: ${unknown}`, `${unknown} is not an FBA SKU in marketplace ${o.marketplaceId}.`);
    const addressProblem = this.addressProblem(o.marketplaceId, o.destination);
    if (addressProblem) return [400, errors("InvalidInput", "Invalid destinationAddress.", addressProblem)];
    this.orders.set(o.id, {
      ...o,
      receivedSim: this.ctx.simMs(),
      receivedAt: this.ctx.now().getTime(),
      packageBase: 100_000 + 10 * ++this.packageCounter,
      returns: [],
      notified: new Set(),
    });
    this.tick();
    return undefined;
  }

  create2020(body: any): Answer {
    const b = body ?? {};
    for (const k of [
      "sellerFulfillmentOrderId",
      "displayableOrderId",
      "displayableOrderDate",
      "displayableOrderComment",
      "shippingSpeedCategory",
      "destinationAddress",
      "items",
    ]) {
      if (b[k] === undefined) return bad(`${k} is required.`);
    }
    if (!Array.isArray(b.items)) return bad("items must be a list.");
    const err = this.create({
      id: String(b.sellerFulfillmentOrderId),
      createdWith: "2020-07-01",
      marketplaceId: b.marketplaceId ?? marketplaceForCountry(String(b.destinationAddress?.countryCode ?? "US")),
      displayableOrderId: String(b.displayableOrderId),
      displayableOrderDate: new Date(b.displayableOrderDate).toISOString(),
      displayableOrderComment: String(b.displayableOrderComment),
      speed: b.shippingSpeedCategory,
      policy: b.fulfillmentPolicy ?? "FillOrKill",
      action: b.fulfillmentAction ?? "Ship",
      destination: b.destinationAddress,
      notificationEmails: b.notificationEmails,
      lines: this.parseLines2020(b.items),
      request: JSON.stringify(b),
    });
    return err ?? [200, {}];
  }

  get2020(id: string): Answer {
    const o = this.orders.get(id);
    return o ? [200, { payload: this.result2020(o) }] : notFound(`Fulfillment order ${id} was not found.`);
  }

  list2020(q: URLSearchParams): Answer {
    const next = q.get("nextToken");
    let offset = 0;
    let since: Date | undefined;
    if (next) {
      const t = this.ctx.readPageToken(next, "mcf");
      if (!t) return bad("Invalid nextToken.");
      offset = t.state.offset;
      since = t.state.since ? new Date(t.state.since) : undefined;
    } else if (q.get("queryStartDate")) {
      since = new Date(q.get("queryStartDate")!);
      if (Number.isNaN(since.getTime())) return bad("Invalid queryStartDate.");
    }
    const all = [...this.orders.values()]
      .map((o) => this.fulfillmentOrder2020(o, this.view(o)))
      .filter((f) => !since || new Date(String(f.statusUpdatedDate)) >= since);
    const page = all.slice(offset, offset + 10);
    const out: Record<string, unknown> = { fulfillmentOrders: page };
    if (offset + 10 < all.length) out.nextToken = this.ctx.pageToken("mcf", { offset: offset + 10, since: since?.toISOString() });
    return [200, { payload: out }];
  }

  /** Cancels before shipping starts (Received, Planning), or the unshipped rest of a FillAll order. */
  private cancel(id: string): Answer | "ok" {
    const o = this.orders.get(id);
    if (!o) return notFound(`Fulfillment order ${id} was not found.`);
    const v = this.view(o);
    if (v.status === "Cancelled" || o.cancelledSim !== undefined) return "ok";
    const waitingFillAll = o.policy === "FillAll" && v.status === "Processing" && v.shipments.every((s) => s.shipped);
    if (!["Received", "Planning"].includes(v.status) && !waitingFillAll)
      return bad(`Fulfillment order ${id} is ${v.status} and can no longer be cancelled.`);
    o.cancelledSim = this.ctx.simMs();
    o.cancelledAt = this.ctx.now().getTime();
    o.quiet = false;
    this.tick();
    return "ok";
  }

  cancel2020(id: string): Answer {
    const r = this.cancel(id);
    return r === "ok" ? [200, {}] : r;
  }

  tracking2020(q: URLSearchParams): Answer {
    const n = Number(q.get("packageNumber"));
    if (!Number.isInteger(n)) return bad("packageNumber must be an integer.");
    for (const o of this.orders.values()) {
      const v = this.view(o);
      for (const s of v.shipments) {
        const l = s.lines.find((x) => x.packageNumber === n);
        if (!l) continue;
        if (!s.shipped) return notFound(`Package ${n} has not shipped yet.`);
        return [200, { payload: this.trackingDetails(o, s, l) }];
      }
    }
    return notFound(`Package ${n} was not found.`);
  }

  private packageStatus(o: SimMcfOrder, s: ViewShipment): { status: string; events: { code: string; text: string; offset: number }[] } {
    const since = this.ctx.simMs() - o.receivedSim - s.shipAt;
    const events = [
      { code: "EVENT_101", text: "Carrier notified to pick up package.", offset: 0 },
      { code: "EVENT_102", text: "Shipment picked up from seller's facility.", offset: 5_000 },
      { code: "EVENT_201", text: "Arrival scan.", offset: 30_000 },
      { code: "EVENT_302", text: "Out for delivery.", offset: MCF_TIMELINE.outForDelivery },
      { code: "EVENT_301", text: "Delivered.", offset: MCF_TIMELINE.delivered },
    ].filter((e) => e.offset <= since);
    const status = since >= MCF_TIMELINE.delivered ? "DELIVERED" : since >= MCF_TIMELINE.outForDelivery ? "OUT_FOR_DELIVERY" : "IN_TRANSIT";
    return { status, events };
  }

  private trackingDetails(o: SimMcfOrder, s: ViewShipment, l: ViewShipment["lines"][number]): Record<string, unknown> {
    const net = MCF_NETWORK[o.marketplaceId] ?? MCF_NETWORK.ATVPDKIKX0DER;
    const { status, events } = this.packageStatus(o, s);
    const dest = {
      city: String(o.destination.city ?? ""),
      state: String(o.destination.stateOrRegion ?? ""),
      country: String(o.destination.countryCode),
    };
    return {
      packageNumber: l.packageNumber,
      trackingNumber: l.trackingNumber,
      customerTrackingLink: `https://www.swiship.com/track?id=${l.amazonTrackingNumber}`,
      carrierCode: s.carrier,
      carrierURL:
        s.carrier === "UPS"
          ? `https://www.ups.com/track?tracknum=${l.trackingNumber}`
          : `https://www.swiship.com/track?id=${l.amazonTrackingNumber}`,
      shipDate: this.wall(o, s.shipAt).toISOString(),
      estimatedArrivalDate: this.arrival(o, s).toISOString(),
      shipToAddress: dest,
      currentStatus: status,
      currentStatusDescription: events[events.length - 1]?.text ?? "",
      ...(status === "DELIVERED" ? { signedForBy: "Front door" } : {}),
      trackingEvents: events.reverse().map((e) => ({
        eventDate: this.wall(o, s.shipAt + e.offset).toISOString(),
        eventAddress: e.code === "EVENT_301" || e.code === "EVENT_302" ? dest : { city: net.city, state: net.state, country: net.country },
        eventCode: e.code,
        eventDescription: e.text,
      })),
    };
  }

  returnReasons2020(q: URLSearchParams): Answer {
    if (!q.get("sellerSku")) return bad("sellerSku is required.");
    return [
      200,
      {
        payload: {
          reasonCodeDetails: MCF_RETURN_REASONS.map((r) => ({
            returnReasonCode: r.code,
            description: r.description,
            translatedDescription: r.description,
          })),
        },
      },
    ];
  }

  createReturn2020(id: string, body: any): Answer {
    const o = this.orders.get(id);
    if (!o) return notFound(`Fulfillment order ${id} was not found.`);
    if (!Array.isArray(body?.items) || !body.items.length) return bad("items are required.");
    const v = this.view(o);
    const returnItems: Record<string, unknown>[] = [];
    const invalid: Record<string, unknown>[] = [];
    const authIds = new Set<string>();
    for (const i of body.items) {
      const reject = (code: string, description: string) =>
        invalid.push({
          sellerReturnItemId: String(i.sellerReturnItemId ?? ""),
          sellerFulfillmentOrderItemId: String(i.sellerFulfillmentOrderItemId ?? ""),
          invalidItemReason: { invalidItemReasonCode: code, description },
        });
      if (!i.sellerReturnItemId || String(i.sellerReturnItemId).length > 80 || !i.returnReasonCode) {
        reject("InvalidValues", "sellerReturnItemId (at most 80 characters) and returnReasonCode are required.");
        continue;
      }
      if (!MCF_RETURN_REASONS.some((r) => r.code === i.returnReasonCode)) {
        reject("InvalidValues", `Unknown returnReasonCode ${i.returnReasonCode}.`);
        continue;
      }
      if (o.returns.some((r) => r.sellerReturnItemId === i.sellerReturnItemId)) {
        reject("DuplicateRequest", `Return item ${i.sellerReturnItemId} exists already.`);
        continue;
      }
      const s = v.shipments.find((x) => x.amazonShipmentId === i.amazonShipmentId);
      const line = s?.lines.find((l) => l.line.lineId === i.sellerFulfillmentOrderItemId);
      if (!s || !s.shipped || !line) {
        reject("NoCompletedShipItems", "The item was not shipped in that shipment.");
        continue;
      }
      const returned = o.returns.filter((r) => r.lineId === line.line.lineId && r.amazonShipmentId === s.amazonShipmentId).length;
      if (returned >= line.quantity) {
        reject("NoReturnableQuantity", "Every shipped unit of this item is being returned already.");
        continue;
      }
      const authId = `RA${digits(`${id}:${s.fulfillmentCenterId}`, 9)}`;
      authIds.add(authId);
      const r: SimMcfReturn = {
        sellerReturnItemId: String(i.sellerReturnItemId),
        lineId: line.line.lineId,
        amazonShipmentId: s.amazonShipmentId,
        reasonCode: String(i.returnReasonCode),
        ...(i.returnComment ? { comment: String(i.returnComment) } : {}),
        createdSim: this.ctx.simMs(),
        createdAt: this.ctx.now().getTime(),
        returnAuthorizationId: authId,
        fulfillmentCenterId: s.fulfillmentCenterId,
      };
      o.returns.push(r);
      o.quiet = false;
      returnItems.push(this.returnItem2020(o, r));
    }
    return [
      200,
      {
        payload: {
          returnItems,
          invalidReturnItems: invalid,
          returnAuthorizations: this.authorizations(o).filter((a) => authIds.has(String(a.returnAuthorizationId))),
        },
      },
    ];
  }

  // --- 2026-07-04 wire ----------------------------------------------------------------------------------

  private lines2026(items: any[]): SimMcfLine[] {
    return items.map((i, k) => ({
      lineId: String(i.lineItemId ?? k + 1),
      sku: String(i.product?.productIdentifier?.amazonSku ?? ""),
      quantity: Number(i.amount?.value),
      ...(i.product?.perUnitDeclaredValue ? { declaredValue: i.product.perUnitDeclaredValue } : {}),
    }));
  }

  order2026(o: SimMcfOrder, withShipments = true): Record<string, unknown> {
    const v = this.view(o);
    const statusAt = o.cancelledAt !== undefined && v.status === "Cancelled" ? new Date(o.cancelledAt) : this.wall(o, v.statusOffset);
    const now = this.ctx.simMs() - o.receivedSim;
    const amount = (n: number) => ({ unit: "EACHES", value: String(n) });
    const out: Record<string, unknown> = {
      orderId: o.id,
      receiveTime: new Date(o.receivedAt).toISOString(),
      status: STATUS_2026[v.status],
      statusUpdateTime: statusAt.toISOString(),
      fulfillmentConfiguration: {
        serviceLevel: { serviceTiers: [TIER_OF[o.speed]] },
        action: o.action.toUpperCase(),
        policy: POLICY_OF[o.policy],
      },
      destination: { deliveryAddress: o.destination },
      lineItems: v.lines.map((l) => ({
        lineItemId: l.line.lineId,
        product: {
          productIdentifier: { amazonSku: l.line.sku },
          ...(l.line.declaredValue
            ? { perUnitDeclaredValue: { currencyCode: l.line.declaredValue.currencyCode, amount: l.line.declaredValue.amount } }
            : {}),
        },
        amount: amount(l.line.quantity),
        cancelledAmount: amount(l.cancelled),
        unfulfillableAmount: amount(v.status === "Cancelled" ? 0 : l.unfulfillable),
      })),
    };
    if (withShipments) {
      out.shipments = v.shipments
        .filter((s) => now >= s.createdAt)
        .map((s) => {
          const pkg = this.packageStatus(o, s);
          return {
            amazonShipmentId: s.amazonShipmentId,
            amazonFacility: { facilityId: s.fulfillmentCenterId },
            status: s.cancelled ? "CANCELLED" : s.shipped ? "SHIPPED" : "PROCESSING",
            shipTime: this.wall(o, s.shipAt).toISOString(),
            deliveryTime: this.arrival(o, s).toISOString(),
            serviceLevel: { serviceTier: TIER_OF[o.speed] },
            items: s.lines.map((l) => ({
              shipmentItemId: `${s.amazonShipmentId}-${l.line.lineId}`,
              productIdentifier: { amazonSku: l.line.sku },
              lineItemId: l.line.lineId,
              amount: amount(l.quantity),
              packageId: String(l.packageNumber),
            })),
            ...(s.shipped
              ? {
                  packages: s.lines.map((l) => ({
                    packageId: String(l.packageNumber),
                    status: pkg.status,
                    deliveryTime:
                      pkg.status === "DELIVERED"
                        ? this.wall(o, s.shipAt + MCF_TIMELINE.delivered).toISOString()
                        : this.arrival(o, s).toISOString(),
                    shipmentItemIds: [`${s.amazonShipmentId}-${l.line.lineId}`],
                    tracking: {
                      carrier: { carrierCode: s.carrier, trackingNumber: l.trackingNumber },
                      amazon: {
                        trackingNumber: l.amazonTrackingNumber,
                        trackingUrl: `https://www.swiship.com/track?id=${l.amazonTrackingNumber}`,
                      },
                    },
                  })),
                }
              : {}),
          };
        });
    }
    return out;
  }

  preview2026(body: any): Answer {
    const address = body?.destination?.deliveryAddress;
    if (!address || !Array.isArray(body?.lineItems)) return bad("destination.deliveryAddress and lineItems are required.");
    const marketplaceId = marketplaceForCountry(String(address.countryCode ?? "US"));
    const lines = this.lines2026(body.lineItems);
    const invalid = this.validateLines(lines);
    if (invalid) return bad(invalid);
    const tiers: string[] = body.fulfillmentConfiguration?.serviceLevel?.serviceTiers?.length
      ? body.fulfillmentConfiguration.serviceLevel.serviceTiers
      : ["STANDARD", "EXPEDITED", "PRIORITY"];
    const previews = tiers.map((t) => ({ tier: t, p: this.preview(marketplaceId, address, lines, TIER[t] ?? "Standard") }));
    const first = previews[0].p;
    const constraints: Record<string, unknown>[] = [];
    if (first.addressProblem)
      constraints.push({ message: first.addressProblem, type: "ValidationError", code: "InvalidDestinationAddress", details: [] });
    for (const u of first.unfulfillable)
      constraints.push({
        message: u.reasons[0] === "InvalidSKU" ? `Item ${u.l.sku} is not an FBA item.` : `There is not enough quantity of item ${u.l.sku}.`,
        type: "ValidationError",
        code: u.reasons[0] === "InvalidSKU" ? "InvalidSku" : "ItemQuantityNotAvailable",
        details: [{ type: "amazonSku", value: u.l.sku }],
      });
    const plannedShipments = first.groups.map((g, k) => ({
      estimatedShippingWeight: { unit: "KG", value: (0.45 * g.reduce((s, l) => s + l.quantity, 0)).toFixed(2) },
      items: g.map((l) => ({ productIdentifier: { amazonSku: l.sku }, amount: { unit: "EACHES", value: String(l.quantity) } })),
      offers: previews
        .filter(({ p }) => !p.orderReasons.length)
        .map(({ tier, p }) => {
          const d = p.dates(k);
          const groupUnits = g.reduce((s, l) => s + l.quantity, 0);
          const price = toMoneyString(dec(p.fee).times(groupUnits));
          return {
            fulfillmentConfiguration: {
              serviceLevel: {
                serviceTier: tier,
                deliveryInterval: { startTime: d.earliestArrivalDate, endTime: d.latestArrivalDate },
                shipInterval: { startTime: d.earliestShipDate, endTime: d.latestShipDate },
              },
            },
            estimatedPrice: {
              rollupPrices: [{ type: "MCFFulfillmentFee", value: { currencyCode: p.currency, amount: price } }],
              totalPrice: { currencyCode: p.currency, amount: price },
            },
          };
        }),
    }));
    return [200, { plannedShipments, ...(constraints.length ? { constraints } : {}) }];
  }

  create2026(body: any): Answer {
    const b = body ?? {};
    if (!b.orderId || !b.destination?.deliveryAddress || !Array.isArray(b.lineItems))
      return bad("orderId, destination and lineItems are required.");
    const tiers: string[] = b.fulfillmentConfiguration?.serviceLevel?.serviceTiers ?? ["STANDARD"];
    const err = this.create({
      id: String(b.orderId),
      createdWith: "2026-07-04",
      marketplaceId: marketplaceForCountry(String(b.destination.deliveryAddress.countryCode ?? "US")),
      speed: TIER[tiers[0]] ?? "Standard",
      policy: POLICY[b.fulfillmentConfiguration?.policy ?? "FILL_OR_KILL"] ?? "FillOrKill",
      action: b.fulfillmentConfiguration?.action === "HOLD" ? "Hold" : "Ship",
      destination: b.destination.deliveryAddress,
      lines: this.lines2026(b.lineItems),
      request: JSON.stringify(b),
    });
    return err ?? [200, { order: this.order2026(this.orders.get(String(b.orderId))!) }];
  }

  get2026(id: string, q: URLSearchParams): Answer {
    const o = this.orders.get(id);
    return o ? [200, { order: this.order2026(o, q.get("shipments") !== "EXCLUDE") }] : notFound(`Order ${id} was not found.`);
  }

  list2026(q: URLSearchParams): Answer {
    const token = q.get("pageToken");
    let offset = 0;
    let since: Date | undefined;
    if (token) {
      const t = this.ctx.readPageToken(token, "mcf2026");
      if (!t) return bad("Invalid pageToken.");
      offset = t.state.offset;
      since = t.state.since ? new Date(t.state.since) : undefined;
    } else if (q.get("updatedAfter")) {
      since = new Date(q.get("updatedAfter")!);
      if (Number.isNaN(since.getTime())) return bad("Invalid updatedAfter.");
    }
    const all = [...this.orders.values()]
      .map((o) => this.order2026(o, q.get("shipments") !== "EXCLUDE"))
      .filter((o) => !since || new Date(String(o.statusUpdateTime)) >= since);
    const out: Record<string, unknown> = { orders: all.slice(offset, offset + 10) };
    if (offset + 10 < all.length)
      out.pagination = { nextToken: this.ctx.pageToken("mcf2026", { offset: offset + 10, since: since?.toISOString() }) };
    return [200, out];
  }

  cancel2026(id: string): Answer {
    const r = this.cancel(id);
    return r === "ok" ? [202, {}] : r;
  }

  // --- control --------------------------------------------------------------------------------------------

  /** Adds an order as if created `ageMs` (simulated) ago; history sends no notifications. */
  seed(
    input: {
      sellerFulfillmentOrderId: string;
      marketplaceId?: string;
      displayableOrderId?: string;
      shippingSpeed?: Speed;
      fulfillmentPolicy?: Policy;
      destination?: Record<string, string>;
      items: { lineId?: string; sku: string; quantity: number }[];
      ageMs?: number;
      returns?: { lineId: string; reasonCode: string; condition?: string }[];
    },
    silent = true,
  ): SimMcfOrder {
    const marketplaceId = input.marketplaceId ?? "ATVPDKIKX0DER";
    const net = MCF_NETWORK[marketplaceId] ?? MCF_NETWORK.ATVPDKIKX0DER;
    const age = input.ageMs ?? 0;
    const o: SimMcfOrder = {
      id: input.sellerFulfillmentOrderId,
      createdWith: "2020-07-01",
      marketplaceId,
      displayableOrderId: input.displayableOrderId ?? input.sellerFulfillmentOrderId,
      displayableOrderDate: new Date(this.ctx.now().getTime() - age / this.ctx.timeScale).toISOString(),
      displayableOrderComment: "Thank you for your order",
      speed: input.shippingSpeed ?? "Standard",
      policy: input.fulfillmentPolicy ?? "FillOrKill",
      action: "Ship",
      destination: input.destination ?? {
        name: "Demo Recipient",
        addressLine1: "10 Demo Avenue",
        city: net.city,
        stateOrRegion: net.state,
        postalCode: "10001",
        countryCode: net.country,
      },
      lines: input.items.map((i, k) => ({ lineId: i.lineId ?? String(k + 1), sku: i.sku, quantity: i.quantity })),
      request: "",
      receivedSim: this.ctx.simMs() - age,
      receivedAt: this.ctx.now().getTime() - age / this.ctx.timeScale,
      packageBase: 100_000 + 10 * ++this.packageCounter,
      returns: [],
      notified: new Set(),
    };
    this.orders.set(o.id, o);
    const v = this.view(o);
    for (const r of input.returns ?? []) {
      const s = v.shipments.find((x) => x.lines.some((l) => l.line.lineId === r.lineId));
      if (!s) continue;
      o.returns.push({
        sellerReturnItemId: `${o.id}-R${o.returns.length + 1}`,
        lineId: r.lineId,
        amazonShipmentId: s.amazonShipmentId,
        reasonCode: r.reasonCode,
        condition: r.condition,
        createdSim: o.receivedSim + MCF_TIMELINE.delivered * 2,
        createdAt: o.receivedAt + 3 * DAY,
        returnAuthorizationId: `RA${digits(`${o.id}:${s.fulfillmentCenterId}`, 9)}`,
        fulfillmentCenterId: s.fulfillmentCenterId,
      });
    }
    if (silent) this.silence(o);
    return o;
  }

  /** Forces an order into Unfulfillable or Invalid (as Amazon may decide later), or receives a return now. */
  force(id: string, status: "Unfulfillable" | "Invalid"): SimMcfOrder {
    const o = this.orders.get(id);
    if (!o) throw new Error(`no MCF order ${id}`);
    o.forced = { status, sim: this.ctx.simMs() };
    o.quiet = false;
    this.tick();
    return o;
  }

  receiveReturn(id: string, sellerReturnItemId: string, condition?: string): SimMcfOrder {
    const o = this.orders.get(id);
    const r = o?.returns.find((x) => x.sellerReturnItemId === sellerReturnItemId);
    if (!o || !r) throw new Error(`no return ${sellerReturnItemId} on MCF order ${id}`);
    r.receivedSim = this.ctx.simMs();
    if (condition) r.condition = condition;
    o.quiet = false;
    this.tick();
    return o;
  }

  /** A compact view for /_control/mcf. */
  summary(o: SimMcfOrder): Record<string, unknown> {
    const v = this.view(o);
    return {
      sellerFulfillmentOrderId: o.id,
      marketplaceId: o.marketplaceId,
      createdWith: o.createdWith,
      status: v.status,
      policy: o.policy,
      lines: v.lines.map((l) => ({
        lineId: l.line.lineId,
        sku: l.line.sku,
        quantity: l.line.quantity,
        shippable: l.shippable,
        unfulfillable: l.unfulfillable,
        cancelled: l.cancelled,
      })),
      shipments: v.shipments.map((s) => ({
        amazonShipmentId: s.amazonShipmentId,
        fulfillmentCenterId: s.fulfillmentCenterId,
        carrier: s.carrier,
        shipped: s.shipped,
        packages: s.lines.map((l) => ({
          packageNumber: l.packageNumber,
          sku: l.line.sku,
          quantity: l.quantity,
          trackingNumber: l.trackingNumber,
        })),
      })),
      returns: o.returns.map((r) => this.returnItem2020(o, r)),
      notifications: [...o.notified],
    };
  }
}
