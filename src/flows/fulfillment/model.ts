/**
 * The fulfillment flow's own model: a D365 sales order as the flow reads it (header, lines, posted packing
 * slips), an MCF order as the flow sends and follows it (whichever Fulfillment Outbound version serves it),
 * and an FBM package as it is confirmed to Amazon. The adapters in src/wiring/adapters/ convert the wire
 * shapes into these; nothing here knows OData or SP-API JSON.
 */

/** Amazon's MCF order statuses, one vocabulary for both API versions (UPPER_SNAKE). */
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
export const FINAL_MCF_STATUSES: readonly McfStatus[] = ["COMPLETE", "COMPLETE_PARTIALLED", "CANCELLED", "UNFULFILLABLE", "INVALID"];
export function isFinal(status: McfStatus | undefined): boolean {
  return status !== undefined && FINAL_MCF_STATUSES.includes(status);
}

export type ShippingSpeed = "Standard" | "Expedited" | "Priority";
export type FulfillmentPolicy = "FillOrKill" | "FillAll" | "FillAllAvailable";

/** The delivery address of a D365 order (buyer PII: passed to Amazon, never stored or logged). */
export interface DeliveryAddress {
  name?: string;
  street?: string;
  city?: string;
  stateId?: string;
  zipCode?: string;
  /** Three letters (DeliveryAddressCountryRegionId), e.g. USA. */
  countryRegionId?: string;
  /** Two letters (DeliveryAddressCountryRegionISOCode), e.g. US. */
  countryIsoCode?: string;
}

/** A D365 sales order header, as far as fulfillment reads it. */
export interface SalesOrderHeader {
  company: string;
  salesOrderNumber: string;
  /** SalesStatus: Backorder (open), Delivered, Invoiced, Canceled. */
  status?: string;
  /** SalesOrderProcessingStatus: Active, Confirmed, PartiallyDelivered, ... */
  processingStatus?: string;
  /** IsSalesProcessingStopped = Yes. */
  stopped: boolean;
  customerAccount?: string;
  customersOrderReference?: string;
  originCode?: string;
  deliveryModeCode?: string;
  warehouseId?: string;
  shippingCarrierId?: string;
  currency?: string;
  createdAt?: string;
  deliveryAddress?: DeliveryAddress;
}

export interface SalesOrderLine {
  /** InventoryLotId (InventTransId): the line's identity, also the MCF line id. */
  lotId: string;
  lineNumber?: number;
  itemNumber: string;
  colorId?: string;
  sizeId?: string;
  styleId?: string;
  configurationId?: string;
  /** OrderedSalesQuantity in the sales unit. */
  quantity: number;
  unit?: string;
  warehouseId?: string;
  status?: string;
  /** SalesDeliverNow: what the next "Deliver now" packing slip posts. */
  deliverNow?: number;
  /** OrderLineReference: the Amazon OrderItemId on orders the orders flow imported. */
  orderLineReference?: string;
  /** ExternalItemNumber: the Amazon SellerSKU on orders the orders flow imported. */
  externalItemNumber?: string;
}

/** A posted packing slip (CustPackingSlipJour) with its lines and tracking numbers. */
export interface PackingSlip {
  packingSlipNumber: string;
  /** ISO date-time (F&O's date-only form, T12:00:00Z). */
  deliveryDate: string;
  shipCarrierId?: string;
  deliveryModeCode?: string;
  lines: { lotId: string; itemNumber: string; quantity: number }[];
  tracking: { trackingNumber: string; trackingUrl?: string }[];
}

/** A row of PackingSlipTrackingInformation to write. */
export interface TrackingRow {
  packingSlipNumber: string;
  deliveryDate: string;
  trackingNumber: string;
  trackingUrl?: string;
}

// ------------------------------------------------------------------------------------------- MCF

export interface McfDestination {
  name: string;
  addressLine1: string;
  addressLine2?: string;
  addressLine3?: string;
  city?: string;
  stateOrRegion?: string;
  postalCode: string;
  countryCode: string;
}

export interface McfItem {
  /** The D365 line (InventoryLotId). */
  lineId: string;
  sku: string;
  /** In Amazon units. */
  quantity: number;
}

export interface McfOrderRequest {
  sellerFulfillmentOrderId: string;
  marketplaceId: string;
  displayableOrderId: string;
  displayableOrderDate: string;
  displayableOrderComment: string;
  shippingSpeed: ShippingSpeed;
  fulfillmentPolicy: FulfillmentPolicy;
  destination: McfDestination;
  items: McfItem[];
}

export interface McfPreview {
  shippingSpeed: string;
  fulfillable: boolean;
  orderUnfulfillableReasons: string[];
  unfulfillableItems: { lineId: string; sku: string; quantity: number; reasons: string[] }[];
}

export interface McfPackageState {
  packageId: string;
  packageNumber?: number;
  carrierCode: string;
  trackingNumber?: string;
  amazonTrackingNumber?: string;
  trackingUrl?: string;
  status?: string;
  deliveredAt?: string;
  items: McfItem[];
}

export interface McfShipmentState {
  amazonShipmentId: string;
  status: "PENDING" | "SHIPPED" | "CANCELLED";
  shippedAt?: string;
  items: McfItem[];
  packages: McfPackageState[];
}

export interface McfOrderState {
  sellerFulfillmentOrderId: string;
  status: McfStatus;
  rawStatus: string;
  statusUpdatedAt?: string;
  items: { lineId: string; sku: string; quantity: number; cancelledQuantity: number; unfulfillableQuantity: number }[];
  shipments: McfShipmentState[];
}

export interface McfOrderSummary {
  sellerFulfillmentOrderId: string;
  status: McfStatus;
  statusUpdatedAt?: string;
}

export interface McfPackageTracking {
  /** IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED, UNDELIVERABLE, RETURNED, ... */
  status?: string;
  trackingUrl?: string;
  deliveredAt?: string;
}

// ------------------------------------------------------------------------------------------- FBM

export interface ShipmentConfirmation {
  marketplaceId: string;
  packageReferenceId: string;
  carrierCode: string;
  carrierName?: string;
  shippingMethod?: string;
  trackingNumber: string;
  shipDate: string;
  items: { orderItemId: string; quantity: number }[];
}
