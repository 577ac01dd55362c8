/**
 * What F&O does around shipping, for the fulfillment flow: post a packing slip (all or part of an order's
 * open quantities, with the shipping carrier, mode of delivery and tracking numbers, as the warehouse posts
 * it for an FBM order), the "Post packing slip" batch job with Quantity = "Deliver now" (what D365 runs for
 * MCF orders once the app has set the quantities Amazon shipped), posting the sales order confirmation, and
 * the demo company's alert rules that send business events (docs/fulfillment.md).
 *
 * Posted packing slips are read through CustPackingSlipJourBiEntities / CustPackingSlipTransBiEntities
 * (read-only, as in F&O); tracking numbers are PackingSlipTrackingInformation rows keyed by the packing slip.
 */
import { Dec } from "../../platform/money";
import { alertEvent } from "./business-events";
import { odataError, writeFailed } from "./errors";
import { adjustOnHand, setSalesOrderStatus } from "./operations";
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

/** The demo company's modes of delivery that mean "Amazon ships it" (its alert rules watch them). */
export const DEMO_MCF_MODES_OF_DELIVERY = ["MCF-STD", "MCF-EXP", "MCF-PRI"] as const;

/** Alert rule of the demo company: sales orders shipped by Amazon (mode of delivery MCF-*). */
function isDemoMcfOrder(order: Row): boolean {
  return DEMO_MCF_MODES_OF_DELIVERY.some((m) => same(m, order.DeliveryModeCode));
}

export interface PackingSlipLineInput {
  /** The sales line (InventTransId); or its ItemNumber when the order has one line of it. */
  InventoryLotId?: string;
  ItemNumber?: string;
  Quantity: number;
}

export interface PackingSlipInput {
  /** What to deliver; default every open quantity. */
  lines?: PackingSlipLineInput[];
  /** The shipping carrier on the packing slip (ShipCarrierId); default the order's ShippingCarrierId. */
  shipCarrierId?: string;
  /** The mode of delivery on the packing slip (DlvMode); default the order's DeliveryModeCode. */
  deliveryModeCode?: string;
  tracking?: { trackingNumber: string; trackingUrl?: string }[];
}

export interface PostedPackingSlip {
  packingSlipNumber: string;
  deliveryDate: string;
  lines: { InventoryLotId: string; ItemNumber: string; Quantity: number }[];
  /** The order is delivered in full. */
  delivered: boolean;
}

function order(store: SimStore, company: string, salesOrderNumber: string): Row {
  const o = store.find("SalesOrderHeadersV4", { dataAreaId: company, SalesOrderNumber: salesOrderNumber });
  if (!o) throw odataError(404, `Sales order ${salesOrderNumber} does not exist in ${company}.`);
  return o;
}

function linesOf(store: SimStore, company: string, salesOrderNumber: string): Row[] {
  return store.rows("SalesOrderLinesV3").filter((l) => l.dataAreaId === company && same(l.SalesOrderNumber, salesOrderNumber));
}

/** Quantity of a sales line already delivered by posted packing slips. */
function deliveredOf(store: SimStore, company: string, lotId: unknown): Dec {
  return store
    .rows("CustPackingSlipTransBiEntities")
    .filter((t) => t.dataAreaId === company && same(t.InventTransId, lotId))
    .reduce((s, t) => s.plus(dec(t.Qty)), new Dec(0));
}

/**
 * Posts a packing slip of an open order, as F&O's posting does: journal and lines (the BI entities), on-hand
 * out of each line's warehouse, line and order statuses (Delivered when everything is, else the order stays
 * open as PartiallyDelivered), "deliver now" quantities cleared, one PackingSlipTrackingInformation row per
 * tracking number, and the demo company's packing-slip alert as a business event.
 */
