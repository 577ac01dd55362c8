/** Typed builders and in-memory fakes for the orders flow tests. */
import { NotFoundError, ThrottledError, UnavailableError, ValidationError } from "../../../src/platform/errors";
import { Mappings } from "../../../src/mapping/mappings";
import type { AmazonOrder, AmazonOrderItem, AmazonOrderSummary } from "../../../src/flows/orders/amazon-order";
import type {
  AmazonOrders,
  BulkWrite,
  CancelResult,
  D365SalesOrderLineRef,
  D365SalesOrderRef,
  D365SalesOrders,
} from "../../../src/flows/orders/ports";
import type { SalesOrderChargeDraft, SalesOrderHeaderDraft, SalesOrderLineDraft } from "../../../src/flows/orders/transform";

export const US = "ATVPDKIKX0DER";
export const UK = "A1F83G8C2ARO7P";

export function testMappings(overrides: { unmappedSku?: "fail" | "identity"; shipping?: unknown } = {}): Mappings {
  const common = {
    dataAreaId: "usmf",
    fulfillment: { AFN: { siteId: "1", warehouseId: "FBA-US" }, MFN: { siteId: "1", warehouseId: "11" } },
    giftWrap: { as: "item-line", itemNumber: "GIFTWRAP" },
  };
  return Mappings.fromObjects({
    marketplaces: {
      marketplaces: [
        {
          ...common,
          marketplaceId: US,
          customerAccount: "AMZ-US",
          currency: "USD",
          salesOriginCode: "AMAZON",
          shipping: overrides.shipping ?? { as: "item-line", itemNumber: "FREIGHT" },
          tax: {
            salesTaxGroup: "AVATAX",
            pricesIncludeTax: false,
            marketplaceFacilitator: "exempt-tax-group",
            marketplaceFacilitatorTaxGroup: "MFT-EXEMPT",
          },
        },
        {
          ...common,
          marketplaceId: UK,
          customerAccount: "AMZ-UK",
          currency: "GBP",
          fulfillment: { AFN: { siteId: "2", warehouseId: "FBA-UK" }, MFN: { siteId: "2", warehouseId: "21" } },
          shipping: { as: "charge", chargeCode: "FREIGHT" },
          tax: { salesTaxGroup: "UK-VAT", pricesIncludeTax: true, marketplaceFacilitator: "seller-tax-group" },
        },
      ],
    },
    skus: {
      unmappedSku: overrides.unmappedSku ?? "fail",
      items: [
        { sellerSku: "SKU-A", itemNumber: "D0001" },
        { sellerSku: "SKU-B", itemNumber: "D0002", colorId: "Red", sizeId: "M" },
        { sellerSku: "SKU-6PACK", itemNumber: "D0003", unitsPerAmazonUnit: 6 },
      ],
    },
    statuses: {
      statuses: {
        Pending: "wait",
        Unshipped: "create",
        PartiallyShipped: "create",
        Shipped: "create",
        Canceled: "cancel",
        Unfulfillable: "ignore",
        InvoiceUnconfirmed: "create",
        PendingAvailability: "wait",
      },
    },
  });
}

let seq = 0;
export function anOrderId(n = ++seq): string {
  return `113-${String(1000000 + n).padStart(7, "0")}-${String(7654321 + n).padStart(7, "0")}`;
}

export function anOrderItem(overrides: Partial<AmazonOrderItem> = {}): AmazonOrderItem {
  return {
    asin: "B0DEMO0001",
    sku: "SKU-A",
    orderItemId: `OI${String(++seq).padStart(12, "0")}`,
    title: "Demo item",
    quantityOrdered: 1,
    itemPrice: { amount: "49.99", currency: "USD" },
    ...overrides,
  };
}

export function anAmazonOrder(overrides: Partial<AmazonOrder> = {}): AmazonOrder {
  return {
    amazonOrderId: anOrderId(),
    purchaseDate: "2026-11-20T10:00:00Z",
    lastUpdate: "2026-11-20T10:05:00Z",
    status: "Unshipped",
    fulfillmentChannel: "MFN",
    salesChannel: "Amazon.com",
    marketplaceId: US,
    latestShipDate: "2026-11-22T07:59:59Z",
    shippingAddress: { city: "SEATTLE", stateOrRegion: "Washington", postalCode: "98109", countryCode: "US" },
    ...overrides,
  };
}

