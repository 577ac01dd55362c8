/**
 * The orders flow's D365SalesOrders port on the D365 OData client (src/d365): SalesOrderHeadersV4,
 * SalesOrderLinesV3 and SalesOrderHeaderChargesV2.
 */
import type { D365Client } from "../../d365/client";
import { type NewSalesOrderHeader, type NewSalesOrderLine, SalesOrders } from "../../d365/entities";
import { f } from "../../d365/odata";
import { Dec } from "../../platform/money";
import type { D365SalesOrderLineRef, D365SalesOrderRef, D365SalesOrders } from "../../flows/orders/ports";
import type { SalesOrderChargeDraft, SalesOrderHeaderDraft, SalesOrderLineDraft } from "../../flows/orders/transform";

function lineBody(line: SalesOrderLineDraft): NewSalesOrderLine {
  const { key, ...rest } = line;
  return { ...rest, OrderLineReference: key };
}

export class ODataSalesOrders implements D365SalesOrders {
  private readonly orders: SalesOrders;

  constructor(private readonly client: D365Client) {
    this.orders = new SalesOrders(client);
  }

  async findByCustomersOrderReference(dataAreaId: string, customersOrderReference: string): Promise<D365SalesOrderRef[]> {
    const rows = await this.orders.findByCustomersOrderReference(customersOrderReference, dataAreaId);
    return rows.map((row) => ({
      dataAreaId: row.dataAreaId,
      SalesOrderNumber: row.SalesOrderNumber,
      CustomersOrderReference: row.CustomersOrderReference,
      SalesOrderStatus: row.SalesOrderStatus,
    }));
  }

  async createHeader(header: SalesOrderHeaderDraft): Promise<D365SalesOrderRef> {
    const row = await this.orders.createHeader({ ...header } as NewSalesOrderHeader);
    return {
      dataAreaId: row.dataAreaId,
      SalesOrderNumber: row.SalesOrderNumber,
      CustomersOrderReference: row.CustomersOrderReference,
      SalesOrderStatus: row.SalesOrderStatus,
    };
  }

  async listLines(dataAreaId: string, salesOrderNumber: string): Promise<D365SalesOrderLineRef[]> {
    const lines = await this.orders.listLines(salesOrderNumber, dataAreaId);
    return lines.map((l) => ({
      OrderLineReference: l.OrderLineReference || undefined,
      CustomersLineNumber: l.CustomersLineNumber || undefined,
      ItemNumber: l.ItemNumber,
      InventoryLotId: l.InventoryLotId,
    }));
  }

  async createLines(dataAreaId: string, salesOrderNumber: string, lines: SalesOrderLineDraft[]): Promise<void> {
    await this.orders.createLines(salesOrderNumber, lines.map(lineBody), { company: dataAreaId });
  }

  async listChargeKeys(dataAreaId: string, salesOrderNumber: string): Promise<string[]> {
    const rows = await this.client.collect<{ ChargeDescription?: string }>("SalesOrderHeaderChargesV2", {
      filter: f.and(f.eq("dataAreaId", dataAreaId.toLowerCase()), f.eq("SalesOrderNumber", salesOrderNumber)),
      select: ["ChargeDescription"],
    });
    return rows.map((r) => r.ChargeDescription ?? "");
  }

  /** Header charges (verify field names against the environment's $metadata; not in the local simulator). */
  async createCharges(dataAreaId: string, salesOrderNumber: string, charges: SalesOrderChargeDraft[]): Promise<void> {
    for (const c of charges) {
      await this.client.create("SalesOrderHeaderChargesV2", {
        dataAreaId: dataAreaId.toLowerCase(),
        SalesOrderNumber: salesOrderNumber,
        SalesChargeCode: c.SalesChargeCode,
        ChargeCategory: "Fixed",
        // Edm.Decimal goes as a JSON number: F&O refuses a decimal sent as a string.
        FixedChargeAmount: new Dec(c.ChargeAmount),
        ChargeDescription: c.Description,
      });
    }
  }

  async cancel(dataAreaId: string, salesOrderNumber: string, mode: "delete" | "stop-processing"): Promise<"canceled" | "not-open"> {
    const header = await this.orders.getHeader(salesOrderNumber, dataAreaId);
    if (!header) return "canceled";
    if (header.SalesOrderStatus && header.SalesOrderStatus !== "Backorder")
      return header.SalesOrderStatus === "Canceled" ? "canceled" : "not-open";
    // D365's OData has no cancel action (and actions added by extensions are not supported): an open order is
    // deleted (with its lines) or stopped.
    if (mode === "delete")
      await this.client.delete("SalesOrderHeadersV4", { dataAreaId: dataAreaId.toLowerCase(), SalesOrderNumber: salesOrderNumber });
    else await this.orders.updateHeader(salesOrderNumber, { IsSalesProcessingStopped: "Yes" }, { company: dataAreaId });
    return "canceled";
  }
}
