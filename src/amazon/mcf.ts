/**
 * Multi-Channel Fulfillment (Fulfillment Outbound) in one version-neutral model.
 *
 * `client.mcf.preview / create / get / cancel / listUpdatedSince / tracking` speak Fulfillment Outbound
 * 2020-07-01 by default and 2026-07-04 when the client is built with `mcfApi: "2026-07-04"` (setting
 * SPAPI_MCF_API); both answers are converted to the same `McfOrder` / `McfPreview` / `McfTracking`, so a flow
 * never sees which version ran. Returns exist only in 2020-07-01 (2026-07-04 has no return operations), so
 * `returnReasonCodes` and `createReturn` always use it, in both modes. There is no `listReturns` for MCF in
 * either version: an MCF order's returns are the `returns` of `get` (2020-07-01 `returnItems`).
 *
 * Statuses are normalised to UPPER_SNAKE (`McfStatus`) whatever casing Amazon used — 2020-07-01 PascalCase,
 * 2026-07-04 UPPER_SNAKE with `COMPLETE_PARTIAL`, notifications in either (see docs/spapi.md).
 */
import { z } from "zod";
import { ConflictError, NotFoundError, ValidationError } from "../platform/errors";
import type { SpApiContext } from "./context";
import { isoDate } from "./context";
import * as W from "./mcf-wire";
import { Empty } from "./schemas";

export type McfApiVersion = "2020-07-01" | "2026-07-04";
export const MCF_API_VERSIONS = ["2020-07-01", "2026-07-04"] as const;

/** One status vocabulary for both versions and the notifications. */
export const MCF_STATUSES = [
  "NEW",
  "RECEIVED",
  "PLANNING",
  "PROCESSING",
  "COMPLETE",
  "COMPLETE_PARTIALLED",
  "CANCELLED",
  "UNFULFILLABLE",
  "INVALID",
] as const;
export type McfStatus = (typeof MCF_STATUSES)[number];
/** Statuses after which nothing changes any more (the follow-up can stop). */
export const MCF_FINAL_STATUSES: readonly McfStatus[] = ["COMPLETE", "COMPLETE_PARTIALLED", "CANCELLED", "UNFULFILLABLE", "INVALID"];

/**
 * Maps any spelling Amazon uses to McfStatus: `CompletePartialled` (2020-07-01), `COMPLETE_PARTIAL`
 * (2026-07-04), `COMPLETE_PARTIALLED` / `complete` (notifications); undefined for a value it does not know.
 */
export function normalizeMcfStatus(raw: string | undefined): McfStatus | undefined {
  if (!raw) return undefined;
  const k = raw.replace(/[^A-Za-z]/g, "").toUpperCase();
  const map: Record<string, McfStatus> = {
    NEW: "NEW",
    RECEIVED: "RECEIVED",
    PLANNING: "PLANNING",
    PROCESSING: "PROCESSING",
    COMPLETE: "COMPLETE",
    COMPLETEPARTIALLED: "COMPLETE_PARTIALLED",
    COMPLETEPARTIAL: "COMPLETE_PARTIALLED",
    CANCELLED: "CANCELLED",
    CANCELED: "CANCELLED",
    UNFULFILLABLE: "UNFULFILLABLE",
    INVALID: "INVALID",
  };
  return map[k];
}

export function isFinalMcfStatus(status: McfStatus): boolean {
  return MCF_FINAL_STATUSES.includes(status);
}

export type McfShipmentStatus = "PENDING" | "SHIPPED" | "CANCELLED";
export type ShippingSpeed = "Standard" | "Expedited" | "Priority" | "ScheduledDelivery";
export type FulfillmentPolicy = "FillOrKill" | "FillAll" | "FillAllAvailable";

export interface McfMoney {
  currencyCode: string;
  /** Decimal string. */
  amount: string;
}

/** A destination address (buyer PII: pass it through, never log or store it). */
export const McfAddress = z.object({
  name: z.string().min(1),
  addressLine1: z.string().min(1),
  addressLine2: z.string().optional(),
  addressLine3: z.string().optional(),
  city: z.string().optional(),
  districtOrCounty: z.string().optional(),
  stateOrRegion: z.string().optional(),
  postalCode: z.string().min(1),
  countryCode: z.string().length(2),
  phone: z.string().optional(),
});
export type McfAddress = z.infer<typeof McfAddress>;

const Money = z.object({ currencyCode: z.string().length(3), amount: z.string().regex(/^\d+(\.\d+)?$/) });

/**
 * sellerFulfillmentOrderId / orderId: at most 40 characters (both versions). We also keep to letters, digits,
 * '-', '_' and '.', the characters every marketplace accepts (Amazon does not publish the set).
 */
