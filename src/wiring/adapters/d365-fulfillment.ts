/**
 * The fulfillment flow's D365Fulfillment port on the D365 OData client (src/d365):
 * - orders and lines: SalesOrderHeadersV4 and SalesOrderLinesV3 (the delivery address is read to send it to
 *   Amazon; it is buyer PII and goes nowhere else);
 * - posted packing slips: CustPackingSlipJourBiEntities and CustPackingSlipTransBiEntities (read-only BI
 *   entities; SalesId, PackingSlipId, DeliveryDate, ShipCarrierId, DlvMode, CustomerRef; lines with ItemId,
 *   InventTransId = the sales line's InventoryLotId, Qty) and their PackingSlipTrackingInformation rows;
 * - writes: SalesOrderLinesV3.SalesDeliverNow (what D365's "deliver now" packing slip job posts),
 *   PackingSlipTrackingInformation (one row per tracking number of a posted packing slip),
 *   SalesOrderHeadersV4.ShippingCarrierId and IsSalesProcessingStopped.
 * The two BI entities and the writability of SalesDeliverNow and PackingSlipTrackingInformation are
 * unverified against a sandbox (docs/fulfillment.md, "What to check in a sandbox").
 */
import type { D365Client } from "../../d365/client";
import { ConflictError } from "../../platform/errors";
import { DateLiteral, enumValue, f, type QueryOptions } from "../../d365/odata";
import type { PackingSlip, SalesOrderHeader, SalesOrderLine, TrackingRow } from "../../flows/fulfillment/model";
import type { D365Fulfillment } from "../../flows/fulfillment/ports";

const HEADER_FIELDS = [
  "dataAreaId",
  "SalesOrderNumber",
  "SalesOrderStatus",
  "SalesOrderProcessingStatus",
  "IsSalesProcessingStopped",
  "OrderingCustomerAccountNumber",
  "CustomersOrderReference",
  "SalesOrderOriginCode",
  "DeliveryModeCode",
  "DefaultShippingWarehouseId",
  "ShippingCarrierId",
  "CurrencyCode",
  "OrderCreationDateTime",
  "DeliveryAddressName",
  "DeliveryAddressStreet",
  "DeliveryAddressCity",
  "DeliveryAddressStateId",
  "DeliveryAddressZipCode",
  "DeliveryAddressCountryRegionId",
  "DeliveryAddressCountryRegionISOCode",
] as const;

const LINE_FIELDS = [
  "dataAreaId",
  "InventoryLotId",
  "SalesOrderNumber",
  "LineNumber",
  "ItemNumber",
  "ProductColorId",
  "ProductSizeId",
  "ProductStyleId",
  "ProductConfigurationId",
  "OrderedSalesQuantity",
  "SalesUnitSymbol",
  "ShippingWarehouseId",
  "SalesOrderLineStatus",
  "SalesDeliverNow",
  "OrderLineReference",
  "ExternalItemNumber",
] as const;

type Row = Record<string, unknown>;
const text = (v: unknown): string | undefined => (v === undefined || v === null || String(v).trim() === "" ? undefined : String(v));
const num = (v: unknown): number => (v === undefined || v === null || v === "" ? 0 : Number(v));

export function headerOf(r: Row): SalesOrderHeader {
  return {
    company: String(r.dataAreaId).toLowerCase(),
    salesOrderNumber: String(r.SalesOrderNumber),
    ...(text(r.SalesOrderStatus) ? { status: String(r.SalesOrderStatus) } : {}),
    ...(text(r.SalesOrderProcessingStatus) ? { processingStatus: String(r.SalesOrderProcessingStatus) } : {}),
    stopped: r.IsSalesProcessingStopped === "Yes",
    ...(text(r.OrderingCustomerAccountNumber) ? { customerAccount: String(r.OrderingCustomerAccountNumber) } : {}),
    ...(text(r.CustomersOrderReference) ? { customersOrderReference: String(r.CustomersOrderReference) } : {}),
    ...(text(r.SalesOrderOriginCode) ? { originCode: String(r.SalesOrderOriginCode) } : {}),
    ...(text(r.DeliveryModeCode) ? { deliveryModeCode: String(r.DeliveryModeCode) } : {}),
    ...(text(r.DefaultShippingWarehouseId) ? { warehouseId: String(r.DefaultShippingWarehouseId) } : {}),
    ...(text(r.ShippingCarrierId) ? { shippingCarrierId: String(r.ShippingCarrierId) } : {}),
    ...(text(r.CurrencyCode) ? { currency: String(r.CurrencyCode) } : {}),
    ...(text(r.OrderCreationDateTime) ? { createdAt: String(r.OrderCreationDateTime) } : {}),
    deliveryAddress: {
      name: text(r.DeliveryAddressName),
      street: text(r.DeliveryAddressStreet),
      city: text(r.DeliveryAddressCity),
      stateId: text(r.DeliveryAddressStateId),
      zipCode: text(r.DeliveryAddressZipCode),
      countryRegionId: text(r.DeliveryAddressCountryRegionId),
      countryIsoCode: text(r.DeliveryAddressCountryRegionISOCode),
    },
  };
}

