/**
 * The ports of the returns flow, shaped by what it needs. Their adapters on the SP-API client and the D365
 * connector are in src/wiring/adapters/ (amazon-returns.ts, d365-return-orders.ts); tests use fakes.
 */
import type { ReturnMappings } from "../../mapping/returns";
import type { Mappings } from "../../mapping/mappings";
import type { BlobStore, Clock, MessageBus, StateStore, Telemetry } from "../../platform/ports";
import type { AmazonReturn, RefundEvent } from "./model";
import type { ReturnsReportKind } from "./report-parser";
import type { ReturnOrderHeaderDraft, ReturnOrderLineDraft } from "./transform";

/** Amazon's returns reports: requested for a window and a marketplace, polled, downloaded. */
export interface ReturnsReports {
  /** createReport; returns the report id. */
  requestReport(q: { kind: ReturnsReportKind; marketplaceId: string; from: string; to: string }): Promise<string>;
  /** getReport: IN_QUEUE, IN_PROGRESS, DONE, CANCELLED (no data) or FATAL, and the document once DONE. */
  reportStatus(reportId: string): Promise<{ processingStatus: string; reportDocumentId?: string }>;
  /** The document as bytes (its URL is fetched right before the download: it expires after 5 minutes). */
  downloadReport(reportDocumentId: string): Promise<Uint8Array>;
}

/** Refunds Amazon posted in a window (Finances), in the flow's refund model. */
export interface AmazonRefunds {
  refunds(q: { postedAfter: string; postedBefore: string }): Promise<RefundEvent[]>;
}

/**
 * Returns of MCF orders. Fulfillment Outbound has no listReturns for MCF: an MCF order's returns are the
 * `returnItems` of the fulfillment order, so this lists the MCF orders updated since a time and reads them.
 */
export interface McfReturnsSource {
  returnsSince(since: string): Promise<AmazonReturn[]>;
}

/** The D365 sales order a return belongs to. */
export interface SalesOrderForReturn {
  dataAreaId: string;
  salesOrderNumber: string;
  customerAccount: string;
  /** The sales order's own reference: the Amazon order id (an MCF order's: what the channel that sold it put there). */
  customersOrderReference?: string;
  currency?: string;
  shippingWarehouseId?: string;
  shippingSiteId?: string;
  lines: { itemNumber: string; salesPrice?: string; salesUnit?: string }[];
}

export interface ReturnOrderRef {
  dataAreaId: string;
  returnOrderNumber: string;
  rmaNumber?: string;
}

export interface ReturnOrderLineRef {
  itemNumber: string;
  /** The Amazon SKU the app wrote in ExternalItemNumber. */
  externalItemNumber?: string;
  inventoryLotId: string;
}

/** D365 sales orders and return orders (SalesOrderHeadersV4/LinesV3, ReturnOrderHeadersV2/LinesV2). */
export interface D365ReturnOrders {
  /** The sales order whose CustomersOrderReference is the Amazon order id, in the first company that has it. */
  findSalesOrder(companies: string[], amazonOrderId: string): Promise<SalesOrderForReturn | undefined>;
  /** The sales order an MCF order was sent for (CustomerRequisitionNumber, else SalesOrderNumber = the MCF order id). */
  findMcfSalesOrder(companies: string[], sellerFulfillmentOrderId: string): Promise<SalesOrderForReturn | undefined>;
  /** The return order of one Amazon return: CustomersOrderReference and CustomerRequisitionNumber. */
  findReturnOrder(
    dataAreaId: string,
    customersOrderReference: string,
    customerRequisitionNumber: string,
  ): Promise<ReturnOrderRef | undefined>;
  createReturnOrder(header: ReturnOrderHeaderDraft): Promise<ReturnOrderRef>;
  returnOrderLines(dataAreaId: string, returnOrderNumber: string): Promise<ReturnOrderLineRef[]>;
  /** All lines in one atomic changeset. */
  createReturnLines(dataAreaId: string, returnOrderNumber: string, lines: ReturnOrderLineDraft[]): Promise<ReturnOrderLineRef[]>;
}

export interface ImportReturnDeps {
  d365: D365ReturnOrders;
  state: StateStore;
  /** Marketplaces and the SKU cross-reference. */
  mappings: Mappings;
  /** mappings/returns.json, read on each import so that an added code applies to the next replay. */
  returnMappings: () => ReturnMappings;
  bus: MessageBus;
  queue: string;
  clock: Clock;
  log: Telemetry;
  /** How long a return waits for the orders flow to import its sales order before it goes to review. */
  orderWaitMinutes: number;
  leaseMs?: number;
}

export interface SyncDeps {
  reports: ReturnsReports;
  refunds: AmazonRefunds;
  mcf?: McfReturnsSource;
  state: StateStore;
  blobs: BlobStore;
  bus: MessageBus;
  queue: string;
  clock: Clock;
  log: Telemetry;
  /** A return without a refund, or a refund without a return, is listed for review after this many days. */
  reviewAfterDays: number;
}