export const SellerFulfillmentOrderId = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z0-9._-]+$/, { error: "only letters, digits, '-', '_' and '.' are allowed" });

const McfItemInput = z.object({
  /** Seller's line id, unique within the order (sellerFulfillmentOrderItemId / lineItemId), ≤ 50 characters. */
  lineId: z.string().min(1).max(50),
  sku: z.string().min(1).max(50),
  quantity: z.number().int().positive(),
  declaredValue: Money.optional(),
  displayableComment: z.string().max(250).optional(),
  giftMessage: z.string().max(512).optional(),
});

export const McfPreviewInput = z.object({
  marketplaceId: z.string().min(1),
  destination: McfAddress,
  items: z.array(McfItemInput).min(1),
  /** Default: Standard, Expedited and Priority. */
  shippingSpeeds: z.array(z.enum(["Standard", "Expedited", "Priority", "ScheduledDelivery"])).optional(),
});
export type McfPreviewInput = z.input<typeof McfPreviewInput>;

export const McfCreateInput = z.object({
  sellerFulfillmentOrderId: SellerFulfillmentOrderId,
  marketplaceId: z.string().min(1),
  /** What the buyer sees as the order number (packing slip), ≤ 40 characters. */
  displayableOrderId: z.string().min(1).max(40),
  displayableOrderDate: z.union([z.string(), z.date()]),
  displayableOrderComment: z.string().max(750),
  shippingSpeed: z.enum(["Standard", "Expedited", "Priority", "ScheduledDelivery"]),
  /** Amazon's default is FillOrKill. */
  fulfillmentPolicy: z.enum(["FillOrKill", "FillAll", "FillAllAvailable"]).optional(),
  fulfillmentAction: z.enum(["Ship", "Hold"]).optional(),
  destination: McfAddress,
  notificationEmails: z.array(z.string().max(64)).optional(),
  items: z.array(McfItemInput).min(1),
});
export type McfCreateInput = z.input<typeof McfCreateInput>;

export interface McfPreview {
  shippingSpeed: ShippingSpeed;
  fulfillable: boolean;
  /** Amazon's order-level reasons, e.g. InvalidDestinationAddress, DeliverySLAUnavailable. */
  orderUnfulfillableReasons: string[];
  unfulfillableItems: { lineId: string; sku: string; quantity: number; reasons: string[] }[];
  /** Estimated fees (2020-07-01 names like FBAPerUnitFulfillmentFee; 2026-07-04 rollup types). */
  fees: { name: string; amount: McfMoney }[];
  shipments: {
    earliestShipAt?: string;
    latestShipAt?: string;
    earliestArrivalAt?: string;
    latestArrivalAt?: string;
    items: { lineId: string; sku: string; quantity: number }[];
  }[];
}

export interface McfPackage {
  /** 2020-07-01 packageNumber as text, or the 2026-07-04 packageId. */
  packageId: string;
  /** 2020-07-01 only: the number getPackageTrackingDetails takes. */
  packageNumber?: number;
  carrierCode: string;
  trackingNumber?: string;
  amazonTrackingNumber?: string;
  trackingUrl?: string;
  /** 2026-07-04 package status (IN_TRANSIT, DELIVERED, …); 2020-07-01: use `tracking`. */
  status?: string;
  estimatedArrivalAt?: string;
  deliveredAt?: string;
  items: { lineId: string; sku: string; quantity: number }[];
}

export interface McfShipment {
  amazonShipmentId: string;
  status: McfShipmentStatus;
  /** The raw status (CANCELLED_BY_FULFILLER vs CANCELLED_BY_SELLER matters for review). */
  rawStatus: string;
  fulfillmentCenterId: string;
  shippedAt?: string;
  estimatedArrivalAt?: string;
  items: { lineId: string; sku: string; quantity: number }[];
  packages: McfPackage[];
}

export interface McfReturnItem {
  sellerReturnItemId: string;
  lineId: string;
  amazonShipmentId: string;
  sellerReturnReasonCode: string;
  amazonReturnReasonCode?: string;
  /** New (authorised, not received yet) or Processed (received at the fulfillment center). */
  status: "New" | "Processed" | string;
  statusChangedAt: string;
  returnAuthorizationId?: string;
  /** Sellable, Defective, CustomerDamaged, CarrierDamaged, FulfillerDamaged. */
  receivedCondition?: string;
  fulfillmentCenterId?: string;
}