export function postPackingSlip(
  store: SimStore,
  company: string,
  salesOrderNumber: string,
  input: PackingSlipInput,
  now: Date,
): PostedPackingSlip {
  const c = company.toLowerCase();
  const header = order(store, c, salesOrderNumber);
  const def = entity("SalesOrderHeadersV4");
  if (header.SalesOrderStatus !== "Backorder")
    throw writeFailed(def, `Error: Sales order ${salesOrderNumber} has status ${String(header.SalesOrderStatus)}; nothing to deliver.`);
  if (header.IsSalesProcessingStopped === "Yes")
    throw writeFailed(def, `Error: Processing of sales order ${salesOrderNumber} is stopped; the packing slip cannot be posted.`);
  const lines = linesOf(store, c, salesOrderNumber);
  const open = lines.map((l) => ({ line: l, open: dec(l.OrderedSalesQuantity).minus(deliveredOf(store, c, l.InventoryLotId)) }));
  const wanted: { line: Row; qty: Dec }[] = [];
  if (!input.lines) {
    for (const o of open) if (o.open.gt(0)) wanted.push({ line: o.line, qty: o.open });
  } else {
    for (const w of input.lines) {
      const hit = open.find((o) =>
        w.InventoryLotId ? same(o.line.InventoryLotId, w.InventoryLotId) : same(o.line.ItemNumber, w.ItemNumber) && o.open.gt(0),
      );
      if (!hit)
        throw writeFailed(def, `Error: Sales order ${salesOrderNumber} has no open line ${w.InventoryLotId ?? w.ItemNumber ?? "(none)"}.`);
      const qty = dec(w.Quantity);
      if (qty.lte(0) || qty.gt(hit.open))
        throw writeFailed(
          def,
          `Error: Quantity ${qty.toFixed()} of line ${String(hit.line.InventoryLotId)} exceeds the open quantity ${hit.open.toFixed()}.`,
        );
      wanted.push({ line: hit.line, qty });
    }
  }
  if (wanted.length === 0) throw writeFailed(def, `Error: Sales order ${salesOrderNumber} has nothing left to deliver.`);

  const packingSlipNumber = store.nextNumber(c, "PackingSlipId", (n) => `PS-${String(n).padStart(6, "0")}`, 1);
  const deliveryDate = today(now);
  const createdOn = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  store.transaction(() => {
    const headerRec = Number(store.nextNumber(c, "CustPackingSlipJourRecId", String, 5637146001));
    store.put(
      "CustPackingSlipJourBiEntities",
      {
        dataAreaId: c,
        SourceDocumentHeader: headerRec,
        PackingSlipId: packingSlipNumber,
        SalesId: String(header.SalesOrderNumber),
        CustomerRef: String(header.CustomersOrderReference ?? ""),
        OrderAccount: String(header.OrderingCustomerAccountNumber ?? ""),
        DeliveryDate: deliveryDate,
        DlvMode: input.deliveryModeCode ?? String(header.DeliveryModeCode ?? ""),
        ShipCarrierId: input.shipCarrierId ?? String(header.ShippingCarrierId ?? ""),
        InventLocationId: String(header.DefaultShippingWarehouseId ?? ""),
        Qty: Number(wanted.reduce((s, w) => s.plus(w.qty), new Dec(0)).toFixed()),
        CreatedOn: createdOn,
      },
      "packing slip",
    );
    for (const w of wanted) {
      const lineRec = Number(store.nextNumber(c, "CustPackingSlipTransRecId", String, 5637152001));
      const ordered = dec(w.line.OrderedSalesQuantity);
      const remain = ordered.minus(deliveredOf(store, c, w.line.InventoryLotId)).minus(w.qty);
      store.put(
        "CustPackingSlipTransBiEntities",
        {
          dataAreaId: c,
          SourceDocumentLine: lineRec,
          PackingSlipId: packingSlipNumber,
          SalesId: String(header.SalesOrderNumber),
          ItemId: String(w.line.ItemNumber),
          InventTransId: String(w.line.InventoryLotId),
          Qty: Number(w.qty.toFixed()),
          Ordered: Number(ordered.toFixed()),
          Remain: Number(remain.toFixed()),
          SalesUnit: String(w.line.SalesUnitSymbol ?? ""),
          LineNum: Number(w.line.LineNumber ?? 0),
          DeliveryDate: deliveryDate,
          CreatedOn: createdOn,
        },
        "packing slip",
      );
      if (w.line.ShippingWarehouseId)
        adjustOnHand(store, c, String(w.line.ItemNumber), String(w.line.ShippingWarehouseId), -Number(w.qty.toFixed()));
      store.system("SalesOrderLinesV3", w.line, {
        SalesDeliverNow: 0,
        ...(remain.lte(0) ? { SalesOrderLineStatus: "Delivered" } : {}),
      });
    }
    const allDelivered = linesOf(store, c, salesOrderNumber).every((l) =>
      dec(l.OrderedSalesQuantity)
        .minus(deliveredOf(store, c, l.InventoryLotId))
        .lte(0),
    );
    if (allDelivered) setSalesOrderStatus(store, c, salesOrderNumber, "Delivered");
    else store.system("SalesOrderHeadersV4", header, { SalesOrderProcessingStatus: "PartiallyDelivered" });
    for (const t of input.tracking ?? []) {
      store.put(
        "PackingSlipTrackingInformation",
        {
          dataAreaId: c,
          SalesOrderNumber: String(header.SalesOrderNumber),
          PackingSlipNumber: packingSlipNumber,
          DeliveryDate: deliveryDate,
          TrackingNumber: t.trackingNumber,
          TrackingURL: t.trackingUrl ?? "",
        },
        "packing slip",
      );
    }
    alertEvent(store, c, {
      ruleId: "DEMO-PACKING-SLIP",
      tableName: "CustPackingSlipJour",
      tableLabel: "Packing slip journal",
      keyValue: String(header.SalesOrderNumber),
      subject: `Packing slip ${packingSlipNumber} posted for sales order ${String(header.SalesOrderNumber)}`,
    });
  });
  const delivered =
    store.find("SalesOrderHeadersV4", { dataAreaId: c, SalesOrderNumber: salesOrderNumber })?.SalesOrderStatus === "Delivered";
  return {
    packingSlipNumber,
    deliveryDate,
    lines: wanted.map((w) => ({
      InventoryLotId: String(w.line.InventoryLotId),
      ItemNumber: String(w.line.ItemNumber),
      Quantity: Number(w.qty.toFixed()),
    })),
    delivered,
  };
}

