/**
 * The returns flow's D365ReturnOrders port on the D365 OData client (src/d365): the sales order a return
 * belongs to (SalesOrderHeadersV4 and SalesOrderLinesV3) and the return order itself (ReturnOrderHeadersV2,
 * ReturnOrderLinesV2; field names from the F&O entity metadata, docs/returns.md).
 */
import type { D365Client } from "../../d365/client";
import { Dec } from "../../platform/money";
import { f } from "../../d365/odata";
import type { D365ReturnOrders, ReturnOrderLineRef, ReturnOrderRef, SalesOrderForReturn } from "../../flows/returns/ports";

interface HeaderRow {
  dataAreaId: string;
  SalesOrderNumber: string;
  OrderingCustomerAccountNumber: string;
  CustomersOrderReference?: string;
  CurrencyCode?: string;
  DefaultShippingWarehouseId?: string;
  DefaultShippingSiteId?: string;
  SalesOrderStatus?: string;
}

const HEADER_FIELDS = [
  "dataAreaId",
  "SalesOrderNumber",
  "OrderingCustomerAccountNumber",
  "CustomersOrderReference",
  "CurrencyCode",
  "DefaultShippingWarehouseId",
  "DefaultShippingSiteId",
  "SalesOrderStatus",
];

/** The D365 order an MCF order id was made from, as the fulfillment flow recorded it when it sent the order. */
export type McfOrderOf = (sellerFulfillmentOrderId: string) => Promise<{ company: string; salesOrderNumber: string } | undefined>;

export class ODataReturnOrders implements D365ReturnOrders {
  constructor(
    private readonly client: D365Client,
    private readonly mcfOrderOf?: McfOrderOf,
  ) {}

  async findSalesOrder(companies: string[], amazonOrderId: string): Promise<SalesOrderForReturn | undefined> {
    return this.firstMatch(companies, (company) => f.and(f.eq("dataAreaId", company), f.eq("CustomersOrderReference", amazonOrderId)));
  }

  /**
   * The sales order an MCF order was sent for: the one the fulfillment flow recorded under that id (its own D365
   * order, `<COMPANY>-<ORDER NUMBER>`), else an order that carries the id in CustomerRequisitionNumber or as its
   * number (MCF orders sent by another tool).
   */
  async findMcfSalesOrder(companies: string[], sellerFulfillmentOrderId: string): Promise<SalesOrderForReturn | undefined> {
    const sent = await this.mcfOrderOf?.(sellerFulfillmentOrderId);
    if (sent) {
      const found = await this.firstMatch([sent.company], (company) =>
        f.and(f.eq("dataAreaId", company), f.eq("SalesOrderNumber", sent.salesOrderNumber)),
      );
      if (found) return found;
    }
    return (
      (await this.firstMatch(companies, (company) =>
        f.and(f.eq("dataAreaId", company), f.eq("CustomerRequisitionNumber", sellerFulfillmentOrderId)),
      )) ?? this.firstMatch(companies, (company) => f.and(f.eq("dataAreaId", company), f.eq("SalesOrderNumber", sellerFulfillmentOrderId)))
    );
  }

  private async firstMatch(companies: string[], filter: (company: string) => string): Promise<SalesOrderForReturn | undefined> {
    for (const company of companies) {
      const rows = await this.client.collect<HeaderRow>("SalesOrderHeadersV4", {
        filter: filter(company.toLowerCase()),
        select: HEADER_FIELDS,
        orderBy: "SalesOrderNumber",
        top: 5,
      });
      // Someone may have keyed the order a second time and cancelled it: the live one is the one returned against.
      const row = rows.find((r) => r.SalesOrderStatus !== "Canceled") ?? rows[0];
      if (row) return this.withLines(row);
    }
    return undefined;
  }

  private async withLines(h: HeaderRow): Promise<SalesOrderForReturn> {
    const lines = await this.client.collect<{ ItemNumber: string; SalesPrice?: number | string; SalesUnitSymbol?: string }>(
      "SalesOrderLinesV3",
      {
        filter: f.and(f.eq("dataAreaId", h.dataAreaId), f.eq("SalesOrderNumber", h.SalesOrderNumber)),
        select: ["ItemNumber", "SalesPrice", "SalesUnitSymbol"],
      },
    );
    return {
      dataAreaId: h.dataAreaId,
      salesOrderNumber: h.SalesOrderNumber,
      customerAccount: h.OrderingCustomerAccountNumber,
      ...(h.CustomersOrderReference ? { customersOrderReference: h.CustomersOrderReference } : {}),
      ...(h.CurrencyCode ? { currency: h.CurrencyCode } : {}),
      ...(h.DefaultShippingWarehouseId ? { shippingWarehouseId: h.DefaultShippingWarehouseId } : {}),
      ...(h.DefaultShippingSiteId ? { shippingSiteId: h.DefaultShippingSiteId } : {}),
      lines: lines.map((l) => ({
        itemNumber: l.ItemNumber,
        // D365 answers decimals as JSON numbers; a price's shortest text form is the decimal D365 sent.
        ...(l.SalesPrice !== undefined && l.SalesPrice !== null ? { salesPrice: new Dec(String(l.SalesPrice)).toFixed() } : {}),
        ...(l.SalesUnitSymbol ? { salesUnit: l.SalesUnitSymbol } : {}),
      })),
    };
  }