/** Counts and fault injection shared by the fakes. */
export class Faults {
  private readonly plan = new Map<string, Error[]>();
  readonly calls = new Map<string, number>();
  /** The next `times` calls of `op` throw `err`. */
  fail(op: string, err: Error, times = 1): void {
    const list = this.plan.get(op) ?? [];
    for (let i = 0; i < times; i++) list.push(err);
    this.plan.set(op, list);
  }
  /** Random delay per call (ms) so that concurrent workers really interleave. */
  latencyMs = 0;
  async hit(op: string): Promise<void> {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, Math.random() * this.latencyMs));
    const next = this.plan.get(op)?.shift();
    if (next) throw next;
  }
  count(op?: string): number {
    if (op) return this.calls.get(op) ?? 0;
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
}

export const d365Down = () => new UnavailableError("d365.unavailable", "D365 answered 503");
export const d365Throttled = () => new ThrottledError("d365.throttled", "D365 answered 429", 10);
export const spapiThrottled = () => new ThrottledError("spapi.throttled", "QuotaExceeded", 10);

/** A listing row as the adapters give it: the summary and the header (v0 getOrders); searchOrders rows add the items. */
const summaryOf = (o: AmazonOrder, items?: AmazonOrderItem[]): AmazonOrderSummary => ({
  amazonOrderId: o.amazonOrderId,
  lastUpdate: o.lastUpdate,
  status: o.status,
  marketplaceId: o.marketplaceId,
  known: { from: "listing", order: structuredClone(o), ...(items ? { items: structuredClone(items) } : {}) },
});

export class FakeAmazon implements AmazonOrders {
  readonly orders = new Map<string, { order: AmazonOrder; items: AmazonOrderItem[] }>();
  readonly faults = new Faults();
  put(order: AmazonOrder, items: AmazonOrderItem[]): AmazonOrder {
    this.orders.set(order.amazonOrderId, { order, items });
    return order;
  }
  async getOrder(id: string): Promise<AmazonOrder> {
    await this.faults.hit("getOrder");
    const o = this.orders.get(id);
    if (!o) throw new NotFoundError("spapi.notFound", `order ${id} not found`);
    return structuredClone(o.order);
  }
  async getOrderItems(id: string): Promise<AmazonOrderItem[]> {
    await this.faults.hit("getOrderItems");
    return structuredClone(this.orders.get(id)?.items ?? []);
  }
  async *listUpdatedOrders(q: {
    marketplaceId: string;
    lastUpdatedAfter: Date;
    lastUpdatedBefore: Date;
  }): AsyncIterable<AmazonOrderSummary> {
    await this.faults.hit("getOrders");
    for (const { order } of this.orders.values()) {
      const t = Date.parse(order.lastUpdate);
      if (order.marketplaceId === q.marketplaceId && t >= q.lastUpdatedAfter.getTime() && t < q.lastUpdatedBefore.getTime()) {
        yield summaryOf(order);
      }
    }
  }
  /** Every searchUpdatedOrders query, as Amazon would receive it (one call sequence each). */
  readonly searches: { marketplaceIds: string[]; lastUpdatedAfter: string; lastUpdatedBefore: string }[] = [];
  async *searchUpdatedOrders(q: {
    marketplaceIds: string[];
    lastUpdatedAfter: Date;
    lastUpdatedBefore: Date;
  }): AsyncIterable<AmazonOrderSummary> {
    this.searches.push({
      marketplaceIds: [...q.marketplaceIds],
      lastUpdatedAfter: q.lastUpdatedAfter.toISOString(),
      lastUpdatedBefore: q.lastUpdatedBefore.toISOString(),
    });
    await this.faults.hit("searchOrders");
    const hits = [...this.orders.values()]
      .map(({ order }) => order)
      .filter(
        (o) =>
          q.marketplaceIds.includes(o.marketplaceId ?? "") &&
          Date.parse(o.lastUpdate) >= q.lastUpdatedAfter.getTime() &&
          Date.parse(o.lastUpdate) < q.lastUpdatedBefore.getTime(),
      )
      .sort((a, b) => Date.parse(a.lastUpdate) - Date.parse(b.lastUpdate));
    for (const o of hits) yield summaryOf(o, this.orders.get(o.amazonOrderId)?.items);
  }
}

