/**
 * The SP-API simulator: an HTTPS server that speaks the SP-API wire formats for the operations the app
 * uses, issues LWA tokens, enforces the published rate and burst per operation (scaled by `timeScale`),
 * serves gzip report documents, takes feed uploads, and injects faults on request. Not a security
 * boundary: any well-formed credentials and any bearer token are accepted, missing ones are refused.
 *
 * Orders, reports, settlements and the request plumbing live here; the fulfillment, inventory, returns and
 * products operations are answered by the area modules it hosts (mcf, shipments, listings, feeds, inventory,
 * returns, finances — each gets this object as its SimContext), which a 100 ms ticker and every request move
 * forward in simulated time.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import { OPERATIONS, matchOperation, type OperationName } from "../../amazon/operations";
import { DEMO_MARKETPLACES, DEMO_PRODUCTS } from "../demo-catalog";
import {
  buildItem,
  fakeBuyer,
  generateData,
  orderIdFor,
  shipmentEvents,
  type ItemSpec,
  type OrderStatus,
  type SimData,
  type SimOrder,
} from "./data";
import { prng } from "../prng";
import type { Answer, SimContext } from "./context";
import { renderOrderReport, renderSettlement } from "./documents";
import { FeedsSim } from "./feeds";
import { FinancesSim } from "./finances";
import { InventorySim } from "./inventory";
import { ListingsSim } from "./listings";
import { McfSim } from "./mcf";
import { NotificationHub } from "./notify";
import { ReturnsSim } from "./returns";
import { MCF_UNFULFILLABLE_SKU, SIM_SELLER_ID } from "./seed";
import { FbmShipments } from "./shipments";
import { financialEventsJson, inventoryJson, ORDER_STATUS_2026, order2026Json, orderItemJson, orderJson } from "./wire";

export interface Fault {
  /** Operation name (e.g. "getOrders"), "lwa" for the token endpoint, or "*" (default) for every API call. */
  operation?: string;
  /** Answer with this status instead of handling the call (429, 500, 503, 403 for an expired token). */
  status?: 429 | 500 | 503 | 403;
  /** Delay the answer by this many real milliseconds. */
  latencyMs?: number;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** How many matching calls the fault affects (default 1; 0 = until cleared). */
  count?: number;
}

export interface RequestRecord {
  at: string;
  operation: string;
  method: string;
  path: string;
  pathParams: Record<string, string>;
  query: Record<string, string>;
  body?: unknown;
  status: number;
  response?: unknown;
  restricted: boolean;
}

export interface AddOrderInput {
  marketplaceId?: string;
  status?: OrderStatus;
  fulfillmentChannel?: "AFN" | "MFN";
  sellerOrderId?: string;
  purchaseDate?: string;
  items: ItemSpec[];
}

interface Bucket {
  tokens: number;
  at: number;
}
interface Report {
  reportId: string;
  reportType: string;
  marketplaceIds: string[];
  createdSim: number;
  /** Wall-clock creation time (timestamps); createdSim drives the status progression. */
  createdAt: number;
  dataStartTime?: string;
  dataEndTime?: string;
  documentId: string;
  /** Settlements are DONE from the start; requested reports progress with simulated time. */
  settlementId?: string;
  notified?: boolean;
}
const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "x-amzn-RequestId": randomUUID(), ...headers });
  res.end(text);
};
const errors = (code: string, message: string, details?: string) => ({ errors: [{ code, message, ...(details ? { details } : {}) }] });

export interface SimOptions {
  seed: number;
  timeScale: number;
  now?: Date;
  /** Base URL documents are served from (the server's own https://localhost:port). */
  baseUrl: () => string;
  /** Items per getOrderItems page (small, so that paging is exercised). */
  orderItemsPageSize?: number;
  inventoryPageSize?: number;
}

export class SpApiSim implements SimContext {
  readonly sellerId = SIM_SELLER_ID;
  data!: SimData;
  private buckets = new Map<string, Bucket>();
  private faults: (Fault & { remaining: number })[] = [];
  private log: RequestRecord[] = [];
  private counts: Record<string, number> = {};
  private throttled: Record<string, number> = {};
  private realStart = Date.now();
  private advancedMs = 0;
  private reports = new Map<string, Report>();
  private documents = new Map<string, { body: Buffer; contentType: string; createdSim: number; gzip: boolean }>();
  private subscriptions = new Map<string, Record<string, unknown>>();
  private rdts = new Map<string, { method: string; path: string; dataElements?: string[] }[]>();
  private pageTokens = new Map<string, { kind: string; state: any; createdSim: number }>();
  private seq = 0;
  private idRnd: () => number;
  private ticker?: NodeJS.Timeout;
  readonly accessTokens = new Set<string>();
  /** Notifications produced, and their delivery to the app (off until configured). */
  readonly hub = new NotificationHub();
  /** Multi-Channel Fulfillment orders (2020-07-01 and 2026-07-04). */
  readonly mcf = new McfSim(this);
  /** FBM shipment confirmations. */
  readonly shipments = new FbmShipments(this, (o) => this.notifyOrderChange(o));
  /** Listings, catalog, product type definitions. */
  readonly listings = new ListingsSim(this);
  readonly feeds = new FeedsSim(this, this.listings);
  readonly inventory = new InventorySim(this);
  readonly returns = new ReturnsSim(this);
  readonly finances = new FinancesSim(this);

  constructor(readonly opts: SimOptions) {
    this.idRnd = prng(opts.seed + 1);
    this.resetData();
    // Lifecycles (MCF, feeds) move on their own and notify; requests also tick.
    this.ticker = setInterval(() => this.tick(), 100);
    this.ticker.unref?.();
  }

  get timeScale(): number {
    return this.opts.timeScale;
  }

