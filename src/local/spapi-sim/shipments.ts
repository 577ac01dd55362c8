/**
 * FBM shipment confirmation (Orders v0 confirmShipment) in the simulator: validates the body the way the
 * ordersV0 model and Amazon's known answers describe it, records every attempt (accepted or refused, visible at
 * GET /_control/shipments), and ships the confirmed quantities: the order becomes PartiallyShipped or Shipped,
 * its money events are booked and ORDER_CHANGE is notified.
 *
 * Amazon's messages the simulator repeats (seen in public issue reports, so the wording may change):
 * - "PackageReferenceId: is invalid, must be a positive numeric value."
 * - "The input you have submitted is not valid. Please check the fields with invalid type [packageDetail.packageReferenceId]."
 * - "OrderItemId <id> is invalid, please obtain the value through the getOrderItems API or Manage Orders page"
 * - "Failed to create package due to not finding a matching package or order already fulfilled." (order shipped)
 * The others are the simulator's own (docs/spapi.md).
 */
import { type Answer, bad, errors, notFound, type SimContext } from "./context";
import { type SimOrder, shipmentEvents } from "./data";
import { ACCEPTED_CARRIER_CODES } from "./seed";

export interface ShipmentRecord {
  at: string;
  amazonOrderId: string;
  marketplaceId?: string;
  packageReferenceId?: string;
  carrierCode?: string;
  carrierName?: string;
  shippingMethod?: string;
  trackingNumber?: string;
  shipDate?: string;
  items: { orderItemId: string; quantity: number }[];
  /** 204 accepted, or the refusal's status and message. */
  status: number;
  error?: string;
}

export class FbmShipments {
  private records: ShipmentRecord[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly changed: (o: SimOrder) => void,
  ) {}

  reset(): void {
    this.records = [];
  }

  list(amazonOrderId?: string): ShipmentRecord[] {
    return this.records.filter((r) => !amazonOrderId || r.amazonOrderId === amazonOrderId);
  }

  /** Confirmed packages of an order: packageReferenceId → the accepted record. */
  private confirmed(amazonOrderId: string): ShipmentRecord[] {
    return this.records.filter((r) => r.amazonOrderId === amazonOrderId && r.status === 204);
  }

  confirm(amazonOrderId: string, body: any): Answer {
    const pd = body?.packageDetail;
    const rec: ShipmentRecord = {
      at: this.ctx.now().toISOString(),
      amazonOrderId,
      marketplaceId: body?.marketplaceId,
      packageReferenceId: pd?.packageReferenceId,
      carrierCode: pd?.carrierCode,
      carrierName: pd?.carrierName,
      shippingMethod: pd?.shippingMethod,
      trackingNumber: pd?.trackingNumber,
      shipDate: pd?.shipDate,
      items: Array.isArray(pd?.orderItems)
        ? pd.orderItems.map((i: any) => ({ orderItemId: String(i?.orderItemId), quantity: Number(i?.quantity) }))
        : [],
      status: 0,
    };
    this.records.push(rec);
    const answer = this.check(amazonOrderId, body, rec);
    rec.status = answer[0];
    if (answer[0] !== 204) rec.error = (answer[1] as { errors: { message: string }[] }).errors[0]?.message;
    return answer;
  }