export interface FakeSalesOrder {
  header: SalesOrderHeaderDraft & { SalesOrderNumber: string; SalesOrderStatus: string };
  lines: (SalesOrderLineDraft & { InventoryLotId: string })[];
  charges: SalesOrderChargeDraft[];
}

export class FakeD365 implements D365SalesOrders {
  readonly orders = new Map<string, FakeSalesOrder>();
  readonly faults = new Faults();
  private next = 1;
  /** Fails createLines after writing only the first `n` lines once (a $batch with a failed part). */
  partialLinesOnce?: number;

  byReference(ref: string): FakeSalesOrder[] {
    return [...this.orders.values()].filter((o) => o.header.CustomersOrderReference === ref);
  }
  async findByCustomersOrderReference(dataAreaId: string, ref: string): Promise<D365SalesOrderRef[]> {
    await this.faults.hit("find");
    return this.byReference(ref)
      .filter((o) => o.header.dataAreaId === dataAreaId)
      .map((o) => ({
        dataAreaId,
        SalesOrderNumber: o.header.SalesOrderNumber,
        CustomersOrderReference: ref,
        SalesOrderStatus: o.header.SalesOrderStatus,
      }));
  }
  async createHeader(header: SalesOrderHeaderDraft): Promise<D365SalesOrderRef> {
    await this.faults.hit("createHeader");
    const number = `SO-${String(this.next++).padStart(6, "0")}`;
    this.orders.set(number, { header: { ...header, SalesOrderNumber: number, SalesOrderStatus: "Backorder" }, lines: [], charges: [] });
    // A dropped connection after D365 committed: the header exists, the caller sees an error.
    await this.faults.hit("afterCreateHeader");
    return { dataAreaId: header.dataAreaId, SalesOrderNumber: number };
  }
  async listLines(_dataAreaId: string, number: string): Promise<D365SalesOrderLineRef[]> {
    await this.faults.hit("listLines");
    return (this.orders.get(number)?.lines ?? []).map((l) => ({
      OrderLineReference: l.key,
      CustomersLineNumber: l.CustomersLineNumber,
      ItemNumber: l.ItemNumber,
    }));
  }
  async createLines(_dataAreaId: string, number: string, lines: SalesOrderLineDraft[]): Promise<void> {
    await this.faults.hit("createLines");
    const order = this.orders.get(number);
    if (!order) throw new NotFoundError("d365.notFound", `no order ${number}`);
    const take = this.partialLinesOnce !== undefined ? Math.min(this.partialLinesOnce, lines.length) : lines.length;
    for (const l of lines.slice(0, take)) order.lines.push({ ...l, InventoryLotId: `${number}-${l.CustomersLineNumber}` });
    if (this.partialLinesOnce !== undefined) {
      this.partialLinesOnce = undefined;
      throw new UnavailableError("d365.batchPartFailed", "a $batch part failed");
    }
  }
  async listChargeKeys(_d: string, number: string): Promise<string[]> {
    await this.faults.hit("listCharges");
    return (this.orders.get(number)?.charges ?? []).map((c) => c.Description);
  }
  async createCharges(_d: string, number: string, charges: SalesOrderChargeDraft[]): Promise<void> {
    await this.faults.hit("createCharges");
    this.orders.get(number)!.charges.push(...charges);
  }
  async cancel(_d: string, number: string): Promise<CancelResult> {
    await this.faults.hit("cancel");
    const o = this.orders.get(number)!;
    if (o.header.SalesOrderStatus !== "Backorder")
      return { outcome: "not-open", reason: `D365 sales order ${number} is ${o.header.SalesOrderStatus}` };
    o.header.SalesOrderStatus = "Canceled";
    return { outcome: "canceled" };
  }
  /** Address states per alpha-3 country, as D365's address states entity would answer. */
  readonly states = new Map<string, string[]>([["DEU", ["BY", "BE", "HH"]]]);
  async addressStates(country: string): Promise<ReadonlySet<string>> {
    await this.faults.hit("addressStates");
    return new Set(this.states.get(country) ?? []);
  }

