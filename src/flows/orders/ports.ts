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

/** One write of a bulk $batch, per order: done, refused with D365's own message, or not run at all. */
export type BulkWrite<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: Error;
      /** D365 stopped the $batch at an earlier failing part and never ran this one: safe to send again. */
      notExecuted?: boolean;
    };

/** What cancelling an order in D365 did. */
export interface CancelResult {
  /** canceled: deleted or stopped; not-open: D365 has started to deliver or invoice it, or refused the delete. */
  outcome: "canceled" | "not-open";
  /** Why it is not open (the processing status, or D365's answer to the delete). */
  reason?: string;
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
   * order with its lines, "stop-processing" sets IsSalesProcessingStopped. "not-open": D365 has delivered
   * or invoiced some of it (SalesOrderProcessingStatus), or refused the delete; only a person (or a return
   * order) can undo it.
   */
  cancel(dataAreaId: string, salesOrderNumber: string, mode: "delete" | "stop-processing"): Promise<CancelResult>;
  /**
   * The state codes D365 knows for a country (its address states, by alpha-3 country id), read once and
   * kept. Absent: states are sent only for the US and Canada.
   */
  addressStates?(countryRegionId: string): Promise<ReadonlySet<string>>;

  // ---- bulk: many orders of one company in a few requests (import-orders-bulk.ts)

  /** Headers by CustomersOrderReference for many orders: one $batch of look-ups ($filter `or` groups within URL limits). */
  findByCustomersOrderReferences(dataAreaId: string, references: readonly string[]): Promise<Map<string, D365SalesOrderRef[]>>;
  /** The lines of many orders: one $batch of look-ups. */
  listLinesOfOrders(dataAreaId: string, salesOrderNumbers: readonly string[]): Promise<Map<string, D365SalesOrderLineRef[]>>;
  /** One header per order in one $batch, each in its own change set; per header in order. */
  createHeaders(headers: readonly SalesOrderHeaderDraft[]): Promise<BulkWrite<D365SalesOrderRef>[]>;
  /** The lines of several orders in one $batch, one change set per order (atomic per order); per order in order. */
  createLinesOfOrders(
    orders: readonly { dataAreaId: string; salesOrderNumber: string; lines: readonly SalesOrderLineDraft[] }[],
  ): Promise<BulkWrite<void>[]>;
}