  /** Stops the lifecycle timer (the server's stop() calls it). */
  close(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  /** Moves every lifecycle to now: MCF steps, finished feeds, finished reports; emits their notifications. */
  tick(): void {
    this.mcf.tick();
    this.feeds.tick();
    for (const r of this.reports.values()) if (!r.notified && this.reportStatus(r) === "DONE") this.reportJson(r);
  }

  emit(notification: Record<string, unknown>): void {
    this.hub.emit(notification);
  }

  nextSeq(): number {
    return ++this.seq;
  }

  readPageToken(token: string, kind: string): { state: any; createdSim: number } | undefined {
    const t = this.pageTokens.get(token);
    return t && t.kind === kind ? t : undefined;
  }

  storeDocument(key: string, body: Buffer, contentType: string, gzip = true): string {
    if (!this.documents.has(key))
      this.documents.set(key, { body: gzip ? gzipSync(body) : body, contentType, createdSim: this.simMs(), gzip });
    return this.documentUrl(key);
  }

  // --- time --------------------------------------------------------------------------------------------
  /** Simulated milliseconds since start: real time × timeScale plus explicit advances. */
  simMs(): number {
    return (Date.now() - this.realStart) * this.opts.timeScale + this.advancedMs;
  }
  /**
   * The simulator's wall clock, used for every timestamp: real time plus explicit advances. (Only quota
   * refill and status progression run at timeScale, so timestamps never race ahead of the app's clock.)
   */
  now(): Date {
    return new Date(this.wallBase + (Date.now() - this.realStart) + this.advancedMs);
  }
  private wallBase = Date.now();
  advance(ms: number): void {
    this.advancedMs += ms;
    // The constructor's first resetData runs before the modules exist.
    if (this.mcf) this.tick();
  }

  resetData(): void {
    const now = this.opts.now ?? new Date();
    this.wallBase = now.getTime() - (Date.now() - this.realStart) - this.advancedMs;
    this.data = generateData(this.opts.seed, now);
    this.reports.clear();
    this.data.settlements.forEach((s, i) => {
      const id = `5${String(this.opts.seed).padStart(3, "0")}${String(i).padStart(7, "0")}`;
      this.reports.set(id, {
        reportId: id,
        reportType: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        marketplaceIds: [s.marketplaceId],
        createdSim: -Infinity,
        createdAt: s.deposit.getTime(),
        dataStartTime: s.start.toISOString(),
        dataEndTime: s.end.toISOString(),
        documentId: `amzn1.spdoc.1.4.na.settlement-${s.settlementId}`,
        settlementId: s.settlementId,
        notified: true,
      });
    });
    this.subscriptions.clear();
    this.documents.clear();
    this.hub.clear();
    this.inventory.seed();
    this.listings.seed();
    this.returns.seed();
    this.shipments.reset();
    this.feeds.reset();
    this.mcf.reset();
    this.seedMcf();
  }

  /** Two historical MCF orders: one Complete with a processed return, one CompletePartialled (unfulfillable SKU). */
  private seedMcf(): void {
    const days = (n: number) => n * 86_400_000 * this.opts.timeScale;
    this.mcf.seed({
      sellerFulfillmentOrderId: "DEMO-MCF-1001",
      displayableOrderId: "DEMO-MCF-1001",
      items: [
        { lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 2 },
        { lineId: "2", sku: "DEMO-CABLE-USBC-1M", quantity: 1 },
      ],
      ageMs: days(20),
      returns: [{ lineId: "1", reasonCode: "CR-DEFECTIVE", condition: "Defective" }],
    });
    this.mcf.seed({
      sellerFulfillmentOrderId: "DEMO-MCF-1002",
      displayableOrderId: "DEMO-MCF-1002",
      marketplaceId: "A1F83G8C2ARO7P",
      fulfillmentPolicy: "FillAllAvailable",
      items: [
        { lineId: "1", sku: "DEMO-HEADPHONES", quantity: 1 },
        { lineId: "2", sku: MCF_UNFULFILLABLE_SKU, quantity: 1 },
      ],
      ageMs: days(12),
    });
  }

  reset(opts: { data?: boolean } = {}): void {
    this.buckets.clear();
    this.faults = [];
    this.log = [];
    this.counts = {};
    this.throttled = {};
    if (opts.data) this.resetData();
  }

  addFaults(f: Fault | Fault[]): void {
    for (const x of Array.isArray(f) ? f : [f]) this.faults.push({ operation: "*", ...x, remaining: x.count ?? 1 });
  }
  clearFaults(): void {
    this.faults = [];
  }
  requestCounts(): { counts: Record<string, number>; throttled: Record<string, number>; total: number } {
    return { counts: { ...this.counts }, throttled: { ...this.throttled }, total: Object.values(this.counts).reduce((a, b) => a + b, 0) };
  }
  requests(): RequestRecord[] {
    return [...this.log];
  }
  /**
   * Ids of the orders in the given marketplaces and created/updated window that also pass `extra`, in the order
   * both Orders APIs return them (by last update when filtering on it, else by purchase date).
   */
  private searchOrderIds(
    w: {
      marketplaceIds: string[];
      createdAfter?: Date | null;
      createdBefore?: Date | null;
      lastUpdatedAfter?: Date | null;
      lastUpdatedBefore?: Date | null;
    },
    extra: (o: SimOrder) => boolean,
  ): string[] {
    const byUpdate = Boolean(w.lastUpdatedAfter);
    return this.data.orders
      .filter(
        (o) =>
          w.marketplaceIds.includes(o.marketplaceId) &&
          (!w.createdAfter || o.purchaseDate >= w.createdAfter) &&
          (!w.createdBefore || o.purchaseDate < w.createdBefore) &&
          (!w.lastUpdatedAfter || o.lastUpdateDate >= w.lastUpdatedAfter) &&
          (!w.lastUpdatedBefore || o.lastUpdateDate < w.lastUpdatedBefore) &&
          extra(o),
      )
      .sort((a, b) =>
        byUpdate ? a.lastUpdateDate.getTime() - b.lastUpdateDate.getTime() : a.purchaseDate.getTime() - b.purchaseDate.getTime(),
      )
      .map((o) => o.amazonOrderId);
  }

  notifications(type?: string): Record<string, unknown>[] {
    return this.hub.all(type);
  }

  /** The report id under which a seeded settlement's flat file is listed (for notifications a test sends). */
  settlementReportId(settlementId: string): string | undefined {
    for (const r of this.reports.values()) if (r.settlementId === settlementId) return r.reportId;
    return undefined;
  }

  // --- orders (in-process API for tests) -------------------------------------------------------------
  addOrder(input: AddOrderInput): SimOrder {
    const mpIndex = Math.max(
      0,
      DEMO_MARKETPLACES.findIndex((x) => x.marketplaceId === (input.marketplaceId ?? "ATVPDKIKX0DER")),
    );
    const mp = DEMO_MARKETPLACES[mpIndex];
    const n = 1000 + ++this.seq;
    const status = input.status ?? "Unshipped";
    const items = input.items.map((s, l) => {
      const it = buildItem(mp.marketplaceId, String(20_000_000_000_000 + n * 100 + l), s);
      if (status === "Shipped") it.quantityShipped = it.quantity;
      return it;
    });
    const now = this.now();
    const fba = input.fulfillmentChannel
      ? input.fulfillmentChannel === "AFN"
      : (DEMO_PRODUCTS.find((p) => p.sku === input.items[0]?.sku)?.fba ?? false);
    const o: SimOrder = {
      amazonOrderId: orderIdFor(mpIndex, n, this.idRnd),
      sellerOrderId: input.sellerOrderId,
      marketplaceId: mp.marketplaceId,
      currency: mp.currency,
      purchaseDate: input.purchaseDate ? new Date(input.purchaseDate) : now,
      lastUpdateDate: now,
      status,
      fulfillmentChannel: fba ? "AFN" : "MFN",
      shipServiceLevel: "Std " + mp.country + " Dom_1",
      isPrime: fba,
      isBusinessOrder: false,
      items,
      ...fakeBuyer(n, mp.marketplaceId, this.idRnd),
    };
    this.data.orders.push(o);
    this.notifyOrderChange(o);
    return o;
  }

  setOrderStatus(amazonOrderId: string, status: OrderStatus): SimOrder {
    const o = this.data.orders.find((x) => x.amazonOrderId === amazonOrderId);
    if (!o) throw new Error(`no order ${amazonOrderId}`);
    o.status = status;
    o.lastUpdateDate = this.now();
    if (status === "Shipped") {
      o.items.forEach((i) => (i.quantityShipped = i.quantity));
      this.data.events.push(...shipmentEvents(o, o.lastUpdateDate, `D${this.seq++}`));
    }
    this.notifyOrderChange(o);
    return o;
  }

  private notifyOrderChange(o: SimOrder): void {
    this.emit({
      NotificationVersion: "1.0",
      NotificationType: "ORDER_CHANGE",
      PayloadVersion: "1.0",
      EventTime: this.now().toISOString(),
      Payload: {
        OrderChangeNotification: {
          NotificationLevel: "OrderLevel",
          SellerId: "A2DEMOSELLER01",
          AmazonOrderId: o.amazonOrderId,
          OrderChangeType: "OrderStatusChange",
          OrderChangeTrigger: { TimeOfOrderChange: o.lastUpdateDate.toISOString(), ChangeReason: "Order status changed" },
          Summary: {
            MarketplaceId: o.marketplaceId,
            OrderStatus: o.status,
            PurchaseDate: o.purchaseDate.toISOString(),
            DestinationPostalCode: o.address.postalCode,
            FulfillmentType: o.fulfillmentChannel === "AFN" ? "AFN" : "MFN",
            OrderType: "StandardOrder",
            NumberOfItemsShipped: o.items.reduce((s, i) => s + i.quantityShipped, 0),
            NumberOfItemsUnshipped: o.items.reduce((s, i) => s + i.quantity - i.quantityShipped, 0),
            EarliestDeliveryDate: new Date(o.purchaseDate.getTime() + 3 * 86_400_000).toISOString(),
            LatestDeliveryDate: new Date(o.purchaseDate.getTime() + 7 * 86_400_000).toISOString(),
            EarliestShipDate: new Date(o.purchaseDate.getTime() + 86_400_000).toISOString(),
            LatestShipDate: new Date(o.purchaseDate.getTime() + 2 * 86_400_000).toISOString(),
            OrderPrograms: o.isPrime ? ["Prime"] : [],
            ShippingPrograms: [],
            OrderItems: o.items.map((i) => ({
              OrderItemId: i.orderItemId,
              SupplySourceId: null,
              ItemFulfillmentBucket: null,
              SellerSKU: i.sku,
              Quantity: i.quantity,
              QuantityShipped: i.quantityShipped,
            })),
          },
        },
      },
      NotificationMetadata: {
        ApplicationId: "amzn1.sellerapps.app.demo",
        SubscriptionId: "demo-subscription-order-change",
        PublishTime: this.now().toISOString(),
        NotificationId: randomUUID(),
      },
    });
  }

  // --- quotas ------------------------------------------------------------------------------------------
  /** Token bucket per operation on simulated time; returns false when the call must be refused. */
  private take(op: OperationName): boolean {
    const spec = OPERATIONS[op];
    const nowSim = this.simMs();
    const b = this.buckets.get(op) ?? { tokens: spec.burst, at: nowSim };
    b.tokens = Math.min(spec.burst, b.tokens + ((nowSim - b.at) / 1000) * spec.rate);
    b.at = nowSim;
    this.buckets.set(op, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
  /** The rate a client observes in real time (what x-amzn-RateLimit-Limit reports). */
  rateHeader(op: OperationName): string {
    return String(Number((OPERATIONS[op].rate * this.opts.timeScale).toPrecision(6)));
  }

  private takeFault(operation: string): (Fault & { remaining: number }) | undefined {
    const f = this.faults.find((x) => x.operation === operation || (x.operation === "*" && operation !== "lwa"));
    if (!f) return undefined;
    if (f.remaining > 0 && --f.remaining === 0) this.faults.splice(this.faults.indexOf(f), 1);
    return f;
  }

  /** Applies an injected fault; returns true when the request has been answered (or dropped). */
  async applyFault(operation: string, res: ServerResponse, headers: Record<string, string>, record?: RequestRecord): Promise<boolean> {
    const f = this.takeFault(operation);
    if (!f) return false;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    if (f.drop) {
      if (record) record.status = -1;
      res.socket?.destroy();
      return true;
    }
    let answer: [number, unknown] | undefined;
    if (f.status === 429) {
      this.throttled[operation] = (this.throttled[operation] ?? 0) + 1;
      answer = [429, errors("QuotaExceeded", "You exceeded your quota for the requested resource.")];
    } else if (f.status === 403) {
      answer = [403, errors("Unauthorized", "Access to requested resource is denied.", "The access token you provided has expired.")];
    } else if (f.status) {
      answer = [
        f.status,
        errors(f.status === 503 ? "ServiceUnavailable" : "InternalFailure", "We encountered an internal error. Please try again."),
      ];
    }
    if (!answer) return false; // latency only: handle the call normally
    if (record) [record.status, record.response] = answer;
    json(res, answer[0], answer[1], headers);
    return true;
  }

  // --- the API -----------------------------------------------------------------------------------------
  async handleApi(req: IncomingMessage, res: ServerResponse, url: URL, rawBody: Buffer): Promise<void> {
    this.tick();
    const match = matchOperation(req.method ?? "GET", url.pathname);
    const query = Object.fromEntries(url.searchParams.entries());
    let body: unknown;
    if (rawBody.length) {
      try {
        body = JSON.parse(rawBody.toString("utf8"));
      } catch {
        return json(res, 400, errors("InvalidInput", "The request body is not valid JSON."));
      }
    }
    if (!match) return json(res, 404, errors("NotFound", `The simulator does not serve ${req.method} ${url.pathname}.`));
    const op = match.name;
    const headers = { "x-amzn-RateLimit-Limit": this.rateHeader(op) };
    const record: RequestRecord = {
      at: new Date().toISOString(),
      operation: op,
      method: req.method ?? "GET",
      path: url.pathname,
      pathParams: match.params,
      query,
      body,
      status: 0,
      restricted: false,
    };
    const send = (status: number, payload: unknown) => {
      record.status = status;
      record.response = payload;
      json(res, status, payload, headers);
    };
    this.counts[op] = (this.counts[op] ?? 0) + 1;
    this.log.push(record);
    if (this.log.length > 5000) this.log.shift();

    const token = req.headers["x-amz-access-token"];
    if (typeof token !== "string" || token.trim() === "") {
      return send(403, errors("Unauthorized", "Access to requested resource is denied.", "The request has no access token."));
    }
    if (await this.applyFault(op, res, headers, record)) return;
    if (!this.take(op)) {
      this.throttled[op] = (this.throttled[op] ?? 0) + 1;
      return send(429, errors("QuotaExceeded", "You exceeded your quota for the requested resource."));
    }
    const rdt = this.rdts.get(token);
    const pii = !!rdt && rdt.some((r) => r.method === record.method && (r.path === url.pathname || this.pathMatches(r.path, url.pathname)));
    record.restricted = pii;
    try {
      const [status, payload] = this.dispatch(op, match.params, url.searchParams, body, pii);
      send(status, payload);
    } catch (err) {
      send(500, errors("InternalFailure", (err as Error).message));
    }
  }

  private pathMatches(pattern: string, path: string): boolean {
    // An RDT for "/orders/v0/orders" covers getOrders; one for "/orders/v0/orders/{orderId}/..." the one order.
    return pattern === path || (pattern.endsWith("/orders/v0/orders") && path === pattern);
  }

  /** includedData of Orders 2026-01-01: a set of known dataset names, or the error message. */
  private includedData2026(values: string[]): ReadonlySet<string> | string {
    const known = [
      "BUYER",
      "RECIPIENT",
      "PROCEEDS",
      "EXPENSE",
      "PROMOTION",
      "CANCELLATION",
      "FULFILLMENT",
      "PACKAGES",
      "TAX",
      "PAYMENT",
      "FULFILLMENT_ORDERS",
    ];
    const unknown = values.filter((v) => !known.includes(v));
    return unknown.length ? `Invalid includedData value(s): ${unknown.join(", ")}.` : new Set(values);
  }

  pageToken(kind: string, state: unknown): string {
    const t = Buffer.from(`${kind}:${randomUUID()}`).toString("base64");
    this.pageTokens.set(t, { kind, state, createdSim: this.simMs() });
    return t;
  }

  private dispatch(op: OperationName, p: Record<string, string>, q: URLSearchParams, body: any, pii: boolean): Answer {
    const list = (name: string) => (q.get(name) ?? "").split(",").filter(Boolean);
    const bad = (message: string): [number, unknown] => [400, errors("InvalidInput", message)];
    const notFound = (message: string): [number, unknown] => [404, errors("NotFound", message)];
    const date = (name: string) => {
      const v = q.get(name);
      if (!v) return undefined;
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? null : d;
    };
    switch (op) {
      case "getOrders": {
        const next = q.get("NextToken");
        let state: { filtered: string[]; offset: number; size: number; before: string };
        if (next) {
          const t = this.pageTokens.get(next);
          if (!t || t.kind !== "orders") return bad("Invalid NextToken.");
          state = t.state;
        } else {
          const mps = list("MarketplaceIds");
          if (!mps.length) return bad("MarketplaceIds is required.");
          const ca = date("CreatedAfter");
          const lua = date("LastUpdatedAfter");
          if (ca === null || lua === null || date("CreatedBefore") === null || date("LastUpdatedBefore") === null)
            return bad("Invalid date format (ISO 8601 expected).");
          if (!ca && !lua) return bad("Either CreatedAfter or LastUpdatedAfter must be specified.");
          if (ca && lua) return bad("CreatedAfter and LastUpdatedAfter cannot both be specified.");
          const size = Number(q.get("MaxResultsPerPage") ?? 100);
          if (!Number.isInteger(size) || size < 1 || size > 100) return bad("MaxResultsPerPage must be between 1 and 100.");
          const statuses = list("OrderStatuses");
          const channels = list("FulfillmentChannels");
          const ids = list("AmazonOrderIds");
          const cb = date("CreatedBefore");
          const lub = date("LastUpdatedBefore");
          const before = new Date(this.now().getTime() - 120_000);
          const filtered = this.searchOrderIds(
            { marketplaceIds: mps, createdAfter: ca, createdBefore: cb, lastUpdatedAfter: lua, lastUpdatedBefore: lub },
            (o) =>
              (!statuses.length || statuses.includes(o.status)) &&
              (!channels.length || channels.includes(o.fulfillmentChannel)) &&
              (!ids.length || ids.includes(o.amazonOrderId)),
          );
          state = { filtered, offset: 0, size, before: before.toISOString() };
        }
        const page = state.filtered.slice(state.offset, state.offset + state.size);
        const payload: Record<string, unknown> = {
          Orders: page.map((id) => orderJson(this.data.orders.find((o) => o.amazonOrderId === id)!, pii)),
        };
        if (state.offset + state.size < state.filtered.length)
          payload.NextToken = this.pageToken("orders", { ...state, offset: state.offset + state.size });
        payload.LastUpdatedBefore = state.before;
        return [200, { payload }];
      }
      case "getOrder": {
        const o = this.data.orders.find((x) => x.amazonOrderId === p.orderId);
        return o ? [200, { payload: orderJson(o, pii) }] : notFound(`Order ${p.orderId} was not found.`);
      }
      case "searchOrders": {
        const included = this.includedData2026(list("includedData"));
        if (typeof included === "string") return bad(included);
        const next = q.get("paginationToken");
        let state: { filtered: string[]; offset: number; size: number; before: string; by: "created" | "updated" };
        if (next) {
          const t = this.pageTokens.get(next);
          if (!t || t.kind !== "orders2026") return bad("Invalid paginationToken.");
          state = t.state;
        } else {
          const mps = list("marketplaceIds");
          if (!mps.length) return bad("marketplaceIds is required.");
          if (mps.length > 50) return bad("marketplaceIds takes at most 50 values.");
          const ca = date("createdAfter");
          const cb = date("createdBefore");
          const lua = date("lastUpdatedAfter");
          const lub = date("lastUpdatedBefore");
          if (ca === null || cb === null || lua === null || lub === null) return bad("Invalid date format (ISO 8601 expected).");
          if (!ca === !lua) return bad("Exactly one of createdAfter and lastUpdatedAfter must be specified.");
          if ((ca && lub) || (lua && cb))
            return bad("createdAfter cannot be combined with lastUpdatedBefore, nor lastUpdatedAfter with createdBefore.");
          const before = new Date(this.now().getTime() - 120_000);
          if (cb && cb > before) return bad("createdBefore must be at least 2 minutes before the time of the request.");
          const size = Number(q.get("maxResultsPerPage") ?? 100);
          if (!Number.isInteger(size) || size < 1 || size > 100) return bad("maxResultsPerPage must be between 1 and 100.");
          const statuses = list("fulfillmentStatuses");
          const by = list("fulfilledBy");
          const filtered = this.searchOrderIds(
            { marketplaceIds: mps, createdAfter: ca, createdBefore: cb, lastUpdatedAfter: lua, lastUpdatedBefore: lub },
            (o) =>
              (!statuses.length || statuses.includes(ORDER_STATUS_2026[o.status])) &&
              (!by.length || by.includes(o.fulfillmentChannel === "AFN" ? "AMAZON" : "MERCHANT")),
          );
          state = { filtered, offset: 0, size, before: before.toISOString(), by: lua ? "updated" : "created" };
        }
        const page = state.filtered.slice(state.offset, state.offset + state.size);
        const payload: Record<string, unknown> = {
          orders: page.map((id) => order2026Json(this.data.orders.find((o) => o.amazonOrderId === id)!, included)),
        };
        if (state.offset + state.size < state.filtered.length)
          payload.pagination = { nextToken: this.pageToken("orders2026", { ...state, offset: state.offset + state.size }) };
        payload[state.by === "updated" ? "lastUpdatedBefore" : "createdBefore"] = state.before;
        return [200, payload];
      }
      case "getOrder2026": {
        const included = this.includedData2026(list("includedData"));
        if (typeof included === "string") return bad(included);
        const o = this.data.orders.find((x) => x.amazonOrderId === p.orderId);
        return o ? [200, { order: order2026Json(o, included) }] : notFound(`Order ${p.orderId} was not found.`);
      }
      case "getOrderItems": {
        const o = this.data.orders.find((x) => x.amazonOrderId === p.orderId);
        if (!o) return notFound(`Order ${p.orderId} was not found.`);
        const size = this.opts.orderItemsPageSize ?? 5;
        const next = q.get("NextToken");
        const offset = next ? this.pageTokens.get(next)?.state?.offset : 0;
        if (offset === undefined) return bad("Invalid NextToken.");
        const items = o.items.slice(offset, offset + size).map((i) => orderItemJson(o, i, pii));
        const payload: Record<string, unknown> = { OrderItems: items, AmazonOrderId: o.amazonOrderId };
        if (offset + size < o.items.length) payload.NextToken = this.pageToken("orderItems", { offset: offset + size });
        return [200, { payload }];
      }
      case "getOrderAddress": {
        const o = this.data.orders.find((x) => x.amazonOrderId === p.orderId);
        if (!o) return notFound(`Order ${p.orderId} was not found.`);
        return [
          200,
          {
            payload: {
              AmazonOrderId: o.amazonOrderId,
              ShippingAddress: {
                ...(pii ? { Name: o.address.name, AddressLine1: o.address.line1, Phone: o.address.phone } : {}),
                City: o.address.city,
                StateOrRegion: o.address.stateOrRegion,
                PostalCode: o.address.postalCode,
                CountryCode: o.address.countryCode,
              },
            },
          },
        ];
      }
      case "getOrderBuyerInfo": {
        const o = this.data.orders.find((x) => x.amazonOrderId === p.orderId);
        if (!o) return notFound(`Order ${p.orderId} was not found.`);
        return [
          200,
          { payload: { AmazonOrderId: o.amazonOrderId, BuyerEmail: o.buyer.email, ...(pii ? { BuyerName: o.buyer.name } : {}) } },
        ];
      }
      case "confirmShipment":
        return this.shipments.confirm(p.orderId, body);
      case "createRestrictedDataToken": {
        const resources = body?.restrictedResources;
        if (!Array.isArray(resources) || resources.length === 0) return bad("restrictedResources is required.");
        for (const r of resources) {
          if (!r || typeof r.path !== "string" || !["GET", "PUT", "POST", "DELETE"].includes(r.method))
            return bad("Each restricted resource needs a method and a path.");
          if (r.path.endsWith("/")) return bad(`Invalid path ${r.path}: remove the trailing slash.`);
        }
        const token = `Atz.sprdt|sim|${randomUUID()}`;
        this.rdts.set(token, resources);
        return [200, { restrictedDataToken: token, expiresIn: 3600 }];
      }
      case "getReports": {
        const next = q.get("nextToken");
        let state: { ids: string[]; offset: number; size: number };
        if (next) {
          if ([...q.keys()].length > 1) return bad("nextToken must be the only parameter.");
          const t = this.pageTokens.get(next);
          if (!t || t.kind !== "reports") return bad("Invalid nextToken.");
          state = t.state;
        } else {
          const types = list("reportTypes");
          if (types.length > 10) return bad("reportTypes accepts at most 10 values.");
          const statuses = list("processingStatuses");
          const mps = list("marketplaceIds");
          const size = Number(q.get("pageSize") ?? 10);
          if (!Number.isInteger(size) || size < 1 || size > 100) return bad("pageSize must be between 1 and 100.");
          const since = date("createdSince") ?? new Date(this.now().getTime() - 90 * 86_400_000);
          const until = date("createdUntil") ?? this.now();
          if (since === null || until === null) return bad("Invalid date.");
          const ids = [...this.reports.values()]
            .filter((r) => {
              const created = new Date(r.createdAt);
              return (
                (!types.length || types.includes(r.reportType)) &&
                (!statuses.length || statuses.includes(this.reportStatus(r))) &&
                (!mps.length || r.marketplaceIds.some((m) => mps.includes(m))) &&
                created >= since &&
                created <= until
              );
            })
            .sort((a, b) => b.createdAt - a.createdAt)
            .map((r) => r.reportId);
          state = { ids, offset: 0, size };
        }
        const page = state.ids.slice(state.offset, state.offset + state.size).map((id) => this.reportJson(this.reports.get(id)!));
        const out: Record<string, unknown> = { reports: page };
        if (state.offset + state.size < state.ids.length)
          out.nextToken = this.pageToken("reports", { ...state, offset: state.offset + state.size });
        return [200, out];
      }
      case "createReport": {
        if (!body?.reportType || !Array.isArray(body.marketplaceIds) || body.marketplaceIds.length === 0)
          return bad("reportType and marketplaceIds are required.");
        if (body.reportType === "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2")
          return bad("Request for report type 1118 is not allowed at this time");
        const known = [
          "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
          "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
          "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
          "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
        ];
        if (!known.includes(body.reportType)) return bad(`The simulator cannot produce report type ${body.reportType}.`);
        const id = String(60_000_000_000 + this.reports.size + ++this.seq);
        this.reports.set(id, {
          reportId: id,
          reportType: body.reportType,
          marketplaceIds: body.marketplaceIds,
          createdSim: this.simMs(),
          createdAt: this.now().getTime(),
          dataStartTime: body.dataStartTime,
          dataEndTime: body.dataEndTime,
          documentId: `amzn1.spdoc.1.4.na.${randomUUID()}`,
        });
        return [202, { reportId: id }];
      }
      case "getReport": {
        const r = this.reports.get(p.reportId);
        return r ? [200, this.reportJson(r)] : notFound(`Report ${p.reportId} was not found.`);
      }
      case "getReportDocument": {
        const r = [...this.reports.values()].find((x) => x.documentId === p.reportDocumentId && this.reportStatus(x) === "DONE");
        if (!r) return notFound(`Report document ${p.reportDocumentId} was not found.`);
        const docKey = this.ensureReportDocument(r);
        return [200, { reportDocumentId: r.documentId, url: this.documentUrl(docKey), compressionAlgorithm: "GZIP" }];
      }
      case "createFeedDocument":
        return this.feeds.createDocument(body);
      case "createFeed":
        return this.feeds.create(body);
      case "getFeed":
        return this.feeds.get(p.feedId);
      case "cancelFeed":
        return this.feeds.cancel(p.feedId);
      case "getFeedDocument":
        return this.feeds.document(p.feedDocumentId);
      case "getInventorySummaries": {
        const next = q.get("nextToken");
        if (q.get("granularityType") !== "Marketplace" || !q.get("granularityId"))
          return bad("granularityType=Marketplace and granularityId are required.");
        const mps = list("marketplaceIds");
        if (mps.length !== 1) return bad("marketplaceIds must hold exactly one marketplace.");
        let offset = 0;
        if (next) {
          const t = this.pageTokens.get(next);
          // SP-API: the nextToken of getInventorySummaries expires 30 seconds after it was created.
          if (!t || t.kind !== "inventory") return bad("Invalid nextToken.");
          if (this.simMs() - t.createdSim > 30_000) return bad("The nextToken has expired. Request the first page again.");
          offset = t.state.offset;
        }
        const skus = list("sellerSkus");
        const one = q.get("sellerSku");
        const start = date("startDateTime");
        const rows = this.data.inventory.filter(
          (i) =>
            i.marketplaceId === mps[0] &&
            (!skus.length || skus.includes(i.sku)) &&
            (!one || i.sku === one) &&
            (!start || i.lastUpdated >= start),
        );
        const size = this.opts.inventoryPageSize ?? 3;
        const details = q.get("details") === "true";
        const out: Record<string, unknown> = {
          payload: {
            granularity: { granularityType: "Marketplace", granularityId: q.get("granularityId") },
            inventorySummaries: rows.slice(offset, offset + size).map((i) => inventoryJson(i, details)),
          },
        };
        if (offset + size < rows.length) out.pagination = { nextToken: this.pageToken("inventory", { offset: offset + size }) };
        return [200, out];
      }
      case "getFulfillmentPreview":
        return this.mcf.preview2020(body);
      case "createFulfillmentOrder":
        return this.mcf.create2020(body);
      case "getFulfillmentOrder":
        return this.mcf.get2020(p.sellerFulfillmentOrderId);
      case "listAllFulfillmentOrders":
        return this.mcf.list2020(q);
      case "cancelFulfillmentOrder":
        return this.mcf.cancel2020(p.sellerFulfillmentOrderId);
      case "getPackageTrackingDetails":
        return this.mcf.tracking2020(q);
      case "listReturnReasonCodes":
        return this.mcf.returnReasons2020(q);
      case "createFulfillmentReturn":
        return this.mcf.createReturn2020(p.sellerFulfillmentOrderId, body);
      case "mcfGetOrderPreview2026":
        return this.mcf.preview2026(body);
      case "mcfCreateOrder2026":
        return this.mcf.create2026(body);
      case "mcfGetOrder2026":
        return this.mcf.get2026(p.orderId, q);
      case "mcfListOrders2026":
        return this.mcf.list2026(q);
      case "mcfCancelOrder2026":
        return this.mcf.cancel2026(p.orderId);
      case "listFinancialEventsByOrderId":
        return this.finances.byOrder(p.orderId, q);
      case "listTransactions":
        return this.finances.listTransactions(q);
      case "listFinancialEvents": {
        const next = q.get("NextToken");
        let state: { keys: number[]; offset: number; size: number };
        const size = Number(q.get("MaxResultsPerPage") ?? 100);
        if (!Number.isInteger(size) || size < 1 || size > 100) return bad("MaxResultsPerPage must be between 1 and 100.");
        if (next) {
          const t = this.pageTokens.get(next);
          if (!t || t.kind !== "finances") return bad("Invalid NextToken.");
          state = t.state;
        } else {
          const after = date("PostedAfter");
          const before = date("PostedBefore");
          if (after === null || before === null) return bad("Invalid date.");
          if (!after) return bad("PostedAfter is required when NextToken is absent.");
          if (before && before.getTime() - after.getTime() > 180 * 86_400_000)
            return bad("PostedAfter and PostedBefore must be at most 180 days apart.");
          const idx = this.data.events.map((e, i) => [e, i] as const).filter(([e]) => e.posted >= after && (!before || e.posted < before));
          state = { keys: idx.map(([, i]) => i), offset: 0, size };
        }
        // Page by event groups: the page holds the money events of at most `size` orders.
        const evs = state.keys.map((i) => this.data.events[i]);
        const groups: number[][] = [];
        const seen = new Map<string, number>();
        evs.forEach((e, i) => {
          const k = `${e.transactionType}|${e.orderId ?? e.amountDescription}|${e.posted.getTime()}`;
          if (!seen.has(k)) {
            seen.set(k, groups.length);
            groups.push([]);
          }
          groups[seen.get(k)!].push(state.keys[i]);
        });
        const pageGroups = groups.slice(state.offset, state.offset + state.size);
        const payload: Record<string, unknown> = {
          FinancialEvents: financialEventsJson(pageGroups.flat().map((i) => this.data.events[i])),
        };
        if (state.offset + state.size < groups.length)
          payload.NextToken = this.pageToken("finances", { ...state, offset: state.offset + state.size });
        return [200, { payload }];
      }
      case "getListingsItem":
        return this.listings.get(p, q);
      case "putListingsItem":
        return this.listings.put(p, q, body);
      case "patchListingsItem":
        return this.listings.patch(p, q, body);
      case "searchListingsItems":
        return this.listings.search(p, q);
      case "searchCatalogItems":
        return this.listings.searchCatalog(q);
      case "getDefinitionsProductType":
        return this.listings.definition(p, q);
      case "getSubscription": {
        const s = this.subscriptions.get(p.notificationType);
        return s ? [200, { payload: s }] : notFound(`No subscription for ${p.notificationType}.`);
      }
      case "createSubscription": {
        if (!body?.destinationId || !body?.payloadVersion) return bad("destinationId and payloadVersion are required.");
        if (this.subscriptions.has(p.notificationType))
          return [409, errors("Conflict", `A subscription for ${p.notificationType} exists already.`)];
        const s = {
          subscriptionId: randomUUID(),
          payloadVersion: body.payloadVersion,
          destinationId: body.destinationId,
          ...(body.processingDirective ? { processingDirective: body.processingDirective } : {}),
        };
        this.subscriptions.set(p.notificationType, s);
        return [200, { payload: s }];
      }
    }
  }

  /** A wall-clock time `simMs` simulated milliseconds after `at` (durations shrink by timeScale). */
  after(at: number, simMs: number): Date {
    return new Date(at + simMs / this.opts.timeScale);
  }
  /** IN_QUEUE for 2 s, IN_PROGRESS until 10 s after creation, then DONE (simulated time). */
  private progress(createdSim: number): "IN_QUEUE" | "IN_PROGRESS" | "DONE" {
    const age = this.simMs() - createdSim;
    return age < 2_000 ? "IN_QUEUE" : age < 10_000 ? "IN_PROGRESS" : "DONE";
  }
  private reportStatus(r: Report): string {
    return r.settlementId ? "DONE" : this.progress(r.createdSim);
  }
  private reportJson(r: Report): Record<string, unknown> {
    const status = this.reportStatus(r);
    const out: Record<string, unknown> = {
      reportId: r.reportId,
      reportType: r.reportType,
      marketplaceIds: r.marketplaceIds,
      createdTime: new Date(r.createdAt).toISOString(),
      processingStatus: status,
    };
    if (r.dataStartTime) out.dataStartTime = new Date(r.dataStartTime).toISOString();
    if (r.dataEndTime) out.dataEndTime = new Date(r.dataEndTime).toISOString();
    if (status !== "IN_QUEUE") out.processingStartTime = this.after(r.createdAt, r.settlementId ? 0 : 2_000).toISOString();
    if (status === "DONE") {
      out.processingEndTime = this.after(r.createdAt, r.settlementId ? 0 : 10_000).toISOString();
      out.reportDocumentId = r.documentId;
      if (!r.notified) {
        r.notified = true;
        this.emit({
          notificationVersion: "2020-09-04",
          notificationType: "REPORT_PROCESSING_FINISHED",
          payloadVersion: "2020-09-04",
          eventTime: this.now().toISOString(),
          payload: {
            reportProcessingFinishedNotification: {
              sellerId: "A2DEMOSELLER01",
              accountId: "amzn1.merchant.o.A2DEMOSELLER01",
              reportId: r.reportId,
              reportType: r.reportType,
              processingStatus: "DONE",
              reportDocumentId: r.documentId,
            },
          },
          notificationMetadata: {
            applicationId: "amzn1.sellerapps.app.demo",
            subscriptionId: "demo-subscription-report",
            publishTime: this.now().toISOString(),
            notificationId: randomUUID(),
          },
        });
      }
    }
    return out;
  }
  documentUrl(key: string): string {
    // Looks like a presigned S3 URL; SP-API: the URL expires after 5 minutes.
    const expires = Math.floor(this.simMs());
    return `${this.opts.baseUrl()}/_documents/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=${expires}&X-Amz-Expires=300&X-Amz-Signature=sim`;
  }

  private ensureReportDocument(r: Report): string {
    const key = `report/${r.documentId}`;
    if (this.documents.has(key)) return key;
    let body: Buffer;
    let contentType = "text/plain";
    if (r.settlementId) {
      body = Buffer.from(renderSettlement(this.data.settlements.find((s) => s.settlementId === r.settlementId)!), "utf8");
    } else if (r.reportType.startsWith("GET_FLAT_FILE_ALL_ORDERS_DATA")) {
      const byUpdate = r.reportType.includes("LAST_UPDATE");
      const start = r.dataStartTime ? new Date(r.dataStartTime) : new Date(0);
      const end = r.dataEndTime ? new Date(r.dataEndTime) : this.now();
      const orders = this.data.orders.filter(
        (o) =>
          r.marketplaceIds.includes(o.marketplaceId) &&
          (byUpdate ? o.lastUpdateDate : o.purchaseDate) >= start &&
          (byUpdate ? o.lastUpdateDate : o.purchaseDate) <= end,
      );
      body = renderOrderReport(orders);
      contentType = "text/plain;charset=Cp1252";
    } else if (r.reportType === "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA") {
      body = this.returns.fbaReport(r.marketplaceIds, r.dataStartTime, r.dataEndTime);
      contentType = "text/plain;charset=Cp1252";
    } else if (r.reportType === "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE") {
      body = this.returns.fbmReport(r.marketplaceIds, r.dataStartTime, r.dataEndTime);
      contentType = "text/plain;charset=Cp1252";
    } else {
      body = Buffer.alloc(0);
    }
    this.documents.set(key, { body: gzipSync(body), contentType, createdSim: this.simMs(), gzip: true });
    return key;
  }

  /** GET /_documents/... (download) and PUT /_documents/upload/... (feed upload). */
  handleDocument(method: string, url: URL, body: Buffer, res: ServerResponse, contentType?: string): void {
    const key = url.pathname.slice("/_documents/".length);
    const issued = Number(url.searchParams.get("X-Amz-Date"));
    if (!Number.isFinite(issued) || this.simMs() - issued > 300_000) {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      return;
    }
    if (method === "PUT" && key.startsWith("upload/")) {
      if (!this.feeds.upload(key.slice("upload/".length), body, contentType)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200).end();
      return;
    }
    const doc = this.documents.get(key);
    if (!doc || method !== "GET") {
      res.writeHead(404, { "content-type": "application/xml" });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>',
      );
      return;
    }
    res.writeHead(200, { "content-type": doc.contentType, "content-length": String(doc.body.length) });
    res.end(doc.body);
  }
}

export { generateData };