  private check(amazonOrderId: string, body: any, rec: ShipmentRecord): Answer {
    const o = this.ctx.data.orders.find((x) => x.amazonOrderId === amazonOrderId);
    if (!o) return notFound(`Order ${amazonOrderId} was not found.`);
    const pd = body?.packageDetail;
    if (!body?.marketplaceId || !pd) return bad("marketplaceId and packageDetail are required.");
    if (body.marketplaceId !== o.marketplaceId) return bad(`Order ${amazonOrderId} does not belong to marketplace ${body.marketplaceId}.`);
    if (typeof pd.packageReferenceId !== "string")
      return bad(
        "The input you have submitted is not valid. Please check the fields with invalid type [packageDetail.packageReferenceId].",
      );
    if (!/^[1-9]\d*$/.test(pd.packageReferenceId)) return bad("PackageReferenceId: is invalid, must be a positive numeric value.");
    for (const k of ["carrierCode", "trackingNumber", "shipDate"])
      if (typeof pd[k] !== "string" || !pd[k].trim()) return bad(`packageDetail.${k} is required.`);
    if (!ACCEPTED_CARRIER_CODES.includes(pd.carrierCode))
      return bad(
        `The carrierCode value ${pd.carrierCode} is not valid.`,
        "Use one of the accepted CarrierCode values, or Other with a carrierName.",
      );
    if (pd.carrierCode === "Other" && !pd.carrierName) return bad("carrierName is required when carrierCode is Other.");
    const shipDate = new Date(pd.shipDate);
    if (Number.isNaN(shipDate.getTime())) return bad("shipDate must be an ISO 8601 date-time.");
    if (shipDate.getTime() > this.ctx.now().getTime() + 86_400_000) return bad("shipDate cannot be in the future.");
    if (shipDate < new Date(o.purchaseDate.getTime() - 86_400_000)) return bad("shipDate cannot be before the order date.");
    if (!Array.isArray(pd.orderItems) || !pd.orderItems.length) return bad("packageDetail.orderItems must not be empty.");
    if (o.fulfillmentChannel === "AFN")
      return bad(`Order ${amazonOrderId} is fulfilled by Amazon; only seller-fulfilled orders are confirmed.`);
    if (o.status === "Canceled") return bad(`Order ${amazonOrderId} is canceled and cannot be shipped.`);
    if (o.status === "Pending") return bad(`Order ${amazonOrderId} is pending (payment not authorized) and cannot be shipped yet.`);
    const earlier = this.confirmed(amazonOrderId).find((r) => r.packageReferenceId === pd.packageReferenceId);
    if (earlier)
      return [400, errors("InvalidInput", `Package ${pd.packageReferenceId} of order ${amazonOrderId} has already been confirmed.`)];
    if (o.status === "Shipped" || o.items.every((i) => i.quantityShipped >= i.quantity))
      return bad("Failed to create package due to not finding a matching package or order already fulfilled.");
    const wanted = new Map<string, number>();
    for (const i of pd.orderItems) {
      const item = o.items.find((x) => x.orderItemId === String(i?.orderItemId));
      if (!item)
        return bad(`OrderItemId ${i?.orderItemId} is invalid, please obtain the value through the getOrderItems API or Manage Orders page`);
      if (!Number.isInteger(i.quantity) || i.quantity < 1)
        return bad(`Quantity of order item ${item.orderItemId} must be a positive integer.`);
      wanted.set(item.orderItemId, (wanted.get(item.orderItemId) ?? 0) + i.quantity);
    }
    for (const [id, q] of wanted) {
      const item = o.items.find((x) => x.orderItemId === id)!;
      const open = item.quantity - item.quantityShipped;
      if (open <= 0) return bad("Failed to create package due to not finding a matching package or order already fulfilled.");
      if (q > open) return bad(`Quantity ${q} of order item ${id} is more than the ${open} not shipped yet.`);
    }
    // Accepted: ship the quantities, book the money of what shipped, notify.
    const shippedPart = o.items
      .filter((i) => wanted.has(i.orderItemId))
      .map((i) => ({ ...i, quantityShipped: wanted.get(i.orderItemId)! }));
    for (const i of o.items) if (wanted.has(i.orderItemId)) i.quantityShipped += wanted.get(i.orderItemId)!;
    o.status = o.items.every((i) => i.quantityShipped >= i.quantity) ? "Shipped" : "PartiallyShipped";
    o.lastUpdateDate = this.ctx.now();
    this.ctx.data.events.push(
      ...shipmentEvents(
        { ...o, status: "PartiallyShipped", items: shippedPart },
        o.lastUpdateDate,
        `D${this.ctx.nextSeq()}${rec.packageReferenceId}`,
      ),
    );
    this.changed(o);
    return [204, undefined];
  }
}