/**
 * D365's "Post packing slip" batch job with Quantity = "Deliver now" and late selection: one packing slip per
 * open order that has lines with a "deliver now" quantity (SalesDeliverNow), for exactly those quantities.
 */
export function runDeliverNowBatch(store: SimStore, now: Date, company?: string): PostedPackingSlip[] {
  const byOrder = new Map<string, { company: string; so: string; lines: PackingSlipLineInput[] }>();
  for (const l of store.rows("SalesOrderLinesV3")) {
    if (company && l.dataAreaId !== company.toLowerCase()) continue;
    if (dec(l.SalesDeliverNow).lte(0)) continue;
    const key = `${String(l.dataAreaId)}|${String(l.SalesOrderNumber)}`;
    const entry = byOrder.get(key) ?? { company: String(l.dataAreaId), so: String(l.SalesOrderNumber), lines: [] };
    entry.lines.push({ InventoryLotId: String(l.InventoryLotId), Quantity: Number(l.SalesDeliverNow) });
    byOrder.set(key, entry);
  }
  const posted: PostedPackingSlip[] = [];
  for (const e of byOrder.values()) {
    const h = store.find("SalesOrderHeadersV4", { dataAreaId: e.company, SalesOrderNumber: e.so });
    if (!h || h.SalesOrderStatus !== "Backorder" || h.IsSalesProcessingStopped === "Yes") continue;
    try {
      posted.push(postPackingSlip(store, e.company, e.so, { lines: e.lines }, now));
    } catch {
      // F&O's batch logs an order it cannot post (more than is open, say) and goes on with the next.
    }
  }
  return posted;
}

/** Posts the sales order confirmation: processing status Confirmed, and the demo alert for MCF orders. */
export function confirmSalesOrder(store: SimStore, company: string, salesOrderNumber: string): void {
  const c = company.toLowerCase();
  const header = order(store, c, salesOrderNumber);
  if (header.SalesOrderStatus !== "Backorder")
    throw writeFailed(
      entity("SalesOrderHeadersV4"),
      `Error: Sales order ${salesOrderNumber} has status ${String(header.SalesOrderStatus)}; it cannot be confirmed.`,
    );
  store.transaction(() => {
    store.system("SalesOrderHeadersV4", header, { SalesOrderProcessingStatus: "Confirmed" });
    if (isDemoMcfOrder(header)) mcfAlert(store, c, header, "confirmed");
  });
}

function mcfAlert(store: SimStore, company: string, header: Row, what: "created" | "confirmed"): void {
  alertEvent(store, company, {
    ruleId: what === "created" ? "DEMO-MCF-CREATED" : "DEMO-MCF-CONFIRMED",
    tableName: "SalesTable",
    tableLabel: "Sales orders",
    ...(what === "confirmed" ? { fieldName: "DocumentStatus", fieldLabel: "Document status" } : {}),
    keyValue: String(header.SalesOrderNumber),
    subject: `Sales order ${String(header.SalesOrderNumber)} ${what}`,
  });
}

/** After a sales order header was created over OData: the demo alert "MCF sales order created". */
export function afterSalesOrderCreated(store: SimStore, row: Row): void {
  if (isDemoMcfOrder(row)) mcfAlert(store, String(row.dataAreaId), row, "created");
}

/** The demo alert for a seeded order, as if it had just been created and confirmed. */
export function announceSeededOrder(store: SimStore, row: Row): void {
  if (!isDemoMcfOrder(row)) return;
  mcfAlert(store, String(row.dataAreaId), row, "created");
  if (row.SalesOrderProcessingStatus === "Confirmed") mcfAlert(store, String(row.dataAreaId), row, "confirmed");
}
