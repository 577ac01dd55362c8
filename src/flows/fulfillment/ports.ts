/**
 * The ports of the fulfillment flow: small interfaces shaped by what MCF fulfillment and FBM shipment
 * confirmation need. Their adapters on the SP-API and D365 connectors are in src/wiring/adapters/
 * (amazon-mcf.ts, amazon-shipments.ts, d365-fulfillment.ts); unit tests use in-memory fakes.
 */
import type {
  McfOrderRequest,
  McfOrderState,
  McfOrderSummary,
  McfPackageTracking,
  McfPreview,
  PackingSlip,
  SalesOrderHeader,
  SalesOrderLine,
  ShipmentConfirmation,
  ShippingSpeed,
  TrackingRow,
} from "./model";

/** Amazon Multi-Channel Fulfillment (Fulfillment Outbound 2020-07-01 or 2026-07-04). */
export interface AmazonMcf {
  /** True when the order itself reports each package's delivery status (2026-07-04): no tracking call then. */
  readonly reportsPackageStatus: boolean;
  /** The preview for one speed (Amazon's reasons when it cannot ship). */
  preview(input: Pick<McfOrderRequest, "marketplaceId" | "destination" | "items">, speed: ShippingSpeed): Promise<McfPreview>;
  /**
   * Creates the order. Throws ConflictError with code `spapi.mcfOrderExists` when the id exists already,
   * ValidationError with Amazon's reason when Amazon refuses it (an address, a SKU).
   */
  create(request: McfOrderRequest): Promise<void>;
  /** The order, or undefined when Amazon does not know the id. */
  get(sellerFulfillmentOrderId: string): Promise<McfOrderState | undefined>;
  /** Cancels before shipping; ValidationError once Amazon has started shipping. */
  cancel(sellerFulfillmentOrderId: string): Promise<void>;
  /** Orders Amazon changed since a time (every page). */
  listUpdatedSince(since: Date): Promise<McfOrderSummary[]>;
  /** A package's tracking status and page. */
  tracking(pkg: { packageId: string; packageNumber?: number; sellerFulfillmentOrderId: string }): Promise<McfPackageTracking | undefined>;
}

/** FBM shipment confirmation (Orders v0 confirmShipment), one package per call. */
export interface AmazonShipmentConfirmations {
  /** "already-confirmed": Amazon answered that the package or the order was confirmed before (counts as done). */
  confirm(amazonOrderId: string, confirmation: ShipmentConfirmation): Promise<"confirmed" | "already-confirmed">;
}

/** What fulfillment reads and writes in D365. */
export interface D365Fulfillment {
  getOrder(company: string, salesOrderNumber: string): Promise<SalesOrderHeader | undefined>;
  getLines(company: string, salesOrderNumber: string): Promise<SalesOrderLine[]>;
  /**
   * Open orders (Backorder) of a legal entity that ship from one of `warehouses` or with one of
   * `modesOfDelivery` and have one of `processingStatuses`: the MCF candidates the safety net looks at.
   */
  findOpenOrders(query: {
    company: string;
    warehouses: string[];
    modesOfDelivery: string[];
    processingStatuses: string[];
  }): Promise<{ company: string; salesOrderNumber: string }[]>;
  /** The order's posted packing slips with their lines and tracking numbers, by number. */
  packingSlips(company: string, salesOrderNumber: string): Promise<PackingSlip[]>;
  /** Packing slips posted (created) since a time, in any legal entity: header facts only. */
  packingSlipsPostedSince(
    since: Date,
  ): Promise<{ company: string; salesOrderNumber: string; packingSlipNumber: string; customersOrderReference?: string }[]>;
  /** Sets the lines' "deliver now" quantities (SalesDeliverNow), absolute values. */
  setDeliverNow(company: string, salesOrderNumber: string, lines: { lotId: string; quantity: number }[]): Promise<void>;
  /** Adds PackingSlipTrackingInformation rows (a row that exists already is not an error). */
  addTracking(company: string, salesOrderNumber: string, rows: TrackingRow[]): Promise<void>;
  /** Puts a shipping carrier on the order header (ShippingCarrierId). */
  setShippingCarrier(company: string, salesOrderNumber: string, shippingCarrierId: string): Promise<void>;
  /** Stops the order's processing (IsSalesProcessingStopped = Yes): how the flow flags an order for a person. */
  stopProcessing(company: string, salesOrderNumber: string): Promise<void>;
}