export interface McfOrder {
  sellerFulfillmentOrderId: string;
  status: McfStatus;
  /** Amazon's spelling, for logs. */
  rawStatus: string;
  marketplaceId?: string;
  /** 2020-07-01 only (2026-07-04 has no displayable order fields). */
  displayableOrderId?: string;
  receivedAt: string;
  statusUpdatedAt?: string;
  items: { lineId: string; sku: string; quantity: number; cancelledQuantity: number; unfulfillableQuantity: number }[];
  shipments: McfShipment[];
  /** 2020-07-01 returnItems (empty in 2026-07-04 mode). */
  returns: McfReturnItem[];
  returnAuthorizations: { returnAuthorizationId: string; amazonRmaId: string; fulfillmentCenterId: string; rmaPageUrl: string }[];
}

export interface McfOrderSummary {
  sellerFulfillmentOrderId: string;
  status: McfStatus;
  rawStatus: string;
  statusUpdatedAt?: string;
}

export interface McfTracking {
  packageId: string;
  carrierCode?: string;
  trackingNumber?: string;
  trackingUrl?: string;
  /** IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, UNDELIVERABLE, RETURNING, … (UPPER in both versions). */
  status?: string;
  shippedAt?: string;
  estimatedArrivalAt?: string;
  deliveredAt?: string;
  events: { at: string; code: string; description: string; city?: string; country?: string }[];
}

export interface McfReturnInput {
  sellerReturnItemId: string;
  lineId: string;
  amazonShipmentId: string;
  returnReasonCode: string;
  returnComment?: string;
}

export interface McfReturnResult {
  returnItems: McfReturnItem[];
  invalidReturnItems: { sellerReturnItemId: string; lineId: string; reasonCode: string; description: string }[];
  returnAuthorizations: McfOrder["returnAuthorizations"];
}

const TIER: Record<ShippingSpeed, string> = {
  Standard: "STANDARD",
  Expedited: "EXPEDITED",
  Priority: "PRIORITY",
  ScheduledDelivery: "SCHEDULED_DELIVERY",
};
const SPEED_OF_TIER: Record<string, ShippingSpeed> = Object.fromEntries(Object.entries(TIER).map(([k, v]) => [v, k as ShippingSpeed]));
const POLICY_2026: Record<FulfillmentPolicy, string> = {
  FillOrKill: "FILL_OR_KILL",
  FillAll: "FILL_ALL",
  FillAllAvailable: "FILL_ALL_AVAILABLE",
};

const qty = (v: string | undefined): number => (v === undefined ? 0 : Math.round(Number(v)));

function shipmentStatus(raw: string): McfShipmentStatus {
  const u = raw.toUpperCase();
  if (u === "SHIPPED") return "SHIPPED";
  if (u.startsWith("CANCELLED")) return "CANCELLED";
  return "PENDING"; // PENDING (2020-07-01), PROCESSING (2026-07-04)
}

function invalidInput(what: string, err: z.ZodError): ValidationError {
  const i = err.issues[0];
  return new ValidationError("spapi.invalidInput", `${what}: ${i?.path.join(".") || "(root)"} ${i?.message}`, {
    where: i?.path.join("."),
    details: { issues: err.issues.slice(0, 5).map((x) => ({ path: x.path.join("."), message: x.message })) },
  });
}