export function lineOf(r: Row): SalesOrderLine {
  return {
    lotId: String(r.InventoryLotId),
    ...(r.LineNumber !== undefined && r.LineNumber !== null ? { lineNumber: num(r.LineNumber) } : {}),
    itemNumber: String(r.ItemNumber),
    ...(text(r.ProductColorId) ? { colorId: String(r.ProductColorId) } : {}),
    ...(text(r.ProductSizeId) ? { sizeId: String(r.ProductSizeId) } : {}),
    ...(text(r.ProductStyleId) ? { styleId: String(r.ProductStyleId) } : {}),
    ...(text(r.ProductConfigurationId) ? { configurationId: String(r.ProductConfigurationId) } : {}),
    quantity: num(r.OrderedSalesQuantity),
    ...(text(r.SalesUnitSymbol) ? { unit: String(r.SalesUnitSymbol) } : {}),
    ...(text(r.ShippingWarehouseId) ? { warehouseId: String(r.ShippingWarehouseId) } : {}),
    ...(text(r.SalesOrderLineStatus) ? { status: String(r.SalesOrderLineStatus) } : {}),
    deliverNow: num(r.SalesDeliverNow),
    ...(text(r.OrderLineReference) ? { orderLineReference: String(r.OrderLineReference) } : {}),
    ...(text(r.ExternalItemNumber) ? { externalItemNumber: String(r.ExternalItemNumber) } : {}),
  };
}

export class ODataFulfillment implements D365Fulfillment {
  constructor(private readonly client: D365Client) {}

  private orderFilter(company: string, field: "SalesOrderNumber" | "SalesId", salesOrderNumber: string): string {
    return f.and(f.eq("dataAreaId", company.toLowerCase()), f.eq(field, salesOrderNumber));
  }

  async getOrder(company: string, salesOrderNumber: string): Promise<SalesOrderHeader | undefined> {
    const row = await this.client.getByKey<Row>(
      "SalesOrderHeadersV4",
      { dataAreaId: company.toLowerCase(), SalesOrderNumber: salesOrderNumber },
      { select: HEADER_FIELDS },
    );
    return row ? headerOf(row) : undefined;
  }

  async getLines(company: string, salesOrderNumber: string): Promise<SalesOrderLine[]> {
    const rows = await this.client.collect<Row>("SalesOrderLinesV3", {
      filter: this.orderFilter(company, "SalesOrderNumber", salesOrderNumber),
      select: LINE_FIELDS,
    });
    return rows.map(lineOf);
  }

  async findOpenOrders(q: { company: string; warehouses: string[]; modesOfDelivery: string[]; processingStatuses: string[] }) {
    // $filter has no `in`: the alternatives are or-ed (a handful per legal entity).
    const where = f.or(
      q.warehouses.length ? f.anyOf("DefaultShippingWarehouseId", q.warehouses) : undefined,
      q.modesOfDelivery.length ? f.anyOf("DeliveryModeCode", q.modesOfDelivery) : undefined,
    );
    const rows = await this.client.collect<Row>("SalesOrderHeadersV4", {
      filter: f.and(
        f.eq("dataAreaId", q.company.toLowerCase()),
        f.eq("SalesOrderStatus", enumValue("SalesStatus", "Backorder")),
        where,
        f.anyOf(
          "SalesOrderProcessingStatus",
          q.processingStatuses.map((s) => enumValue("SalesOrderProcessingStatus", s)),
        ),
      ),
      select: ["dataAreaId", "SalesOrderNumber"],
      orderBy: "SalesOrderNumber",
    });
    return rows.map((r) => ({ company: String(r.dataAreaId).toLowerCase(), salesOrderNumber: String(r.SalesOrderNumber) }));
  }

