/**
 * The orders flow's ports on the connectors: AmazonOrders on the SP-API client (src/amazon), and
 * D365SalesOrders on the D365 OData client (src/d365), plus the composition used by the function files.
 */
import { ORDER_2026_FLOW_DATA, type SpApiClient } from "../../amazon/client";
import type { Order2026 } from "../../amazon/schemas";
import type { D365Client } from "../../d365/client";
import { SalesOrders, type NewSalesOrderHeader, type NewSalesOrderLine } from "../../d365/entities";
import { f } from "../../d365/odata";
import { Dec } from "../../platform/money";
import type { Runtime } from "../../runtime";
import type { Telemetry } from "../../platform/telemetry";
import type { AmazonAddress } from "./address";
import type { ImportOrderDeps } from "./import-order";
import { StateOrderLedger } from "./ledger";
import { addressFrom2026, orderFrom2026, orderItemsFrom2026, summaryFrom2026 } from "./order-2026";
import type { AmazonOrders, AmazonOrderSummary, D365SalesOrderLineRef, D365SalesOrderRef, D365SalesOrders } from "./ports";
import type { SalesOrderChargeDraft, SalesOrderHeaderDraft, SalesOrderLineDraft } from "./transform";

/** Which Orders API reads an order and its items (setting SPAPI_ORDERS_API). */
export type OrdersApiVersion = "v0" | "2026-01-01";

/** How long one 2026 getOrder answer serves the getOrderItems / getOrderAddress calls that follow it. */
const ORDER_2026_REUSE_MS = 60_000;

export class SpApiOrders implements AmazonOrders {
  /** The last 2026 order read: getOrder returns the order with its items, so one call serves the import. */
  private last2026?: { order: Order2026; at: number };

  constructor(
    private readonly client: Pick<
      SpApiClient,
      "getOrder" | "getOrderItems" | "getOrderAddress" | "getOrders" | "getOrder2026" | "searchOrders"
    >,
    private readonly ordersApi: OrdersApiVersion = "v0",
  ) {}

  /** Orders 2026-01-01: the order with the datasets the transform needs (fetched, or reused from getOrder just before). */
  private async order2026(amazonOrderId: string, fresh: boolean): Promise<Order2026> {
    const last = this.last2026;
    if (!fresh && last && last.order.orderId === amazonOrderId && Date.now() - last.at < ORDER_2026_REUSE_MS) return last.order;
    const order = await this.client.getOrder2026(amazonOrderId, ORDER_2026_FLOW_DATA);
    this.last2026 = { order, at: Date.now() };
    return order;
  }

  async getOrder(amazonOrderId: string): Promise<unknown> {
    if (this.ordersApi === "2026-01-01") return orderFrom2026(await this.order2026(amazonOrderId, true));
    return this.client.getOrder(amazonOrderId);
  }

  async getOrderItems(amazonOrderId: string): Promise<unknown[]> {
    if (this.ordersApi === "2026-01-01") return orderItemsFrom2026(await this.order2026(amazonOrderId, false));
    return this.client.getOrderItems(amazonOrderId);
  }

  async getOrderAddress(amazonOrderId: string): Promise<AmazonAddress | undefined> {
    // 2026-01-01 has no restricted data token step: the RECIPIENT address carries name and street when the
    // application has Amazon's PII roles, else only city, region, postal code and country.
    if (this.ordersApi === "2026-01-01") return addressFrom2026((await this.order2026(amazonOrderId, false)).recipient?.deliveryAddress);
    return (await this.client.getOrderAddress(amazonOrderId)).ShippingAddress as AmazonAddress | undefined;
  }

  /** Orders v0 getOrders, one marketplace (the catch-up uses it when SPAPI_ORDERS_API is v0). */
  async *listUpdatedOrders(q: {
    marketplaceId: string;
    lastUpdatedAfter: Date;
    lastUpdatedBefore: Date;
  }): AsyncIterable<AmazonOrderSummary> {
    for await (const o of this.client.getOrders({
      marketplaceIds: [q.marketplaceId],
      lastUpdatedAfter: q.lastUpdatedAfter,
      lastUpdatedBefore: q.lastUpdatedBefore,
      maxResultsPerPage: 100,
    })) {
      yield {
        AmazonOrderId: o.AmazonOrderId,
        LastUpdateDate: o.LastUpdateDate,
        OrderStatus: o.OrderStatus,
        MarketplaceId: o.MarketplaceId,
      };
    }
  }

  /**
   * Orders 2026-01-01 searchOrders for several marketplaces at once, 100 orders a page (every page is one
   * call of the 0.0056 calls/s quota). FULFILLMENT gives the status; the catch-up needs nothing else.
   */
  async *searchUpdatedOrders(q: {
    marketplaceIds: string[];
    lastUpdatedAfter: Date;
    lastUpdatedBefore: Date;
  }): AsyncIterable<AmazonOrderSummary> {
    const query = {
      marketplaceIds: q.marketplaceIds,
      lastUpdatedAfter: q.lastUpdatedAfter,
      lastUpdatedBefore: q.lastUpdatedBefore,
      maxResultsPerPage: 100,
      includedData: ["FULFILLMENT" as const],
    };
    for await (const o of this.client.searchOrders(query)) yield summaryFrom2026(o);
  }
}

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
    // Two rows at most: one is the order, a second means someone keyed it twice (reported, not merged).
    return this.client.collect<D365SalesOrderRef>("SalesOrderHeadersV4", {
      filter: f.and(f.eq("dataAreaId", dataAreaId.toLowerCase()), f.eq("CustomersOrderReference", customersOrderReference)),
      select: ["dataAreaId", "SalesOrderNumber", "CustomersOrderReference", "SalesOrderStatus"],
      orderBy: "SalesOrderNumber",
      top: 2,
    });
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
    // OData has no cancel action (notes §0): an open order is deleted (with its lines) or stopped.
    if (mode === "delete")
      await this.client.delete("SalesOrderHeadersV4", { dataAreaId: dataAreaId.toLowerCase(), SalesOrderNumber: salesOrderNumber });
    else await this.orders.updateHeader(salesOrderNumber, { IsSalesProcessingStopped: "Yes" }, { company: dataAreaId });
    return "canceled";
  }
}

/** Everything importOrder needs, from the runtime. */
export function orderImportDeps(rt: Runtime, telemetry: Telemetry): ImportOrderDeps {
  return {
    amazon: new SpApiOrders(rt.amazon, rt.config.SPAPI_ORDERS_API),
    d365: new ODataSalesOrders(rt.d365),
    ledger: new StateOrderLedger(rt.state, undefined, () => rt.clock.now()),
    mappings: rt.mappings,
    clock: rt.clock,
    telemetry,
    useRdt: rt.config.SPAPI_USE_RDT,
  };
}