/** Converters from both wire versions to the neutral model (exported for tests and the simulator's self-checks). */
export const mcfFromWire = {
  preview2020(p: W.FulfillmentPreview2020): McfPreview {
    return {
      shippingSpeed: p.shippingSpeedCategory as ShippingSpeed,
      fulfillable: p.isFulfillable,
      orderUnfulfillableReasons: p.orderUnfulfillableReasons ?? [],
      unfulfillableItems: (p.unfulfillablePreviewItems ?? []).map((i) => ({
        lineId: i.sellerFulfillmentOrderItemId,
        sku: i.sellerSku,
        quantity: i.quantity,
        reasons: i.itemUnfulfillableReasons ?? [],
      })),
      fees: (p.estimatedFees ?? []).map((f) => ({ name: f.name, amount: { currencyCode: f.amount.currencyCode, amount: f.amount.value } })),
      shipments: (p.fulfillmentPreviewShipments ?? []).map((s) => ({
        earliestShipAt: s.earliestShipDate,
        latestShipAt: s.latestShipDate,
        earliestArrivalAt: s.earliestArrivalDate,
        latestArrivalAt: s.latestArrivalDate,
        items: s.fulfillmentPreviewItems.map((i) => ({ lineId: i.sellerFulfillmentOrderItemId, sku: i.sellerSku, quantity: i.quantity })),
      })),
    };
  },

  /** One McfPreview per requested speed; a constraint naming a SKU makes that SKU unfulfillable, any other the order. */
  preview2026(r: W.GetOrderPreviewResponse2026, input: z.output<typeof McfPreviewInput>): McfPreview[] {
    const speeds = input.shippingSpeeds ?? ["Standard", "Expedited", "Priority"];
    const lineOf = (sku: string) => input.items.find((i) => i.sku === sku);
    const constraints = r.constraints ?? [];
    const skuConstraints = constraints.filter((c) => c.details?.some((d) => d.type === "amazonSku"));
    const orderConstraints = constraints.filter((c) => !c.details?.some((d) => d.type === "amazonSku"));
    const unfulfillable = skuConstraints.flatMap((c) =>
      (c.details ?? [])
        .filter((d) => d.type === "amazonSku")
        .map((d) => ({ sku: d.value, code: c.code }))
        .filter((x) => lineOf(x.sku)),
    );
    return speeds.map((speed) => {
      const offers = r.plannedShipments.flatMap((s) =>
        (s.offers ?? [])
          .filter((o) => (o.fulfillmentConfiguration?.serviceLevel?.serviceTier ?? "STANDARD") === TIER[speed])
          .map((o) => ({ s, o })),
      );
      const tierUnavailable = orderConstraints.length > 0 || offers.length === 0;
      return {
        shippingSpeed: speed,
        fulfillable: !tierUnavailable && unfulfillable.length === 0,
        orderUnfulfillableReasons: orderConstraints.length
          ? orderConstraints.map((c) => c.code)
          : offers.length === 0 && r.plannedShipments.length > 0
            ? ["DeliverySLAUnavailable"]
            : [],
        unfulfillableItems: unfulfillable.map((u) => ({
          lineId: lineOf(u.sku)!.lineId,
          sku: u.sku,
          quantity: lineOf(u.sku)!.quantity,
          reasons: [u.code],
        })),
        fees: offers.flatMap(({ o }) =>
          (o.estimatedPrice?.rollupPrices ?? []).map((p) => ({
            name: p.type,
            amount: { currencyCode: p.value.currencyCode, amount: p.value.amount },
          })),
        ),
        shipments: offers.map(({ s, o }) => ({
          earliestShipAt: o.fulfillmentConfiguration?.serviceLevel?.shipInterval?.startTime,
          latestShipAt: o.fulfillmentConfiguration?.serviceLevel?.shipInterval?.endTime,
          earliestArrivalAt: o.fulfillmentConfiguration?.serviceLevel?.deliveryInterval?.startTime,
          latestArrivalAt: o.fulfillmentConfiguration?.serviceLevel?.deliveryInterval?.endTime,
          items: s.items.map((i) => ({
            lineId: lineOf(i.productIdentifier.amazonSku)?.lineId ?? i.productIdentifier.amazonSku,
            sku: i.productIdentifier.amazonSku,
            quantity: qty(i.amount.value),
          })),
        })),
      };
    });
  },

  order2020(r: W.GetFulfillmentOrderResult2020): McfOrder {
    const o = r.fulfillmentOrder;
    return {
      sellerFulfillmentOrderId: o.sellerFulfillmentOrderId,
      status: normalizeMcfStatus(o.fulfillmentOrderStatus) ?? "INVALID",
      rawStatus: o.fulfillmentOrderStatus,
      marketplaceId: o.marketplaceId,
      displayableOrderId: o.displayableOrderId,
      receivedAt: o.receivedDate,
      statusUpdatedAt: o.statusUpdatedDate,
      items: r.fulfillmentOrderItems.map((i) => ({
        lineId: i.sellerFulfillmentOrderItemId,
        sku: i.sellerSku,
        quantity: i.quantity,
        cancelledQuantity: i.cancelledQuantity,
        unfulfillableQuantity: i.unfulfillableQuantity,
      })),
      shipments: (r.fulfillmentShipments ?? []).map((s) => ({
        amazonShipmentId: s.amazonShipmentId,
        status: shipmentStatus(s.fulfillmentShipmentStatus),
        rawStatus: s.fulfillmentShipmentStatus,
        fulfillmentCenterId: s.fulfillmentCenterId,
        shippedAt: s.shippingDate,
        estimatedArrivalAt: s.estimatedArrivalDate,
        items: s.fulfillmentShipmentItem.map((i) => ({ lineId: i.sellerFulfillmentOrderItemId, sku: i.sellerSku, quantity: i.quantity })),
        packages: (s.fulfillmentShipmentPackage ?? []).map((p) => ({
          packageId: String(p.packageNumber),
          packageNumber: p.packageNumber,
          carrierCode: p.carrierCode,
          trackingNumber: p.trackingNumber,
          amazonTrackingNumber: p.amazonFulfillmentTrackingNumber,
          estimatedArrivalAt: p.estimatedArrivalDate,
          items: s.fulfillmentShipmentItem
            .filter((i) => i.packageNumber === p.packageNumber)
            .map((i) => ({ lineId: i.sellerFulfillmentOrderItemId, sku: i.sellerSku, quantity: i.quantity })),
        })),
      })),
      returns: r.returnItems.map((x) => ({
        sellerReturnItemId: x.sellerReturnItemId,
        lineId: x.sellerFulfillmentOrderItemId,
        amazonShipmentId: x.amazonShipmentId,
        sellerReturnReasonCode: x.sellerReturnReasonCode,
        amazonReturnReasonCode: x.amazonReturnReasonCode,
        status: x.status,
        statusChangedAt: x.statusChangedDate,
        returnAuthorizationId: x.returnAuthorizationId,
        receivedCondition: x.returnReceivedCondition,
        fulfillmentCenterId: x.fulfillmentCenterId,
      })),
      returnAuthorizations: r.returnAuthorizations.map((a) => ({
        returnAuthorizationId: a.returnAuthorizationId,
        amazonRmaId: a.amazonRmaId,
        fulfillmentCenterId: a.fulfillmentCenterId,
        rmaPageUrl: a.rmaPageURL,
      })),
    };
  },

  order2026(o: W.FulfillmentOrder2026): McfOrder {
    const raw = o.status ?? "PROCESSING";
    return {
      sellerFulfillmentOrderId: o.orderId,
      status: normalizeMcfStatus(raw) ?? "INVALID",
      rawStatus: raw,
      receivedAt: o.receiveTime,
      statusUpdatedAt: o.statusUpdateTime,
      items: o.lineItems.map((i) => ({
        lineId: i.lineItemId,
        sku: i.product.productIdentifier.amazonSku,
        quantity: qty(i.amount.value),
        cancelledQuantity: qty(i.cancelledAmount?.value),
        unfulfillableQuantity: qty(i.unfulfillableAmount?.value),
      })),
      shipments: (o.shipments ?? []).map((s) => {
        const item = (i: (typeof s.items)[number]) => ({
          lineId: i.lineItemId,
          sku: i.productIdentifier.amazonSku,
          quantity: qty(i.amount.value),
        });
        return {
          amazonShipmentId: s.amazonShipmentId,
          status: shipmentStatus(s.status),
          rawStatus: s.status,
          fulfillmentCenterId: s.amazonFacility.facilityId,
          shippedAt: s.shipTime,
          estimatedArrivalAt: s.deliveryTime,
          items: s.items.map(item),
          packages: (s.packages ?? []).map((p) => ({
            packageId: p.packageId,
            carrierCode: p.tracking?.carrier?.carrierCode ?? "",
            trackingNumber: p.tracking?.carrier?.trackingNumber,
            amazonTrackingNumber: p.tracking?.amazon?.trackingNumber,
            trackingUrl: p.tracking?.carrier?.trackingUrl ?? p.tracking?.amazon?.trackingUrl,
            status: p.status,
            deliveredAt: p.status === "DELIVERED" ? p.deliveryTime : undefined,
            estimatedArrivalAt: p.status === "DELIVERED" ? undefined : p.deliveryTime,
            items: s.items
              .filter((i) => i.packageId === p.packageId || (i.shipmentItemId && p.shipmentItemIds?.includes(i.shipmentItemId)))
              .map(item),
          })),
        };
      }),
      returns: [],
      returnAuthorizations: [],
    };
  },

  tracking2020(t: W.PackageTrackingDetails2020): McfTracking {
    return {
      packageId: String(t.packageNumber),
      carrierCode: t.carrierCode,
      trackingNumber: t.trackingNumber,
      trackingUrl: t.customerTrackingLink ?? t.carrierURL,
      status: t.currentStatus,
      shippedAt: t.shipDate,
      estimatedArrivalAt: t.estimatedArrivalDate,
      deliveredAt: t.currentStatus === "DELIVERED" ? t.trackingEvents?.find((e) => e.eventCode === "EVENT_301")?.eventDate : undefined,
      events: (t.trackingEvents ?? []).map((e) => ({
        at: e.eventDate,
        code: e.eventCode,
        description: e.eventDescription,
        city: e.eventAddress.city,
        country: e.eventAddress.country,
      })),
    };
  },
};

