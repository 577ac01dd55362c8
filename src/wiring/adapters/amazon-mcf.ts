/**
 * The fulfillment flow's AmazonMcf port on the SP-API client's MCF area (`client.mcf`: Fulfillment Outbound
 * 2020-07-01, or 2026-07-04 behind SPAPI_MCF_API, both already in one model there): converts the flow's
 * request into the connector's input and the connector's order into the flow's model. Amazon's errors keep
 * their meaning (ValidationError for a refused request, ConflictError spapi.mcfOrderExists for an id it has).
 */
import type { McfApi, McfOrder, McfPreview as ConnectorPreview } from "../../amazon/mcf";
import type {
  McfOrderRequest,
  McfOrderState,
  McfOrderSummary,
  McfPackageTracking,
  McfPreview,
  ShippingSpeed,
} from "../../flows/fulfillment/model";
import type { AmazonMcf } from "../../flows/fulfillment/ports";

function previewOf(p: ConnectorPreview): McfPreview {
  return {
    shippingSpeed: p.shippingSpeed,
    fulfillable: p.fulfillable,
    orderUnfulfillableReasons: p.orderUnfulfillableReasons,
    unfulfillableItems: p.unfulfillableItems,
  };
}

export function orderStateOf(o: McfOrder): McfOrderState {
  return {
    sellerFulfillmentOrderId: o.sellerFulfillmentOrderId,
    status: o.status,
    rawStatus: o.rawStatus,
    ...(o.statusUpdatedAt ? { statusUpdatedAt: o.statusUpdatedAt } : {}),
    items: o.items.map((i) => ({
      lineId: i.lineId,
      sku: i.sku,
      quantity: i.quantity,
      cancelledQuantity: i.cancelledQuantity,
      unfulfillableQuantity: i.unfulfillableQuantity,
    })),
    shipments: o.shipments.map((s) => ({
      amazonShipmentId: s.amazonShipmentId,
      status: s.status,
      ...(s.shippedAt ? { shippedAt: s.shippedAt } : {}),
      items: s.items,
      packages: s.packages.map((p) => ({
        packageId: p.packageId,
        ...(p.packageNumber !== undefined ? { packageNumber: p.packageNumber } : {}),
        carrierCode: p.carrierCode,
        ...(p.trackingNumber ? { trackingNumber: p.trackingNumber } : {}),
        ...(p.amazonTrackingNumber ? { amazonTrackingNumber: p.amazonTrackingNumber } : {}),
        ...(p.trackingUrl ? { trackingUrl: p.trackingUrl } : {}),
        ...(p.status ? { status: p.status } : {}),
        ...(p.deliveredAt ? { deliveredAt: p.deliveredAt } : {}),
        items: p.items,
      })),
    })),
  };
}

export class SpApiMcf implements AmazonMcf {
  constructor(private readonly mcf: McfApi) {}

  get reportsPackageStatus(): boolean {
    return this.mcf.version === "2026-07-04";
  }

  async preview(input: Pick<McfOrderRequest, "marketplaceId" | "destination" | "items">, speed: ShippingSpeed): Promise<McfPreview> {
    const previews = await this.mcf.preview({
      marketplaceId: input.marketplaceId,
      destination: input.destination,
      items: input.items,
      shippingSpeeds: [speed],
    });
    const p = previews.find((x) => x.shippingSpeed === speed) ?? previews[0];
    return p
      ? previewOf(p)
      : { shippingSpeed: speed, fulfillable: false, orderUnfulfillableReasons: ["NoPreviewReturned"], unfulfillableItems: [] };
  }

  async create(r: McfOrderRequest): Promise<void> {
    await this.mcf.create({
      sellerFulfillmentOrderId: r.sellerFulfillmentOrderId,
      marketplaceId: r.marketplaceId,
      displayableOrderId: r.displayableOrderId,
      displayableOrderDate: r.displayableOrderDate,
      displayableOrderComment: r.displayableOrderComment,
      shippingSpeed: r.shippingSpeed,
      fulfillmentPolicy: r.fulfillmentPolicy,
      destination: r.destination,
      items: r.items,
    });
  }

  async get(id: string): Promise<McfOrderState | undefined> {
    const o = await this.mcf.get(id);
    return o ? orderStateOf(o) : undefined;
  }

  async cancel(id: string): Promise<void> {
    await this.mcf.cancel(id);
  }

  async listUpdatedSince(since: Date): Promise<McfOrderSummary[]> {
    return (await this.mcf.listUpdatedSince(since)).map((o) => ({
      sellerFulfillmentOrderId: o.sellerFulfillmentOrderId,
      status: o.status,
      ...(o.statusUpdatedAt ? { statusUpdatedAt: o.statusUpdatedAt } : {}),
    }));
  }

  async tracking(pkg: {
    packageId: string;
    packageNumber?: number;
    sellerFulfillmentOrderId: string;
  }): Promise<McfPackageTracking | undefined> {
    const t = await this.mcf.tracking(pkg);
    return t
      ? {
          ...(t.status ? { status: t.status } : {}),
          ...(t.trackingUrl ? { trackingUrl: t.trackingUrl } : {}),
          ...(t.deliveredAt ? { deliveredAt: t.deliveredAt } : {}),
        }
      : undefined;
  }
}