  // ---- bulk: one "request" each; a $batch stops at its first failing part, as D365 does

  /** Refuse the header of these Amazon order ids (a D365 validation error for that part). */
  readonly refuseHeaderOf = new Set<string>();
  async findByCustomersOrderReferences(dataAreaId: string, refs: readonly string[]): Promise<Map<string, D365SalesOrderRef[]>> {
    await this.faults.hit("findMany");
    const out = new Map<string, D365SalesOrderRef[]>();
    for (const ref of refs) {
      const rows = this.byReference(ref)
        .filter((o) => o.header.dataAreaId === dataAreaId)
        .map((o) => ({
          dataAreaId,
          SalesOrderNumber: o.header.SalesOrderNumber,
          CustomersOrderReference: ref,
          SalesOrderStatus: o.header.SalesOrderStatus,
        }));
      if (rows.length) out.set(ref, rows);
    }
    return out;
  }
  async listLinesOfOrders(_dataAreaId: string, numbers: readonly string[]): Promise<Map<string, D365SalesOrderLineRef[]>> {
    await this.faults.hit("listLinesMany");
    return new Map(
      numbers.map((n) => [
        n,
        (this.orders.get(n)?.lines ?? []).map((l) => ({
          OrderLineReference: l.key,
          CustomersLineNumber: l.CustomersLineNumber,
          ItemNumber: l.ItemNumber,
        })),
      ]),
    );
  }
  async createHeaders(headers: readonly SalesOrderHeaderDraft[]): Promise<BulkWrite<D365SalesOrderRef>[]> {
    await this.faults.hit("createHeaders");
    const out: BulkWrite<D365SalesOrderRef>[] = [];
    let stopped = false;
    for (const h of headers) {
      if (stopped) {
        out.push({ ok: false, error: new UnavailableError("d365.batch-not-executed", "not run"), notExecuted: true });
        continue;
      }
      if (this.refuseHeaderOf.has(h.CustomersOrderReference)) {
        out.push({ ok: false, error: new ValidationError("d365.validation", `Customer refused for ${h.CustomersOrderReference}`) });
        stopped = true;
        continue;
      }
      const number = `SO-${String(this.next++).padStart(6, "0")}`;
      this.orders.set(number, { header: { ...h, SalesOrderNumber: number, SalesOrderStatus: "Backorder" }, lines: [], charges: [] });
      out.push({ ok: true, value: { dataAreaId: h.dataAreaId, SalesOrderNumber: number } });
    }
    // D365 committed the headers, but the answer is lost (a crash before the caller heard it).
    await this.faults.hit("afterCreateHeaders");
    return out;
  }
  /** Refuse the lines of this many further orders' change sets (a bad item in that order). */
  refuseLinesOf = new Set<string>();
  async createLinesOfOrders(
    orders: readonly { dataAreaId: string; salesOrderNumber: string; lines: readonly SalesOrderLineDraft[] }[],
  ): Promise<BulkWrite<void>[]> {
    await this.faults.hit("createLinesMany");
    const out: BulkWrite<void>[] = [];
    let stopped = false;
    for (const o of orders) {
      if (!o.lines.length) {
        out.push({ ok: true, value: undefined });
        continue;
      }
      if (stopped) {
        out.push({ ok: false, error: new UnavailableError("d365.batch-not-executed", "not run"), notExecuted: true });
        continue;
      }
      if (this.refuseLinesOf.has(o.salesOrderNumber)) {
        out.push({ ok: false, error: new ValidationError("d365.validation", `Item refused on ${o.salesOrderNumber}`) });
        stopped = true;
        continue;
      }
      const order = this.orders.get(o.salesOrderNumber)!;
      for (const l of o.lines) order.lines.push({ ...l, InventoryLotId: `${o.salesOrderNumber}-${l.CustomersLineNumber}` });
      out.push({ ok: true, value: undefined });
    }
    await this.faults.hit("afterCreateLinesMany");
    return out;
  }
}