/** Request bodies for both versions (exported for tests). */
export const mcfToWire = {
  preview2020(i: z.output<typeof McfPreviewInput>): Record<string, unknown> {
    return {
      marketplaceId: i.marketplaceId,
      address: i.destination,
      items: i.items.map((x) => ({
        sellerSku: x.sku,
        sellerFulfillmentOrderItemId: x.lineId,
        quantity: x.quantity,
        ...(x.declaredValue ? { perUnitDeclaredValue: { currencyCode: x.declaredValue.currencyCode, value: x.declaredValue.amount } } : {}),
      })),
      shippingSpeedCategories: i.shippingSpeeds ?? ["Standard", "Expedited", "Priority"],
    };
  },
  preview2026(i: z.output<typeof McfPreviewInput>): Record<string, unknown> {
    return {
      fulfillmentConfiguration: {
        serviceLevel: { serviceTiers: (i.shippingSpeeds ?? ["Standard", "Expedited", "Priority"]).map((s) => TIER[s]) },
      },
      destination: { deliveryAddress: i.destination },
      lineItems: i.items.map((x) => ({
        product: { productIdentifier: { amazonSku: x.sku }, ...(x.declaredValue ? { perUnitDeclaredValue: x.declaredValue } : {}) },
        amount: { unit: "EACHES", value: String(x.quantity) },
      })),
    };
  },
  create2020(i: z.output<typeof McfCreateInput>): Record<string, unknown> {
    return {
      marketplaceId: i.marketplaceId,
      sellerFulfillmentOrderId: i.sellerFulfillmentOrderId,
      displayableOrderId: i.displayableOrderId,
      displayableOrderDate: isoDate(i.displayableOrderDate),
      displayableOrderComment: i.displayableOrderComment,
      shippingSpeedCategory: i.shippingSpeed,
      destinationAddress: i.destination,
      ...(i.fulfillmentAction ? { fulfillmentAction: i.fulfillmentAction } : {}),
      ...(i.fulfillmentPolicy ? { fulfillmentPolicy: i.fulfillmentPolicy } : {}),
      ...(i.notificationEmails?.length ? { notificationEmails: i.notificationEmails } : {}),
      items: i.items.map((x) => ({
        sellerSku: x.sku,
        sellerFulfillmentOrderItemId: x.lineId,
        quantity: x.quantity,
        ...(x.declaredValue ? { perUnitDeclaredValue: { currencyCode: x.declaredValue.currencyCode, value: x.declaredValue.amount } } : {}),
        ...(x.displayableComment ? { displayableComment: x.displayableComment } : {}),
        ...(x.giftMessage ? { giftMessage: x.giftMessage } : {}),
      })),
    };
  },
  /** 2026-07-04 has no displayable order id/date/comment nor notification e-mails at the top level; they are not sent. */
  create2026(i: z.output<typeof McfCreateInput>): Record<string, unknown> {
    return {
      orderId: i.sellerFulfillmentOrderId,
      fulfillmentConfiguration: {
        serviceLevel: { serviceTiers: [TIER[i.shippingSpeed]] },
        ...(i.fulfillmentAction ? { action: i.fulfillmentAction.toUpperCase() } : {}),
        ...(i.fulfillmentPolicy ? { policy: POLICY_2026[i.fulfillmentPolicy] } : {}),
      },
      destination: { deliveryAddress: i.destination },
      lineItems: i.items.map((x) => ({
        lineItemId: x.lineId,
        product: { productIdentifier: { amazonSku: x.sku }, ...(x.declaredValue ? { perUnitDeclaredValue: x.declaredValue } : {}) },
        amount: { unit: "EACHES", value: String(x.quantity) },
      })),
    };
  },
};

