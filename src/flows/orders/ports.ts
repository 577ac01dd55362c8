/**
 * The ports of the orders flow: small interfaces shaped by what the flow needs. Their adapters on the SP-API
 * and D365 connectors are in src/wiring/adapters/; unit tests use in-memory fakes.
 */
import type { AmazonOrder, AmazonOrderItem, AmazonOrderSummary, ShippingAddress } from "./amazon-order";
import type { SalesOrderChargeDraft, SalesOrderHeaderDraft, SalesOrderLineDraft } from "./transform";

/** Amazon's orders, in the flow's one order model (amazon-order.ts), whichever Orders API reads them. */
export interface AmazonOrders {
  /** The order. Throws NotFoundError for an unknown id. */
  getOrder(amazonOrderId: string): Promise<AmazonOrder>;
  /** Its items, every page. */
  getOrderItems(amazonOrderId: string): Promise<AmazonOrderItem[]>;
  /** The delivery address with a restricted data token (only when the seller has the PII roles and SPAPI_USE_RDT). */
  getOrderAddress?(amazonOrderId: string): Promise<ShippingAddress | undefined>;
  /** getOrders by LastUpdatedAfter/Before in one marketplace, every page. */
  listUpdatedOrders(query: { marketplaceId: string; lastUpdatedAfter: Date; lastUpdatedBefore: Date }): AsyncIterable<AmazonOrderSummary>;
  /**
   * Orders 2026-01-01 searchOrders by lastUpdatedAfter/Before in several marketplaces at once (at most 50),
   * every page. One call sequence for all of them: searchOrders allows one call per 180 s (burst 20).
   */
  searchUpdatedOrders(query: {
    marketplaceIds: string[];
    lastUpdatedAfter: Date;
    lastUpdatedBefore: Date;
  }): AsyncIterable<AmazonOrderSummary>;
}

/** SP-API reports, as the order backfill reads them (one flat-file report instead of one getOrder per order). */
export interface AmazonReports {
  /** createReport for a period and marketplaces; returns the report id. */
  requestReport(q: { reportType: string; marketplaceIds: string[]; from: string; to: string }): Promise<string>;
  /** getReport: IN_QUEUE, IN_PROGRESS, DONE, CANCELLED or FATAL, and the document once DONE. */
  reportStatus(reportId: string): Promise<{ processingStatus: string; reportDocumentId?: string }>;
  /** The document's text (its download URL is fetched right before: it expires after 5 minutes). */
  downloadReport(reportDocumentId: string): Promise<string>;
}

export interface D365SalesOrderRef {
  dataAreaId: string;
  SalesOrderNumber: string;
  CustomersOrderReference?: string;
  /** SalesStatus symbol: Backorder (open), Delivered, Invoiced, Canceled. */
  SalesOrderStatus?: string;
}

export interface D365SalesOrderLineRef {
  OrderLineReference?: string;
  CustomersLineNumber?: number;
  ItemNumber?: string;
  InventoryLotId?: string;
}

export interface D365SalesOrders {
  /** SalesOrderHeadersV4?$filter=dataAreaId eq .. and CustomersOrderReference eq .. (all matches). */
  findByCustomersOrderReference(dataAreaId: string, customersOrderReference: string): Promise<D365SalesOrderRef[]>;
  /** POST SalesOrderHeadersV4; returns the number D365 assigned. */
  createHeader(header: SalesOrderHeaderDraft): Promise<D365SalesOrderRef>;
  /** SalesOrderLinesV3 of one order. */
  listLines(dataAreaId: string, salesOrderNumber: string): Promise<D365SalesOrderLineRef[]>;
  /** POST SalesOrderLinesV3 for each line, batched ($batch); throws if any line failed. */
  createLines(dataAreaId: string, salesOrderNumber: string, lines: SalesOrderLineDraft[]): Promise<void>;
  /** Header charges (SalesOrderHeaderChargesV2) already on the order, by their Description key. */
  listChargeKeys?(dataAreaId: string, salesOrderNumber: string): Promise<string[]>;
  createCharges?(dataAreaId: string, salesOrderNumber: string, charges: SalesOrderChargeDraft[]): Promise<void>;
  /**
   * Cancels an open order as far as OData allows (there is no cancel action): "delete" deletes the open
   * order with its lines, "stop-processing" sets IsSalesProcessingStopped. "not-open": the order has
   * shipped or been invoiced and only a person (or a return order) can undo it.
   */
  cancel(dataAreaId: string, salesOrderNumber: string, mode: "delete" | "stop-processing"): Promise<"canceled" | "not-open">;
}
