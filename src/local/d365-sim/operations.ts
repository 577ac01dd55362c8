/**
 * What F&O does on its own, outside OData (posting jobs, warehouse work), for tests, the control API and the
 * local host: set or adjust on-hand, post inventory adjustment and counting journals, invoice a sales order
 * (SalesInvoiceHeadersV4, and the invoice-posted business event). Packing slips: fulfillment.ts.
 * Every row written fits the schema (store.system / store.put check it).
 */
import { Dec } from "../../platform/money";
import { businessEventsOf } from "./business-events";
import { odataError, writeFailed } from "./errors";
import { onHandRow } from "./seed/inventory";
import { entity, type Row, type SimStore } from "./store";

function dec(v: unknown): Dec {
  return v === undefined || v === null || v === "" ? new Dec(0) : new Dec(String(v));
}

function same(a: unknown, b: unknown): boolean {
  return String(a ?? "").toLowerCase() === String(b ?? "").toLowerCase();
}

function today(now: Date): string {
  return `${now.toISOString().slice(0, 10)}T12:00:00Z`;
}

/** Sets on-hand (and reserved) of an item in a warehouse; available = on hand - reserved. */
export function setOnHand(store: SimStore, company: string, itemNumber: string, warehouseId: string, quantity: number, reserved = 0): Row {
  const c = company.toLowerCase();
  const wh = store.find("Warehouses", { dataAreaId: c, WarehouseId: warehouseId });
  if (!wh) throw odataError(404, `Warehouse ${warehouseId} does not exist in ${c}.`);
  const product = store.find("ReleasedProductsV2", { dataAreaId: c, ItemNumber: itemNumber });
  if (!product) throw odataError(404, `Released product ${itemNumber} does not exist in ${c}.`);
  const row = onHandRow(
    c,
    String(product.ItemNumber),
    String(product.SearchName ?? itemNumber),
    String(wh.OperationalSiteId),
    String(wh.WarehouseId),
    quantity,
    reserved,
  );
  const def = entity("WarehousesOnHandV2");
  const key = store.keyString(def, row);
  const t = store.table("WarehousesOnHandV2");
  const existing = t.get(key);
  if (existing) return store.system("WarehousesOnHandV2", existing, row);
  return store.put("WarehousesOnHandV2", row, "on-hand");
}

/** Adds `delta` (negative to remove) to on-hand of an item in a warehouse, keeping what is reserved. */
export function adjustOnHand(store: SimStore, company: string, itemNumber: string, warehouseId: string, delta: number): Row {
  const c = company.toLowerCase();
  const current = store
    .rows("WarehousesOnHandV2")
    .find((r) => r.dataAreaId === c && same(r.ItemNumber, itemNumber) && same(r.InventoryWarehouseId, warehouseId));
  const reserved = Number(current?.ReservedOnHandQuantity ?? 0);
  return setOnHand(store, c, itemNumber, warehouseId, Number(dec(current?.OnHandQuantity).plus(delta).toFixed()), reserved);
}

/**
 * Posts an inventory journal as F&O's posting does: an adjustment journal adds each entry's InventoryQuantity
 * to on-hand, a counting journal sets on-hand to each line's CountedQuantity. The header is then posted.
 */