  async packingSlips(company: string, salesOrderNumber: string): Promise<PackingSlip[]> {
    // One $batch of three reads (one HTTP request); a part with more than a page is read again in full.
    const reads: { entitySet: string; query: QueryOptions }[] = [
      {
        entitySet: "CustPackingSlipJourBiEntities",
        query: {
          filter: this.orderFilter(company, "SalesId", salesOrderNumber),
          select: ["PackingSlipId", "DeliveryDate", "ShipCarrierId", "DlvMode"],
        },
      },
      {
        entitySet: "CustPackingSlipTransBiEntities",
        query: {
          filter: this.orderFilter(company, "SalesId", salesOrderNumber),
          select: ["PackingSlipId", "InventTransId", "ItemId", "Qty"],
        },
      },
      {
        entitySet: "PackingSlipTrackingInformation",
        query: {
          filter: this.orderFilter(company, "SalesOrderNumber", salesOrderNumber),
          select: ["PackingSlipNumber", "TrackingNumber", "TrackingURL"],
        },
      },
    ];
    const results = await this.client.batch<{ value?: Row[]; "@odata.nextLink"?: string }>(
      reads.map((r) => ({ method: "GET" as const, ...r })),
    );
    const [journals, lines, tracking] = await Promise.all(
      results.map(async (r, i) => {
        if (!r.ok) throw r.error ?? new Error(`reading ${reads[i]!.entitySet} failed`);
        return r.body?.["@odata.nextLink"] ? this.client.collect<Row>(reads[i]!.entitySet, reads[i]!.query) : (r.body?.value ?? []);
      }),
    );
    const same = (a: unknown, b: unknown) => String(a).toUpperCase() === String(b).toUpperCase();
    return journals!
      .map((j) => ({
        packingSlipNumber: String(j.PackingSlipId),
        deliveryDate: String(j.DeliveryDate),
        ...(text(j.ShipCarrierId) ? { shipCarrierId: String(j.ShipCarrierId) } : {}),
        ...(text(j.DlvMode) ? { deliveryModeCode: String(j.DlvMode) } : {}),
        lines: lines!
          .filter((l) => same(l.PackingSlipId, j.PackingSlipId))
          .map((l) => ({ lotId: String(l.InventTransId), itemNumber: String(l.ItemId), quantity: num(l.Qty) })),
        tracking: tracking!
          .filter((t) => same(t.PackingSlipNumber, j.PackingSlipId))
          .map((t) => ({
            trackingNumber: String(t.TrackingNumber),
            ...(text(t.TrackingURL) ? { trackingUrl: String(t.TrackingURL) } : {}),
          })),
      }))
      .sort((a, b) => a.packingSlipNumber.localeCompare(b.packingSlipNumber));
  }

  async packingSlipsPostedSince(since: Date) {
    // DeliveryDate is date-only (F&O keeps it at 12:00 UTC): compare from the start of the day.
    const day = new DateLiteral(`${since.toISOString().slice(0, 10)}T00:00:00Z`);
    const rows = await this.client.collect<Row>("CustPackingSlipJourBiEntities", {
      filter: f.ge("DeliveryDate", day),
      select: ["dataAreaId", "SalesId", "PackingSlipId", "CustomerRef"],
      orderBy: "SalesId",
    });
    return rows.map((r) => ({
      company: String(r.dataAreaId).toLowerCase(),
      salesOrderNumber: String(r.SalesId),
      packingSlipNumber: String(r.PackingSlipId),
      ...(text(r.CustomerRef) ? { customersOrderReference: String(r.CustomerRef) } : {}),
    }));
  }

  async setDeliverNow(company: string, salesOrderNumber: string, lines: { lotId: string; quantity: number }[]): Promise<void> {
    if (!lines.length) return;
    const results = await this.client.batch(
      lines.map((l) => ({
        method: "PATCH" as const,
        entitySet: "SalesOrderLinesV3",
        key: { dataAreaId: company.toLowerCase(), InventoryLotId: l.lotId },
        body: { SalesDeliverNow: l.quantity },
      })),
    );
    const failed = results.find((r) => !r.ok);
    if (failed) throw failed.error ?? new Error(`setting SalesDeliverNow on ${salesOrderNumber} failed`);
  }

  async addTracking(company: string, salesOrderNumber: string, rows: TrackingRow[]): Promise<void> {
    // One POST per row (an order has a package or two): a row D365 has already (a retry) is fine.
    for (const r of rows) {
      try {
        await this.client.create("PackingSlipTrackingInformation", {
          dataAreaId: company.toLowerCase(),
          SalesOrderNumber: salesOrderNumber,
          PackingSlipNumber: r.packingSlipNumber,
          DeliveryDate: r.deliveryDate,
          TrackingNumber: r.trackingNumber,
          ...(r.trackingUrl ? { TrackingURL: r.trackingUrl } : {}),
        });
      } catch (err) {
        if (!(err instanceof ConflictError && err.code === "d365.duplicate")) throw err;
      }
    }
  }

  async setShippingCarrier(company: string, salesOrderNumber: string, shippingCarrierId: string): Promise<void> {
    await this.client.update(
      "SalesOrderHeadersV4",
      { dataAreaId: company.toLowerCase(), SalesOrderNumber: salesOrderNumber },
      { ShippingCarrierId: shippingCarrierId },
    );
  }

  async stopProcessing(company: string, salesOrderNumber: string): Promise<void> {
    await this.client.update(
      "SalesOrderHeadersV4",
      { dataAreaId: company.toLowerCase(), SalesOrderNumber: salesOrderNumber },
      { IsSalesProcessingStopped: "Yes" },
    );
  }
}