/** Amazon's answer to a second create with the same id (simulator: "already exists"): the order is there. */
function alreadyExists(err: unknown): boolean {
  return err instanceof ValidationError && /already exists/i.test(err.message);
}

export class McfApi {
  constructor(
    private readonly ctx: SpApiContext,
    /** The version preview/create/get/cancel/listUpdatedSince/tracking speak. */
    readonly version: McfApiVersion,
  ) {}

  /**
   * What Amazon would do with these items to this address, per shipping speed: fulfillable or not (with Amazon's
   * reasons per item and for the order, e.g. an address it cannot ship to), fees and delivery promises.
   * A preview never creates anything; it answers 200 even when nothing is fulfillable.
   */
  async preview(input: McfPreviewInput): Promise<McfPreview[]> {
    const parsed = McfPreviewInput.safeParse(input);
    if (!parsed.success) throw invalidInput("MCF preview", parsed.error);
    const i = parsed.data;
    if (this.version === "2026-07-04") {
      const r = await this.ctx.call("mcfGetOrderPreview2026", W.GetOrderPreviewResponse2026, { body: mcfToWire.preview2026(i) });
      return mcfFromWire.preview2026(r, i);
    }
    const r = await this.ctx.call("getFulfillmentPreview", W.GetFulfillmentPreviewResponse2020, { body: mcfToWire.preview2020(i) });
    return (r.payload.fulfillmentPreviews ?? []).map((p) => mcfFromWire.preview2020(p));
  }