export function postInventoryJournal(
  store: SimStore,
  company: string,
  journalNumber: string,
  now: Date,
): { kind: "adjustment" | "counting"; lines: number } {
  const c = company.toLowerCase();
  const key = { dataAreaId: c, JournalNumber: journalNumber };
  const adjustment = store.find("InventoryAdjustmentJournalHeaders", key);
  const counting = adjustment ? undefined : store.find("InventoryCountingJournalHeaders", key);
  const header = adjustment ?? counting;
  if (!header) throw odataError(404, `Inventory journal ${journalNumber} does not exist in ${c}.`);
  const headerSet = adjustment ? "InventoryAdjustmentJournalHeaders" : "InventoryCountingJournalHeaders";
  if (header.IsPosted === "Yes") throw writeFailed(entity(headerSet), `Error: Journal ${journalNumber} has already been posted.`);
  const lineSet = adjustment ? "InventoryAdjustmentJournalEntriesV2" : "InventoryCountingJournalLines";
  const lines = store.rows(lineSet).filter((l) => l.dataAreaId === c && same(l.JournalNumber, journalNumber));
  store.transaction(() => {
    for (const l of lines) {
      if (adjustment) adjustOnHand(store, c, String(l.ItemNumber), String(l.InventoryWarehouseId), Number(l.InventoryQuantity ?? 0));
      else {
        const reserved = store
          .rows("WarehousesOnHandV2")
          .find(
            (r) => r.dataAreaId === c && same(r.ItemNumber, l.ItemNumber) && same(r.InventoryWarehouseId, l.WarehouseId),
          )?.ReservedOnHandQuantity;
        setOnHand(store, c, String(l.ItemNumber), String(l.WarehouseId), Number(l.CountedQuantity ?? 0), Number(reserved ?? 0));
      }
    }
    store.system(headerSet, key, { IsPosted: "Yes", PostedDateTime: now.toISOString().replace(/\.\d{3}Z$/, "Z") });
  });
  return { kind: adjustment ? "adjustment" : "counting", lines: lines.length };
}

function salesOrder(store: SimStore, company: string, salesOrderNumber: string): Row {
  const order = store.find("SalesOrderHeadersV4", { dataAreaId: company, SalesOrderNumber: salesOrderNumber });
  if (!order) throw odataError(404, `Sales order ${salesOrderNumber} does not exist in ${company}.`);
  return order;
}

function orderLines(store: SimStore, company: string, salesOrderNumber: string): Row[] {
  return store.rows("SalesOrderLinesV3").filter((l) => l.dataAreaId === company && same(l.SalesOrderNumber, salesOrderNumber));
}

/**
 * Sets a sales order's status (header and lines), as posting would; `processingStatus` sets
 * SalesOrderProcessingStatus apart from it (a partly delivered order: Backorder / PartiallyDelivered).
 */
export function setSalesOrderStatus(
  store: SimStore,
  company: string,
  salesOrderNumber: string,
  status: "Backorder" | "Delivered" | "Invoiced" | "Canceled",
  processingStatus?: string,
): void {
  const c = company.toLowerCase();
  const order = salesOrder(store, c, salesOrderNumber);
  const processing =
    processingStatus ?? { Backorder: "Active", Delivered: "Delivered", Invoiced: "Invoiced", Canceled: "Canceled" }[status];
  store.system("SalesOrderHeadersV4", order, { SalesOrderStatus: status, SalesOrderProcessingStatus: processing });
  for (const l of orderLines(store, c, salesOrderNumber)) store.system("SalesOrderLinesV3", l, { SalesOrderLineStatus: status });
}

