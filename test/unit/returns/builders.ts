/**
 * Typed builders for the returns flow's tests: report rows as Amazon writes them (the column lists are the
 * connector's, src/amazon/reports.ts), and an in-memory D365 that behaves like the simulator for return
 * orders (numbers from a sequence, lines keyed by lot id, a hook to crash after a header).
 */
import { FBA_RETURNS_COLUMNS, FBM_RETURNS_COLUMNS } from "../../../src/amazon/reports";
import type { D365ReturnOrders, ReturnOrderLineRef, ReturnOrderRef, SalesOrderForReturn } from "../../../src/flows/returns/ports";
import type { ReturnOrderHeaderDraft, ReturnOrderLineDraft } from "../../../src/flows/returns/transform";

export type FbaRow = Partial<Record<(typeof FBA_RETURNS_COLUMNS)[number], string>>;
export type FbmRow = Partial<Record<(typeof FBM_RETURNS_COLUMNS)[number], string>>;

export function anFbaRow(over: FbaRow = {}): FbaRow {
  return {
    "return-date": "2026-11-12T10:00:00+00:00",
    "order-id": "111-0000001-0000001",
    sku: "DEMO-SPEAKER-BLK",
    asin: "B0DEMO0001",
    fnsku: "X0DEMO0001",
    "product-name": "Demo speaker",
    quantity: "1",
    "fulfillment-center-id": "PHX7",
    "detailed-disposition": "SELLABLE",
    reason: "UNWANTED_ITEM",
    status: "Unit returned to inventory",
    "license-plate-number": "LPNAAAA0001",
    "customer-comments": "",
    ...over,
  };
}

export function anFbmRow(over: FbmRow = {}): FbmRow {
  return {
    "Order ID": "111-0000002-0000002",
    "Order date": "2026-11-01",
    "Return request date": "2026-11-18",
    "Return request status": "Approved",
    "Amazon RMA ID": "DABCDEFGHRMA",
    "Merchant SKU": "DEMO-CHARGER-65W",
    ASIN: "B0DEMO0005",
    "Return quantity": "1",
    "Return Reason": "DEFECTIVE",
    "Currency code": "USD",
    "Refunded Amount": "43.25",
    ...over,
  };
}

/** A tab-separated report with the given header (default: Amazon's) and rows. */
export function report<C extends string>(columns: readonly C[], rows: Partial<Record<C, string>>[], eol = "\n"): string {
  return [columns.join("\t"), ...rows.map((r) => columns.map((c) => r[c] ?? "").join("\t"))].join(eol) + eol;
}

export const fbaReport = (rows: FbaRow[], columns: readonly string[] = FBA_RETURNS_COLUMNS) =>
  report(columns, rows as Record<string, string>[]);
export const fbmReport = (rows: FbmRow[], columns: readonly string[] = FBM_RETURNS_COLUMNS) =>
  report(columns, rows as Record<string, string>[]);

export function aSalesOrder(over: Partial<SalesOrderForReturn> = {}): SalesOrderForReturn {
  return {
    dataAreaId: "usmf",
    salesOrderNumber: "000123",
    customerAccount: "AMZ-US",
    currency: "USD",
    shippingWarehouseId: "FBA-US",
    shippingSiteId: "FBA",
    lines: [
      { itemNumber: "D0001", salesPrice: "54.11", salesUnit: "ea" },
      { itemNumber: "D0006", salesPrice: "39.00", salesUnit: "ea" },
    ],
    ...over,
  };
}

interface FakeHeader extends ReturnOrderHeaderDraft {
  ReturnOrderNumber: string;
  RMANumber: string;
}
interface FakeLine extends ReturnOrderLineDraft {
  ReturnOrderNumber: string;
  ReturnInventoryLotId: string;
}

/** An in-memory D365 for return orders; `crashAfterHeader` throws after D365 committed a header (a dying worker). */
export class FakeD365Returns implements D365ReturnOrders {
  readonly salesOrders = new Map<string, SalesOrderForReturn>();
  readonly headers: FakeHeader[] = [];
  readonly lines: FakeLine[] = [];
  readonly calls: string[] = [];
  crashAfterHeader = 0;
  failLines = 0;
  private seq = 700;

  async findSalesOrder(_companies: string[], amazonOrderId: string): Promise<SalesOrderForReturn | undefined> {
    this.calls.push("findSalesOrder");
    return this.salesOrders.get(amazonOrderId);
  }
  async findMcfSalesOrder(_companies: string[], id: string): Promise<SalesOrderForReturn | undefined> {
    this.calls.push("findMcfSalesOrder");
    return this.salesOrders.get(id);
  }
  async findReturnOrder(dataAreaId: string, ref: string, requisition: string): Promise<ReturnOrderRef | undefined> {
    this.calls.push("findReturnOrder");
    const h = this.headers.find(
      (x) => x.dataAreaId === dataAreaId && x.CustomersOrderReference === ref && x.CustomerRequisitionNumber === requisition,
    );
    return h ? { dataAreaId: h.dataAreaId, returnOrderNumber: h.ReturnOrderNumber, rmaNumber: h.RMANumber } : undefined;
  }
  async createReturnOrder(header: ReturnOrderHeaderDraft): Promise<ReturnOrderRef> {
    this.calls.push("createReturnOrder");
    const n = ++this.seq;
    const row = { ...header, ReturnOrderNumber: String(n).padStart(6, "0"), RMANumber: `RMA-${n}` };
    this.headers.push(row);
    if (this.crashAfterHeader > 0) {
      this.crashAfterHeader--;
      throw new Error("connection reset after D365 committed the header");
    }
    return { dataAreaId: row.dataAreaId, returnOrderNumber: row.ReturnOrderNumber, rmaNumber: row.RMANumber };
  }
  async returnOrderLines(_dataAreaId: string, number: string): Promise<ReturnOrderLineRef[]> {
    this.calls.push("returnOrderLines");
    return this.lines
      .filter((l) => l.ReturnOrderNumber === number)
      .map((l) => ({ itemNumber: l.ItemNumber, externalItemNumber: l.ExternalItemNumber, inventoryLotId: l.ReturnInventoryLotId }));
  }
  async createReturnLines(_dataAreaId: string, number: string, lines: ReturnOrderLineDraft[]): Promise<ReturnOrderLineRef[]> {
    this.calls.push("createReturnLines");
    if (this.failLines > 0) {
      this.failLines--;
      throw new Error("D365 answered 503");
    }
    return lines.map((l) => {
      const row = { ...l, ReturnOrderNumber: number, ReturnInventoryLotId: `LOT-${this.lines.length + 1}` };
      this.lines.push(row);
      return { itemNumber: row.ItemNumber, externalItemNumber: row.ExternalItemNumber, inventoryLotId: row.ReturnInventoryLotId };
    });
  }
}