  /**
   * Creates the fulfillment order. Amazon refuses a bad request (unknown SKU, an address it cannot ship to) with
   * a ValidationError carrying its errors. Creating an id that exists already throws ConflictError
   * `spapi.mcfOrderExists` — look the order up with `get` first, or treat that error as "done".
   */
  async create(input: McfCreateInput): Promise<void> {
    const parsed = McfCreateInput.safeParse(input);
    if (!parsed.success) throw invalidInput("MCF order", parsed.error);
    const i = parsed.data;
    try {
      if (this.version === "2026-07-04")
        await this.ctx.call("mcfCreateOrder2026", W.CreateOrderResponse2026, { body: mcfToWire.create2026(i) });
      else await this.ctx.call("createFulfillmentOrder", Empty, { body: mcfToWire.create2020(i) });
    } catch (err) {
      if (alreadyExists(err))
        throw new ConflictError("spapi.mcfOrderExists", `MCF order ${i.sellerFulfillmentOrderId} exists already at Amazon`, {
          details: (err as ValidationError).details,
          cause: err,
        });
      throw err;
    }
  }

  /** The order with items, shipments, packages (carrier, tracking) and returns; undefined when Amazon does not know it. */
  async get(sellerFulfillmentOrderId: string): Promise<McfOrder | undefined> {
    try {
      if (this.version === "2026-07-04") {
        const r = await this.ctx.call("mcfGetOrder2026", W.GetOrderResponse2026, { path: { orderId: sellerFulfillmentOrderId } });
        return mcfFromWire.order2026(r.order);
      }
      const r = await this.ctx.call("getFulfillmentOrder", W.GetFulfillmentOrderResponse2020, { path: { sellerFulfillmentOrderId } });
      return mcfFromWire.order2020(r.payload);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Asks Amazon to stop fulfilling the order; a ValidationError when it is too late (shipping started). */
  async cancel(sellerFulfillmentOrderId: string): Promise<void> {
    if (this.version === "2026-07-04") await this.ctx.call("mcfCancelOrder2026", Empty, { path: { orderId: sellerFulfillmentOrderId } });
    else await this.ctx.call("cancelFulfillmentOrder", Empty, { path: { sellerFulfillmentOrderId } });
  }

  /** Orders whose status changed since `since` (every page). */
  async listUpdatedSince(since: Date | string): Promise<McfOrderSummary[]> {
    const out: McfOrderSummary[] = [];
    let next: string | undefined;
    do {
      if (this.version === "2026-07-04") {
        const r = await this.ctx.call("mcfListOrders2026", W.ListOrdersResponse2026, {
          query: { updatedAfter: isoDate(since), shipments: "EXCLUDE", pageToken: next },
        });
        for (const o of r.orders) {
          const raw = o.status ?? "PROCESSING";
          out.push({
            sellerFulfillmentOrderId: o.orderId,
            status: normalizeMcfStatus(raw) ?? "INVALID",
            rawStatus: raw,
            statusUpdatedAt: o.statusUpdateTime,
          });
        }
        next = r.pagination?.nextToken;
      } else {
        const r = await this.ctx.call("listAllFulfillmentOrders", W.ListAllFulfillmentOrdersResponse2020, {
          query: next ? { nextToken: next } : { queryStartDate: isoDate(since) },
        });
        for (const o of r.payload.fulfillmentOrders ?? [])
          out.push({
            sellerFulfillmentOrderId: o.sellerFulfillmentOrderId,
            status: normalizeMcfStatus(o.fulfillmentOrderStatus) ?? "INVALID",
            rawStatus: o.fulfillmentOrderStatus,
            statusUpdatedAt: o.statusUpdatedDate,
          });
        next = r.payload.nextToken;
      }
    } while (next);
    return out;
  }

  /**
   * Where a package is. 2020-07-01: getPackageTrackingDetails(packageNumber); 2026-07-04: the package as the
   * order reports it (pass the order id). Undefined when Amazon does not know the package.
   */
  async tracking(pkg: { packageId: string; packageNumber?: number; sellerFulfillmentOrderId?: string }): Promise<McfTracking | undefined> {
    if (this.version === "2026-07-04") {
      if (!pkg.sellerFulfillmentOrderId) throw new ValidationError("spapi.invalidInput", "2026-07-04 tracking needs the order id");
      const o = await this.get(pkg.sellerFulfillmentOrderId);
      const s = o?.shipments.find((x) => x.packages.some((p) => p.packageId === pkg.packageId));
      const p = s?.packages.find((x) => x.packageId === pkg.packageId);
      if (!p || !s) return undefined;
      return {
        packageId: p.packageId,
        carrierCode: p.carrierCode,
        trackingNumber: p.trackingNumber,
        trackingUrl: p.trackingUrl,
        status: p.status,
        shippedAt: s.shippedAt,
        estimatedArrivalAt: p.estimatedArrivalAt,
        deliveredAt: p.deliveredAt,
        events: [],
      };
    }
    const packageNumber = pkg.packageNumber ?? Number(pkg.packageId);
    if (!Number.isInteger(packageNumber))
      throw new ValidationError("spapi.invalidInput", `package ${pkg.packageId} has no 2020-07-01 package number`);
    try {
      const r = await this.ctx.call("getPackageTrackingDetails", W.GetPackageTrackingDetailsResponse2020, { query: { packageNumber } });
      return mcfFromWire.tracking2020(r.payload);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Return reason codes Amazon accepts for a SKU (2020-07-01). */
  async returnReasonCodes(
    sellerSku: string,
    opts: { marketplaceId?: string; sellerFulfillmentOrderId?: string; language?: string } = {},
  ): Promise<{ code: string; description: string }[]> {
    const r = await this.ctx.call("listReturnReasonCodes", W.ListReturnReasonCodesResponse2020, {
      query: {
        sellerSku,
        marketplaceId: opts.marketplaceId,
        sellerFulfillmentOrderId: opts.sellerFulfillmentOrderId,
        language: opts.language,
      },
    });
    return (r.payload.reasonCodeDetails ?? []).map((d) => ({
      code: d.returnReasonCode,
      description: d.translatedDescription ?? d.description,
    }));
  }

  /** Authorises a consumer return of shipped items (2020-07-01); Amazon's RMA comes back in returnAuthorizations. */
  async createReturn(sellerFulfillmentOrderId: string, items: McfReturnInput[]): Promise<McfReturnResult> {
    if (!items.length) throw new ValidationError("spapi.invalidInput", "an MCF return needs at least one item");
    const r = await this.ctx.call("createFulfillmentReturn", W.CreateFulfillmentReturnResponse2020, {
      path: { sellerFulfillmentOrderId },
      body: {
        items: items.map((i) => ({
          sellerReturnItemId: i.sellerReturnItemId,
          sellerFulfillmentOrderItemId: i.lineId,
          amazonShipmentId: i.amazonShipmentId,
          returnReasonCode: i.returnReasonCode,
          ...(i.returnComment ? { returnComment: i.returnComment } : {}),
        })),
      },
    });
    const order = mcfFromWire.order2020({
      fulfillmentOrder: {
        sellerFulfillmentOrderId,
        marketplaceId: "",
        displayableOrderId: "",
        displayableOrderDate: "",
        displayableOrderComment: "",
        shippingSpeedCategory: "",
        destinationAddress: { name: "", addressLine1: "", postalCode: "", countryCode: "" },
        receivedDate: "",
        fulfillmentOrderStatus: "",
        statusUpdatedDate: "",
      },
      fulfillmentOrderItems: [],
      returnItems: r.payload.returnItems ?? [],
      returnAuthorizations: r.payload.returnAuthorizations ?? [],
    });
    return {
      returnItems: order.returns,
      invalidReturnItems: (r.payload.invalidReturnItems ?? []).map((x) => ({
        sellerReturnItemId: x.sellerReturnItemId,
        lineId: x.sellerFulfillmentOrderItemId,
        reasonCode: x.invalidItemReason.invalidItemReasonCode,
        description: x.invalidItemReason.description,
      })),
      returnAuthorizations: order.returnAuthorizations,
    };
  }

  /** The 2020-07-01 order exactly as Amazon sent it (for diagnostics; flows use `get`). */
  async getFulfillmentOrder2020(sellerFulfillmentOrderId: string): Promise<W.GetFulfillmentOrderResult2020> {
    return (await this.ctx.call("getFulfillmentOrder", W.GetFulfillmentOrderResponse2020, { path: { sellerFulfillmentOrderId } })).payload;
  }

  /** The 2026-07-04 order exactly as Amazon sent it (for diagnostics; flows use `get`). */
  async getOrder2026(orderId: string): Promise<W.FulfillmentOrder2026> {
    return (await this.ctx.call("mcfGetOrder2026", W.GetOrderResponse2026, { path: { orderId } })).order;
  }
}

export { SPEED_OF_TIER };