/** Invoices a sales order as posting its invoice does: Invoiced, and a SalesInvoiceHeadersV4 row with its totals. */
export function invoiceSalesOrder(store: SimStore, company: string, salesOrderNumber: string, now: Date): { invoiceNumber: string } {
  const c = company.toLowerCase();
  const order = salesOrder(store, c, salesOrderNumber);
  if (order.SalesOrderStatus === "Invoiced" || order.SalesOrderStatus === "Canceled") {
    throw writeFailed(
      entity("SalesOrderHeadersV4"),
      `Error: Sales order ${salesOrderNumber} has status ${String(order.SalesOrderStatus)}; nothing to invoice.`,
    );
  }
  const lines = orderLines(store, c, salesOrderNumber);
  const charges = store.rows("SalesOrderHeaderChargesV2").filter((x) => x.dataAreaId === c && same(x.SalesOrderNumber, salesOrderNumber));
  const lineTotal = lines.reduce((s, l) => s.plus(dec(l.LineAmount)), new Dec(0));
  const chargeTotal = charges.reduce((s, x) => s.plus(dec(x.FixedChargeAmount)), new Dec(0));
  const invoiceNumber = store.nextNumber(c, "CustInvoiceId", (n) => `CIV-${String(n).padStart(6, "0")}`, 1);
  store.transaction(() => {
    store.put(
      "SalesInvoiceHeadersV4",
      {
        dataAreaId: c,
        InvoiceNumber: invoiceNumber,
        InvoiceDate: today(now),
        LedgerVoucher: invoiceNumber,
        SalesOrderNumber: String(order.SalesOrderNumber),
        CustomersOrderReference: String(order.CustomersOrderReference ?? ""),
        InvoiceCustomerAccountNumber: String(order.InvoiceCustomerAccountNumber ?? ""),
        CurrencyCode: String(order.CurrencyCode ?? ""),
        SalesOrderOriginCode: String(order.SalesOrderOriginCode ?? ""),
        DeliveryModeCode: String(order.DeliveryModeCode ?? ""),
        TotalChargeAmount: Number(chargeTotal.toFixed()),
        TotalInvoiceAmount: Number(lineTotal.plus(chargeTotal).toFixed()),
        TotalTaxAmount: 0,
      },
      "invoice",
    );
    setSalesOrderStatus(store, c, salesOrderNumber, "Invoiced");
    // F&O's documented "Invoice is created from a sales order" event and its contract.
    const total = Number(lineTotal.plus(chargeTotal).toFixed());
    store.afterCommit(() =>
      businessEventsOf(store).emit("SalesInvoicePostedBusinessEvent", c, {
        InvoiceAccount: String(order.InvoiceCustomerAccountNumber ?? ""),
        InvoiceId: invoiceNumber,
        SalesOrderId: String(order.SalesOrderNumber),
        InvoiceDate: `/Date(${Date.parse(today(now))})/`,
        InvoiceDueDate: `/Date(${Date.parse(today(now))})/`,
        InvoiceAmountInAccountingCurrency: total,
        InvoiceTaxAmount: 0,
        LegalEntity: c.toUpperCase(),
      }),
    );
  });
  return { invoiceNumber };
}

/** Sets a ledger period's status (Open, OnHold, Closed) for a legal entity: `month` is yyyy-MM of the demo calendar. */
export function setPeriodStatus(store: SimStore, company: string, month: string, status: "Open" | "OnHold" | "Closed"): void {
  if (!/^\d{4}-\d{2}$/.test(month)) throw odataError(400, `period "${month}" is not yyyy-MM`);
  const ledger = company.toUpperCase();
  const row = store
    .rows("LedgerFiscalPeriodsV2")
    .find((p) => p.LedgerName === ledger && p.YearName === month.slice(0, 4) && p.PeriodName === `Period ${Number(month.slice(5, 7))}`);
  if (!row) throw odataError(404, `Ledger ${ledger} has no period for ${month}.`);
  store.system("LedgerFiscalPeriodsV2", row, { PeriodStatus: status });
}

/** A query of the recurring "Post journals" batch job (late selection): journal name, description pattern, company. */
export interface PostingJobQuery {
  company: string;
  /** Journal name = this (absent: any). */
  journalName?: string;
  /** Description range as F&O's query ranges read it: text with * wildcards (absent: any). */
  description?: string;
}

/**
 * Runs the "Post journals" batch job once: every unposted journal the query selects is posted (each voucher must
 * balance, each date be in an open period); a journal that fails stays unposted with the reason, as the batch
 * job's log would say.
 */
export function runPostingJob(
  store: SimStore,
  q: PostingJobQuery,
): { posted: string[]; failed: { journalBatchNumber: string; error: string }[] } {
  const c = q.company.toLowerCase();
  const pattern = q.description
    ? new RegExp(
        `^${q.description
          .split("*")
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*")}$`,
        "i",
      )
    : undefined;
  const selected = store
    .rows("LedgerJournalHeaders")
    .filter(
      (h) =>
        h.dataAreaId === c &&
        h.IsPosted !== "Yes" &&
        (!q.journalName || same(h.JournalName, q.journalName)) &&
        (!pattern || pattern.test(String(h.Description ?? ""))),
    );
  const posted: string[] = [];
  const failed: { journalBatchNumber: string; error: string }[] = [];
  for (const h of selected) {
    const jbn = String(h.JournalBatchNumber);
    try {
      store.postJournal(c, jbn);
      posted.push(jbn);
    } catch (err) {
      const body = (err as { body?: { error?: { innererror?: { message?: string }; message?: string } } }).body;
      failed.push({ journalBatchNumber: jbn, error: body?.error?.innererror?.message ?? body?.error?.message ?? String(err) });
    }
  }
  return { posted, failed };
}