  async findReturnOrder(
    dataAreaId: string,
    customersOrderReference: string,
    customerRequisitionNumber: string,
  ): Promise<ReturnOrderRef | undefined> {
    const rows = await this.client.collect<{ dataAreaId: string; ReturnOrderNumber: string; RMANumber?: string }>("ReturnOrderHeadersV2", {
      filter: f.and(
        f.eq("dataAreaId", dataAreaId.toLowerCase()),
        f.eq("CustomersOrderReference", customersOrderReference),
        f.eq("CustomerRequisitionNumber", customerRequisitionNumber),
      ),
      select: ["dataAreaId", "ReturnOrderNumber", "RMANumber"],
      orderBy: "ReturnOrderNumber",
      top: 2,
    });
    const row = rows[0];
    return row
      ? { dataAreaId: row.dataAreaId, returnOrderNumber: row.ReturnOrderNumber, ...(row.RMANumber ? { rmaNumber: row.RMANumber } : {}) }
      : undefined;
  }

  async createReturnOrder(header: Parameters<D365ReturnOrders["createReturnOrder"]>[0]): Promise<ReturnOrderRef> {
    const row = await this.client.create<{ dataAreaId: string; ReturnOrderNumber: string; RMANumber?: string }>("ReturnOrderHeadersV2", {
      ...header,
      dataAreaId: header.dataAreaId.toLowerCase(),
    });
    return { dataAreaId: row.dataAreaId, returnOrderNumber: row.ReturnOrderNumber, ...(row.RMANumber ? { rmaNumber: row.RMANumber } : {}) };
  }

  async returnOrderLines(dataAreaId: string, returnOrderNumber: string): Promise<ReturnOrderLineRef[]> {
    const rows = await this.client.collect<{ ItemNumber: string; ExternalItemNumber?: string; ReturnInventoryLotId: string }>(
      "ReturnOrderLinesV2",
      {
        filter: f.and(f.eq("dataAreaId", dataAreaId.toLowerCase()), f.eq("ReturnOrderNumber", returnOrderNumber)),
        select: ["ItemNumber", "ExternalItemNumber", "ReturnInventoryLotId"],
      },
    );
    return rows.map(lineRef);
  }

  async createReturnLines(
    dataAreaId: string,
    returnOrderNumber: string,
    lines: Parameters<D365ReturnOrders["createReturnLines"]>[2],
  ): Promise<ReturnOrderLineRef[]> {
    const company = dataAreaId.toLowerCase();
    const results = await this.client.batch<{ ItemNumber: string; ExternalItemNumber?: string; ReturnInventoryLotId: string }>(
      lines.map((l) => ({
        method: "POST" as const,
        entitySet: "ReturnOrderLinesV2",
        body: {
          ...l,
          // Edm.Decimal goes as a JSON number: F&O refuses a decimal sent as a string.
          ...(l.SalesPrice !== undefined ? { SalesPrice: new Dec(l.SalesPrice) } : {}),
          dataAreaId: company,
          ReturnOrderNumber: returnOrderNumber,
        },
      })),
      // One return's lines in one changeset: all or none.
      { changesetSize: Math.max(1, lines.length) },
    );
    const failed = results.find((r) => !r.ok && !r.rolledBack) ?? results.find((r) => !r.ok);
    if (failed) throw failed.error ?? new Error(`D365 refused a return order line of ${returnOrderNumber}`);
    return results.map((r) => lineRef(r.body!));
  }
}

function lineRef(row: { ItemNumber: string; ExternalItemNumber?: string; ReturnInventoryLotId: string }): ReturnOrderLineRef {
  return {
    itemNumber: row.ItemNumber,
    ...(row.ExternalItemNumber ? { externalItemNumber: row.ExternalItemNumber } : {}),
    inventoryLotId: row.ReturnInventoryLotId,
  };
}
