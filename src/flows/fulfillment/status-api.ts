/**
 * What the HTTP API says about fulfillment (GET /api/fulfillment/orders/{salesOrderNumber}, GET
 * /api/fulfillment/orders?status=, GET /api/shipments/{salesOrderNumber}), and the use cases behind the
 * POST endpoints: note that the order was asked for and put its request on the fulfillment queue (the
 * status URL answers 202 until the request was handled). No buyer PII in any answer.
 */
import type { FulfillmentFile } from "../../mapping/fulfillment";
import type { Clock } from "../../platform/clock";
import type { MessageBus } from "../../platform/ports";
import { validationFromZod } from "../../platform/trigger-adapters";
import { CompanyParam, type FulfillmentOrderView, SalesOrderNumberParam, type ShipmentsView } from "./api";
import type { McfRecord, McfRecordStatus, McfRecords } from "./mcf-records";
import { enqueueFulfillment } from "./requests";
import { mcfIdFor } from "./send-to-mcf";
import type { OrderStatusRow, ShipmentLedger } from "./shipment-ledger";

/** The D365 order an HTTP route names: {salesOrderNumber} and ?company= (default: the configured D365_COMPANY). */
export function orderRoute(
  request: { params: Record<string, string | undefined>; query: { get(name: string): string | null } },
  defaultCompany: string,
): { company: string; salesOrderNumber: string } {
  const so = SalesOrderNumberParam.safeParse(request.params.salesOrderNumber);
  if (!so.success) throw validationFromZod(so.error, "sales order number");
  const company = CompanyParam.safeParse(request.query.get("company") ?? defaultCompany);
  if (!company.success) throw validationFromZod(company.error, "company");
  return { company: company.data.toLowerCase(), salesOrderNumber: so.data };
}

export function orderView(r: McfRecord): FulfillmentOrderView {
  return {
    salesOrderNumber: r.salesOrderNumber,
    dataAreaId: r.company,
    sellerFulfillmentOrderId: r.sellerFulfillmentOrderId,
    status: r.status,
    amazonStatus: r.amazonStatus ?? null,
    shipments: r.packages.map((p) => ({
      carrier: p.carrier,
      carrierCode: p.carrierCode,
      trackingNumber: p.trackingNumber ?? null,
      trackingUrl: p.trackingUrl ?? null,
      shippedAt: p.shippedAt ?? null,
      deliveryStatus: p.status ?? null,
      deliveredAt: p.deliveredAt ?? null,
      packingSlipNumber: p.trackingWritten ? (p.packingSlipNumber ?? null) : null,
      lines: p.lines.map((l) => ({ itemNumber: l.itemNumber, quantity: l.quantity })),
    })),
    awaitingPackingSlip: r.packages.filter((p) => p.trackingNumber && !p.trackingWritten).length,
    lastError: r.lastError ?? null,
    updatedAt: r.updatedAt,
    pending: !!r.queuedAt || r.status === "queued" || r.status === "creating",
  };
}

export async function fulfillmentOrder(
  records: McfRecords,
  company: string,
  salesOrderNumber: string,
): Promise<FulfillmentOrderView | undefined> {
  const r = await records.getByOrder(company, salesOrderNumber);
  return r ? orderView(r) : undefined;
}

/** Records by status (all when absent), newest first, at most `top`. */
export async function fulfillmentOrders(
  records: McfRecords,
  query: { status?: McfRecordStatus; company?: string; top?: number },
): Promise<{ orders: FulfillmentOrderView[]; truncated: boolean }> {
  const out: McfRecord[] = [];
  for await (const r of records.list()) {
    if (query.status && r.status !== query.status) continue;
    if (query.company && r.company !== query.company.toLowerCase()) continue;
    out.push(r);
  }
  out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  const top = query.top ?? 200;
  return { orders: out.slice(0, top).map(orderView), truncated: out.length > top };
}

export interface RequestDeps {
  records: McfRecords;
  ledger: ShipmentLedger;
  rules: FulfillmentFile;
  bus: MessageBus;
  queue: string;
  clock: Clock;
}

/** POST /api/fulfillment/orders/{salesOrderNumber}: send (or follow) the order now. */
export async function requestMcf(
  order: { company: string; salesOrderNumber: string },
  deps: RequestDeps,
): Promise<{ view: FulfillmentOrderView; messageId: string }> {
  const company = order.company.toLowerCase();
  const id = (await deps.records.idOf(company, order.salesOrderNumber)) ?? mcfIdFor(deps.rules, company, order.salesOrderNumber);
  const record = await deps.records.noteQueued(id, { company, salesOrderNumber: order.salesOrderNumber });
  const { messageId } = await enqueueFulfillment(
    deps,
    { kind: "order", company, salesOrderNumber: order.salesOrderNumber, intent: "mcf", source: "http", force: true },
    `http:${company}/${order.salesOrderNumber}:${deps.clock.now().getTime()}`,
  );
  return { view: orderView(record), messageId };
}

export async function shipmentsOf(ledger: ShipmentLedger, company: string, salesOrderNumber: string): Promise<ShipmentsView | undefined> {
  const c = company.toLowerCase();
  const status: OrderStatusRow | undefined = await ledger.orderStatus(c, salesOrderNumber);
  if (!status) return undefined;
  const entries = status.amazonOrderId ? await ledger.entries(status.amazonOrderId) : [];
  return {
    salesOrderNumber,
    dataAreaId: c,
    amazonOrderId: status.amazonOrderId ?? null,
    lastOutcome: status.lastOutcome ?? null,
    lastReason: status.lastReason || null,
    packages: entries.map((e) => ({
      packingSlipNumber: e.packingSlipNumber,
      packageReferenceId: e.packageReferenceId ?? null,
      status: e.status,
      carrierCode: e.carrierCode ?? null,
      carrierName: e.carrierName ?? null,
      trackingNumber: e.trackingNumber ?? null,
      shipDate: e.shipDate ?? null,
      items: e.items ?? [],
      lastError: e.lastError ?? null,
    })),
    pending: !!status.queuedAt && (!status.checkedAt || status.checkedAt < status.queuedAt),
  };
}

/** POST /api/shipments/{salesOrderNumber}/confirm: confirm the order's posted packing slips now. */
export async function requestShipmentConfirmation(
  order: { company: string; salesOrderNumber: string },
  deps: RequestDeps,
): Promise<{ messageId: string }> {
  const company = order.company.toLowerCase();
  await deps.ledger.noteQueued(company, order.salesOrderNumber);
  return enqueueFulfillment(
    deps,
    { kind: "order", company, salesOrderNumber: order.salesOrderNumber, intent: "shipments", source: "http", force: true },
    `http-confirm:${company}/${order.salesOrderNumber}:${deps.clock.now().getTime()}`,
  );
}
