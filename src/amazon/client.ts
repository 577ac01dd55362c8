/**
 * The SP-API connector: typed, zod-validated operations on top of `amazon-sp-api` 1.2.1.
 *
 * What this module does once, so that flows never see it: LWA auth (client secret and refresh token from
 * the secret store, refreshed before the 1 h expiry and again when Amazon says the token expired), endpoint
 * versions pinned (never the library's default nor a silent fallback), the shared rate limiter before every
 * call, capped retries with backoff and jitter (the library's own unbounded retry loop is off), paging by
 * NextToken, restricted data tokens for buyer PII, and Amazon's errors mapped to the app's error family.
 */
import type { Agent } from "node:https";
import { SellingPartner } from "amazon-sp-api";
import type { z } from "zod";
import type { Clock } from "../platform/clock";
import {
  AppError,
  ConflictError,
  InternalError,
  NotFoundError,
  ThrottledError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from "../platform/errors";
import type { Telemetry } from "../platform/telemetry";
import { silentTelemetry } from "../platform/telemetry";
import { CatalogApi } from "./catalog";
import type { CallInput, SpApiContext } from "./context";
import { downloadDocument, openDocument, uploadDocument, type DocumentStream, type DownloadedDocument } from "./documents";
import { errorFromNetwork, errorFromResponse } from "./errors";
import { FbaInventoryApi } from "./fba-inventory";
import { FinancesApi } from "./finances";
import { ListingsApi } from "./listings";
import { ListingsFeedApi } from "./listings-feed";
import { McfApi, type McfApiVersion } from "./mcf";
import { ENDPOINT_VERSIONS, OPERATIONS, type OperationName, type OperationSpec } from "./operations";
import type { SharedRateLimiter } from "./rate-limiter";
import { ReportsApi } from "./reports";
import * as S from "./schemas";

export interface SpApiCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface SpApiClientOptions {
  region: "na" | "eu" | "fe";
  sellerId: string;
  credentials: () => Promise<SpApiCredentials>;
  limiter: SharedRateLimiter;
  clock: Clock;
  /** Custom agent (SPAPI_ENDPOINT_OVERRIDE); undefined = Amazon. */
  agent?: Agent;
  /** Retries after a 429, a 5xx or a network error (GET only for the latter two). */
  maxRetries: number;
  /** Use restricted data tokens for getOrderAddress / getOrderBuyerInfo. */
  useRdt: boolean;
  telemetry?: Telemetry;
  random?: () => number;
  /** Base delay of the 5xx/network backoff. */
  backoffBaseMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Longest wait for a quota token before the call fails with a retryable ThrottledError (default 4 min). */
  maxQuotaWaitMs?: number;
  /** Fulfillment Outbound version behind `client.mcf`'s version-neutral methods (setting SPAPI_MCF_API; default 2020-07-01). */
  mcfApi?: McfApiVersion;
}

/** What each getOrders call filters by. Exactly one of createdAfter / lastUpdatedAfter is required. */
export interface GetOrdersQuery {
  marketplaceIds: string[];
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  lastUpdatedAfter?: Date | string;
  lastUpdatedBefore?: Date | string;
  orderStatuses?: S.Order["OrderStatus"][];
  fulfillmentChannels?: ("AFN" | "MFN")[];
  amazonOrderIds?: string[];
  maxResultsPerPage?: number;
}

/** What searchOrders (Orders 2026-01-01) filters by. Exactly one of createdAfter / lastUpdatedAfter is required. */
export interface SearchOrdersQuery {
  marketplaceIds: string[];
  createdAfter?: Date | string;
  createdBefore?: Date | string;
  lastUpdatedAfter?: Date | string;
  lastUpdatedBefore?: Date | string;
  fulfillmentStatuses?: S.FulfillmentStatus2026[];
  fulfilledBy?: ("MERCHANT" | "AMAZON")[];
  maxResultsPerPage?: number;
  /** Datasets beyond the order's core (ids, times, sales channel, items); default: none. */
  includedData?: S.Orders2026IncludedData[];
}

export interface SearchOrdersPage {
  orders: S.Order2026[];
  nextToken?: string;
  lastUpdatedBefore?: string;
  createdBefore?: string;
}

/** What the orders flow reads from getOrder 2026-01-01: status, money, items, address, promotions, tax. */
export const ORDER_2026_FLOW_DATA: S.Orders2026IncludedData[] = ["RECIPIENT", "PROCEEDS", "PROMOTION", "FULFILLMENT", "TAX"];

export interface OrdersPage {
  orders: S.Order[];
  nextToken?: string;
  /** Amazon's own "data is complete up to" time: use it as the next watermark. */
  lastUpdatedBefore?: string;
  createdBefore?: string;
}

export interface ConfirmShipmentInput {
  marketplaceId: string;
  packageReferenceId: string;
  carrierCode: string;
  carrierName?: string;
  shippingMethod?: string;
  trackingNumber: string;
  shipDate: Date | string;
  items: { orderItemId: string; quantity: number; transparencyCodes?: string[] }[];
}

export interface GetReportsQuery {
  reportTypes?: string[];
  processingStatuses?: S.Report["processingStatus"][];
  marketplaceIds?: string[];
  createdSince?: Date | string;
  createdUntil?: Date | string;
  pageSize?: number;
}

export interface CreateReportInput {
  reportType: string;
  marketplaceIds: string[];
  dataStartTime?: Date | string;
  dataEndTime?: Date | string;
  reportOptions?: Record<string, string>;
}

export interface CreateFeedInput {
  feedType: string;
  marketplaceIds: string[];
  inputFeedDocumentId: string;
  feedOptions?: Record<string, string>;
}

export interface PollOptions {
  /** Time between polls (default 15 s; getReport allows 2/s, but reports take minutes). */
  intervalMs?: number;
  /** Give up after this long (default 30 min). */
  timeoutMs?: number;
}

export interface InventoryQuery {
  marketplaceId: string;
  sellerSkus?: string[];
  startDateTime?: Date | string;
  details?: boolean;
}

export interface FinancialEventsQuery {
  postedAfter: Date | string;
  postedBefore?: Date | string;
  maxResultsPerPage?: number;
}

export interface PatchListingsInput {
  marketplaceIds: string[];
  productType: string;
  patches: z.infer<typeof S.ListingsPatchOperation>[];
  /** VALIDATION_PREVIEW checks without changing anything. */
  mode?: "VALIDATION_PREVIEW";
}

export interface CreateSubscriptionInput {
  destinationId: string;
  payloadVersion: string;
  processingDirective?: Record<string, unknown>;
}

interface RawResponse {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const iso = (d: Date | string | undefined) => (d === undefined ? undefined : new Date(d).toISOString());
const TOKEN_LIFETIME_MS = 50 * 60_000; // LWA tokens live 1 h; refresh well before.

/**
 * Finances (v0 `CurrencyAmount`, 2024-06-19 `currencyAmount`) sends amounts as JSON numbers: keep their digits
 * by turning them into strings before JSON.parse.
 */
export function quoteCurrencyAmounts(body: string): string {
  return body.replace(/("[Cc]urrencyAmount"\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, '$1"$2"');
}

/** Operations whose amounts arrive as JSON numbers. */
const NUMERIC_AMOUNT_OPERATIONS = new Set<OperationName>(["listFinancialEvents", "listFinancialEventsByOrderId", "listTransactions"]);

export class SpApiClient {
  private sp?: SellingPartner;
  private spPromise?: Promise<SellingPartner>;
  private tokenAt = 0;
  private refreshing?: Promise<void>;
  private readonly rdtCache = new Map<string, { token: string; expiresAt: number }>();
  private readonly telemetry: Telemetry;
  private readonly random: () => number;

  /** Multi-Channel Fulfillment: Fulfillment Outbound 2020-07-01, and 2026-07-04 behind `mcfApi`. */
  readonly mcf: McfApi;
  /** Listings Items 2021-08-01: get, put, patch (with VALIDATION_PREVIEW), search, FBM quantity. */
  readonly listings: ListingsApi;
  /** JSON_LISTINGS_FEED: build, submit, follow, read the processing report, cancel. */
  readonly listingsFeed: ListingsFeedApi;
  /** Catalog Items 2022-04-01 search by barcode, Product Type Definitions 2020-09-01. */
  readonly catalog: CatalogApi;
  /** FBA Inventory v1 summaries with details, all pages (restarting once when a nextToken expired). */
  readonly fbaInventory: FbaInventoryApi;
  /** Requested reports end to end (create → poll → download), e.g. the FBA and FBM returns reports. */
  readonly reports: ReportsApi;
  /** Refunds and transactions: Finances v0 by order, Finances 2024-06-19 listTransactions. */
  readonly finances: FinancesApi;

  constructor(private readonly opts: SpApiClientOptions) {
    this.telemetry = opts.telemetry ?? silentTelemetry;
    this.random = opts.random ?? Math.random;
    const ctx: SpApiContext = {
      sellerId: opts.sellerId,
      clock: opts.clock,
      call: (op, schema, input) => this.call(op, schema, input),
      acquire: async (bucket, plan) => {
        await opts.limiter.acquire(
          { sellerId: opts.sellerId, region: opts.region, operation: bucket },
          plan,
          opts.maxQuotaWaitMs ?? 240_000,
        );
      },
      download: (ref) => downloadDocument(ref, opts.agent, opts.timeoutMs),
      upload: (url, content, contentType) => uploadDocument(url, content, contentType, opts.agent, opts.timeoutMs),
    };
    this.mcf = new McfApi(ctx, opts.mcfApi ?? "2020-07-01");
    this.listings = new ListingsApi(ctx);
    this.listingsFeed = new ListingsFeedApi(ctx);
    this.catalog = new CatalogApi(ctx);
    this.fbaInventory = new FbaInventoryApi(ctx);
    this.reports = new ReportsApi(ctx);
    this.finances = new FinancesApi(ctx);
  }

  // ------------------------------------------------------------------------------------------------------
  // auth

  private async client(): Promise<SellingPartner> {
    if (this.sp) return this.sp;
    this.spPromise ??= (async () => {
      const c = await this.opts.credentials();
      try {
        this.sp = new SellingPartner({
          region: this.opts.region,
          refresh_token: c.refreshToken,
          credentials: { SELLING_PARTNER_APP_CLIENT_ID: c.clientId, SELLING_PARTNER_APP_CLIENT_SECRET: c.clientSecret },
          endpoints_versions: { ...ENDPOINT_VERSIONS },
          options: {
            auto_request_tokens: true,
            // Never the library's recursive, uncapped retry on 429: the shared limiter and our capped retries do it.
            auto_request_throttled: false,
            version_fallback: false,
            use_sandbox: false,
            retry_remote_timeout: false,
            debug_log: false,
            user_agent: "d365-amazon-connect/0.1 (Language=Node.js)",
            timeouts: { response: this.opts.timeoutMs ?? 60_000, deadline: (this.opts.timeoutMs ?? 60_000) * 2 },
            ...(this.opts.agent ? { https_proxy_agent: this.opts.agent } : {}),
          },
        });
      } catch (err) {
        this.spPromise = undefined;
        throw new UnauthorizedError("spapi.config", `SP-API client cannot be built: ${(err as Error).message}`, { cause: err });
      }
      return this.sp;
    })();
    return this.spPromise;
  }

  /** Gets a fresh LWA access token when there is none or it is older than 50 minutes. */
  private async ensureToken(force = false): Promise<SellingPartner> {
    const sp = await this.client();
    const now = this.opts.clock.now().getTime();
    if (!force && this.tokenAt && now - this.tokenAt < TOKEN_LIFETIME_MS) return sp;
    this.refreshing ??= (async () => {
      try {
        await sp.refreshAccessToken();
        this.tokenAt = this.opts.clock.now().getTime();
      } catch (err) {
        throw this.lwaError(err);
      } finally {
        this.refreshing = undefined;
      }
    })();
    await this.refreshing;
    return sp;
  }

  private lwaError(err: unknown): AppError {
    const e = err as { code?: string; message?: string };
    const code = e?.code ?? "";
    if (/^(invalid_client|invalid_grant|unauthorized_client|invalid_request|invalid_scope|unsupported_grant_type)$/.test(code)) {
      return new UnauthorizedError(
        "spapi.lwa",
        `LWA refused the credentials (${code}): check SPAPI_LWA_CLIENT_ID and the secrets spapi-lwa-client-secret / spapi-refresh-token`,
        { cause: err },
      );
    }
    if (code === "REFRESH_ACCESS_TOKEN_PARSE_ERROR" || /^E[A-Z]+$/.test(code))
      return new UnavailableError("spapi.lwa", `LWA token endpoint unavailable: ${code}`, { cause: err });
    return new UnavailableError("spapi.lwa", `LWA token request failed: ${code || e?.message}`, { cause: err });
  }

  /** Obtains an LWA token (the health probe). */
  async checkAuth(): Promise<string> {
    await this.ensureToken(true);
    return "LWA token obtained";
  }

  private async restrictedToken(method: "GET", path: string, dataElements?: string[]): Promise<string> {
    const key = `${method} ${path} ${dataElements?.join(",") ?? ""}`;
    const now = this.opts.clock.now().getTime();
    const cached = this.rdtCache.get(key);
    if (cached && cached.expiresAt > now) return cached.token;
    // SP-API: no trailing slash in the RDT path (amzn/selling-partner-api-docs#2553).
    const body = { restrictedResources: [{ method, path: path.replace(/\/+$/, ""), ...(dataElements ? { dataElements } : {}) }] };
    const res = await this.call("createRestrictedDataToken", S.RestrictedDataToken, { body });
    this.rdtCache.set(key, { token: res.restrictedDataToken, expiresAt: now + Math.max(0, res.expiresIn - 60) * 1000 });
    return res.restrictedDataToken;
  }

  // ------------------------------------------------------------------------------------------------------
  // the one place that calls Amazon

  private async raw(op: OperationName, input: CallInput): Promise<RawResponse> {
    const spec = OPERATIONS[op];
    const sp = await this.ensureToken();
    const query = input.query
      ? Object.fromEntries(Object.entries(input.query).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)))
      : undefined;
    try {
      if ((spec as OperationSpec).raw) {
        // amazon-sp-api does not know this version: same client, token and agent, explicit path and method.
        const apiPath = spec.path.replace(/\{(\w+)\}/g, (_, n: string) => encodeURIComponent(input.path?.[n] ?? ""));
        return (await sp.callAPI({
          api_path: apiPath,
          method: spec.method,
          ...(query && Object.keys(query).length ? { query } : {}),
          ...(input.body !== undefined ? { body: input.body } : {}),
          options: { raw_result: true },
        } as never)) as unknown as RawResponse;
      }
      const res = (await sp.callAPI({
        operation: (spec as OperationSpec).operation ?? op,
        endpoint: spec.endpoint,
        ...(input.path ? { path: input.path } : {}),
        ...(query && Object.keys(query).length ? { query } : {}),
        ...(input.body !== undefined ? { body: input.body } : {}),
        ...(input.rdt ? { restricted_data_token: input.rdt } : {}),
        options: { version: spec.version, raw_result: true },
      } as never)) as unknown as RawResponse;
      return res;
    } catch (err) {
      if (err instanceof AppError) throw err;
      const code = (err as { code?: string }).code ?? "";
      // The library's own validation errors (bad version, missing params) are our bug, not a transient one.
      if (/^(INVALID_|NO_|OPERATION_NOT_FOUND|ENDPOINT_NOT_FOUND|VERSION_)/.test(code))
        throw new InternalError("spapi.client", `amazon-sp-api refused ${op}: ${code} ${(err as Error).message}`, { cause: err });
      throw errorFromNetwork(op, err);
    }
  }

  private parseBody(op: OperationName, res: RawResponse): unknown {
    if (res.statusCode === 204 || !res.body) return undefined;
    const text = NUMERIC_AMOUNT_OPERATIONS.has(op) ? quoteCurrencyAmounts(res.body) : res.body;
    try {
      return JSON.parse(text);
    } catch {
      if (res.statusCode >= 500) return undefined;
      throw new InternalError("spapi.unexpectedResponse", `SP-API ${op} answered ${res.statusCode} with a body that is not JSON`);
    }
  }

  /**
   * Calls one operation: waits for a token of the shared bucket, calls, adopts the live rate from
   * x-amzn-RateLimit-Limit, retries a 429 (every method) or a 5xx / network error (GET only) at most
   * `maxRetries` times with backoff and jitter, and validates the answer with `schema`.
   */
  async call<T extends z.ZodType>(op: OperationName, schema: T, input: CallInput = {}): Promise<z.infer<T>> {
    const spec = OPERATIONS[op];
    const key = { sellerId: this.opts.sellerId, region: this.opts.region, operation: op };
    const plan = { rate: spec.rate, burst: spec.burst };
    const idempotent = spec.method === "GET";
    let refreshedForExpiry = false;
    for (let attempt = 0; ; attempt++) {
      await this.opts.limiter.acquire(key, plan, this.opts.maxQuotaWaitMs ?? 240_000);
      let res: RawResponse;
      try {
        res = await this.raw(op, input);
      } catch (err) {
        if (err instanceof UnavailableError && idempotent && attempt < this.opts.maxRetries) {
          await this.opts.clock.sleep(this.backoff(attempt));
          continue;
        }
        throw err;
      }
      const limit = Number(res.headers["x-amzn-ratelimit-limit"]);
      if (limit > 0) this.opts.limiter.observeRate(key, limit);
      this.telemetry.metric("spapi.calls", 1, { operation: op, status: res.statusCode });
      if (res.statusCode >= 200 && res.statusCode < 300) {
        const body = this.parseBody(op, res);
        const parsed = schema.safeParse(body ?? {});
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new InternalError(
            "spapi.unexpectedResponse",
            `SP-API ${op} answered in an unexpected shape at ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
            {
              details: { issues: parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.join("."), message: i.message })) },
            },
          );
        }
        return parsed.data;
      }
      let body: unknown;
      try {
        body = this.parseBody(op, res);
      } catch {
        body = undefined;
      }
      const rate = limit > 0 ? limit : spec.rate;
      const error = errorFromResponse(op, res.statusCode, body, Math.ceil(1000 / rate));
      if (res.statusCode === 403 && !refreshedForExpiry && /access token.*expired/i.test(JSON.stringify(body ?? ""))) {
        refreshedForExpiry = true;
        await this.ensureToken(true);
        attempt--;
        continue;
      }
      if (error instanceof ThrottledError && attempt < this.opts.maxRetries) {
        this.telemetry.metric("spapi.throttled", 1, { operation: op });
        // Amazon's bucket is emptier than ours (another app, clock skew): empty ours for every instance,
        // then wait for the next token plus jitter.
        await this.opts.limiter.drain(key, plan);
        await this.opts.clock.sleep(Math.floor(this.random() * Math.min(error.retryAfterMs, 1000) * (attempt + 1)));
        continue;
      }
      if (error instanceof UnavailableError && idempotent && attempt < this.opts.maxRetries) {
        await this.opts.clock.sleep(this.backoff(attempt));
        continue;
      }
      throw error;
    }
  }

  private backoff(attempt: number): number {
    const base = this.opts.backoffBaseMs ?? 500;
    const exp = Math.min(30_000, base * 2 ** attempt);
    return Math.floor(exp / 2 + this.random() * (exp / 2));
  }

  // ------------------------------------------------------------------------------------------------------
  // Orders v0

  /** One page of getOrders; pass the previous page's nextToken to continue. */
  async getOrdersPage(q: GetOrdersQuery, nextToken?: string): Promise<OrdersPage> {
    if (!nextToken) {
      if (!q.marketplaceIds.length) throw new ValidationError("spapi.invalidInput", "getOrders needs at least one marketplace id");
      if (!!q.createdAfter === !!q.lastUpdatedAfter)
        throw new ValidationError("spapi.invalidInput", "getOrders needs exactly one of createdAfter and lastUpdatedAfter");
    }
    const query = nextToken
      ? { MarketplaceIds: q.marketplaceIds, NextToken: nextToken }
      : {
          MarketplaceIds: q.marketplaceIds,
          CreatedAfter: iso(q.createdAfter),
          CreatedBefore: iso(q.createdBefore),
          LastUpdatedAfter: iso(q.lastUpdatedAfter),
          LastUpdatedBefore: iso(q.lastUpdatedBefore),
          OrderStatuses: q.orderStatuses,
          FulfillmentChannels: q.fulfillmentChannels,
          AmazonOrderIds: q.amazonOrderIds,
          MaxResultsPerPage: q.maxResultsPerPage,
        };
    const res = await this.call("getOrders", S.payloadOf(S.OrdersList), { query });
    const p = res.payload;
    return { orders: p.Orders, nextToken: p.NextToken, lastUpdatedBefore: p.LastUpdatedBefore, createdBefore: p.CreatedBefore };
  }

  /** Every order matching the query, page after page. */
  async *getOrders(q: GetOrdersQuery): AsyncIterable<S.Order> {
    let next: string | undefined;
    do {
      const page = await this.getOrdersPage(q, next);
      yield* page.orders;
      next = page.nextToken;
    } while (next);
  }

  // ------------------------------------------------------------------------------------------------------
  // Orders 2026-01-01

  /** One page of searchOrders; pass the previous page's nextToken (sent as paginationToken) to continue. */
  async searchOrdersPage(q: SearchOrdersQuery, paginationToken?: string): Promise<SearchOrdersPage> {
    if (!q.marketplaceIds.length) throw new ValidationError("spapi.invalidInput", "searchOrders needs at least one marketplace id");
    if (q.marketplaceIds.length > 50) throw new ValidationError("spapi.invalidInput", "searchOrders takes at most 50 marketplace ids");
    if (!!q.createdAfter === !!q.lastUpdatedAfter)
      throw new ValidationError("spapi.invalidInput", "searchOrders needs exactly one of createdAfter and lastUpdatedAfter");
    if (q.createdAfter && q.lastUpdatedBefore)
      throw new ValidationError("spapi.invalidInput", "searchOrders: lastUpdatedBefore cannot be combined with createdAfter");
    if (q.lastUpdatedAfter && q.createdBefore)
      throw new ValidationError("spapi.invalidInput", "searchOrders: createdBefore cannot be combined with lastUpdatedAfter");
    if (
      q.maxResultsPerPage !== undefined &&
      !(Number.isInteger(q.maxResultsPerPage) && q.maxResultsPerPage >= 1 && q.maxResultsPerPage <= 100)
    ) {
      throw new ValidationError("spapi.invalidInput", "searchOrders: maxResultsPerPage must be 1..100");
    }
    const query = {
      marketplaceIds: q.marketplaceIds,
      createdAfter: iso(q.createdAfter),
      createdBefore: iso(q.createdBefore),
      lastUpdatedAfter: iso(q.lastUpdatedAfter),
      lastUpdatedBefore: iso(q.lastUpdatedBefore),
      fulfillmentStatuses: q.fulfillmentStatuses,
      fulfilledBy: q.fulfilledBy,
      maxResultsPerPage: q.maxResultsPerPage,
      includedData: q.includedData,
      paginationToken,
    };
    const res = await this.call("searchOrders", S.SearchOrdersResponse, { query });
    return {
      orders: res.orders,
      nextToken: res.pagination?.nextToken,
      lastUpdatedBefore: res.lastUpdatedBefore,
      createdBefore: res.createdBefore,
    };
  }

  /** Every order matching the query, page after page (searchOrders allows 0.0056 calls/s: keep pages large). */
  async *searchOrders(q: SearchOrdersQuery): AsyncIterable<S.Order2026> {
    let next: string | undefined;
    do {
      const page = await this.searchOrdersPage(q, next);
      yield* page.orders;
      next = page.nextToken;
    } while (next);
  }

  /** One order with its items (Orders 2026-01-01 getOrder); `includedData` selects the optional datasets. */
  async getOrder2026(orderId: string, includedData: S.Orders2026IncludedData[] = ORDER_2026_FLOW_DATA): Promise<S.Order2026> {
    const res = await this.call("getOrder2026", S.GetOrder2026Response, {
      path: { orderId },
      query: { includedData: [...new Set(includedData)] },
    });
    return res.order;
  }

  // ------------------------------------------------------------------------------------------------------
  // Orders v0 (single order)

  async getOrder(amazonOrderId: string): Promise<S.Order> {
    const res = await this.call("getOrder", S.payloadOf(S.Order), { path: { orderId: amazonOrderId } });
    return res.payload;
  }

  /** All items of an order (every page). */
  async getOrderItems(amazonOrderId: string): Promise<S.OrderItem[]> {
    const items: S.OrderItem[] = [];
    let next: string | undefined;
    do {
      const res = await this.call("getOrderItems", S.payloadOf(S.OrderItemsList), {
        path: { orderId: amazonOrderId },
        query: { NextToken: next },
      });
      items.push(...res.payload.OrderItems);
      next = res.payload.NextToken;
    } while (next);
    return items;
  }

  /** The shipping address; with SPAPI_USE_RDT through a restricted data token (name, street, phone). */
  async getOrderAddress(amazonOrderId: string): Promise<S.OrderAddress> {
    const path = `/orders/v0/orders/${encodeURIComponent(amazonOrderId)}/address`;
    const rdt = this.opts.useRdt ? await this.restrictedToken("GET", path) : undefined;
    const res = await this.call("getOrderAddress", S.payloadOf(S.OrderAddress), { path: { orderId: amazonOrderId }, rdt });
    return res.payload;
  }

  /** Buyer info; with SPAPI_USE_RDT through a restricted data token (buyer name). */
  async getOrderBuyerInfo(amazonOrderId: string): Promise<S.OrderBuyerInfo> {
    const path = `/orders/v0/orders/${encodeURIComponent(amazonOrderId)}/buyerInfo`;
    const rdt = this.opts.useRdt ? await this.restrictedToken("GET", path) : undefined;
    const res = await this.call("getOrderBuyerInfo", S.payloadOf(S.OrderBuyerInfo), { path: { orderId: amazonOrderId }, rdt });
    return res.payload;
  }

  /**
   * FBM: tells Amazon a package left (carrier, tracking number, ship date, the order items and quantities in it).
   * Amazon answers 204. Send one call per package, with a packageReferenceId unique within the order
   * ("1", "2", …; only positive numbers are accepted) — partial shipments are several packages. When Amazon says
   * the order or package was confirmed already, this throws ConflictError `spapi.shipmentAlreadyConfirmed`
   * (count it as done); other refusals (unknown carrier code, item or quantity) are ValidationErrors with
   * Amazon's message. Carrier: an accepted CarrierCode, or "Other" with a carrierName.
   */
  async confirmShipment(amazonOrderId: string, input: ConfirmShipmentInput): Promise<void> {
    if (!/^[1-9]\d*$/.test(input.packageReferenceId))
      throw new ValidationError(
        "spapi.invalidInput",
        `packageReferenceId must be a positive number as text, got "${input.packageReferenceId}"`,
      );
    if (input.carrierCode === "Other" && !input.carrierName)
      throw new ValidationError("spapi.invalidInput", "carrierName is required when carrierCode is Other");
    if (!input.items.length) throw new ValidationError("spapi.invalidInput", "a shipment confirmation needs at least one order item");
    const bad = input.items.find((i) => !Number.isInteger(i.quantity) || i.quantity < 1);
    if (bad) throw new ValidationError("spapi.invalidInput", `quantity of order item ${bad.orderItemId} must be a positive integer`);
    const body = {
      marketplaceId: input.marketplaceId,
      packageDetail: {
        packageReferenceId: input.packageReferenceId,
        carrierCode: input.carrierCode,
        ...(input.carrierName ? { carrierName: input.carrierName } : {}),
        ...(input.shippingMethod ? { shippingMethod: input.shippingMethod } : {}),
        trackingNumber: input.trackingNumber,
        shipDate: iso(input.shipDate),
        orderItems: input.items.map((i) => ({
          orderItemId: i.orderItemId,
          quantity: i.quantity,
          ...(i.transparencyCodes?.length ? { transparencyCodes: i.transparencyCodes } : {}),
        })),
      },
    };
    try {
      await this.call("confirmShipment", S.Empty, { path: { orderId: amazonOrderId }, body });
    } catch (err) {
      if (err instanceof ValidationError && /already (been )?(fulfilled|shipped|confirmed)|already exists/i.test(err.message))
        throw new ConflictError("spapi.shipmentAlreadyConfirmed", `Amazon order ${amazonOrderId}: ${err.message}`, {
          details: err.details,
          cause: err,
        });
      throw err;
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Reports 2021-06-30

  /** One page of getReports. With a nextToken, Amazon wants it as the only parameter. */
  async getReportsPage(q: GetReportsQuery, nextToken?: string): Promise<{ reports: S.Report[]; nextToken?: string }> {
    const query = nextToken
      ? { nextToken }
      : {
          reportTypes: q.reportTypes,
          processingStatuses: q.processingStatuses,
          marketplaceIds: q.marketplaceIds,
          createdSince: iso(q.createdSince),
          createdUntil: iso(q.createdUntil),
          pageSize: q.pageSize,
        };
    if (!nextToken && (q.reportTypes?.length ?? 0) > 10)
      throw new ValidationError("spapi.invalidInput", "getReports accepts at most 10 report types");
    const res = await this.call("getReports", S.GetReportsResponse, { query });
    return { reports: res.reports, nextToken: res.nextToken };
  }

  async *getReports(q: GetReportsQuery): AsyncIterable<S.Report> {
    let next: string | undefined;
    do {
      const page = await this.getReportsPage(q, next);
      yield* page.reports;
      next = page.nextToken;
    } while (next);
  }

  async createReport(input: CreateReportInput): Promise<string> {
    const body = {
      reportType: input.reportType,
      marketplaceIds: input.marketplaceIds,
      ...(input.dataStartTime ? { dataStartTime: iso(input.dataStartTime) } : {}),
      ...(input.dataEndTime ? { dataEndTime: iso(input.dataEndTime) } : {}),
      ...(input.reportOptions ? { reportOptions: input.reportOptions } : {}),
    };
    return (await this.call("createReport", S.CreateReportResponse, { body })).reportId;
  }

  async getReport(reportId: string): Promise<S.Report> {
    return this.call("getReport", S.Report, { path: { reportId } });
  }

  /** Polls getReport until DONE (CANCELLED and FATAL are errors; CANCELLED means "no data" to Amazon). */
  async waitForReport(reportId: string, poll: PollOptions = {}): Promise<S.Report> {
    const interval = poll.intervalMs ?? 15_000;
    const deadline = this.opts.clock.now().getTime() + (poll.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const r = await this.getReport(reportId);
      if (r.processingStatus === "DONE") return r;
      if (r.processingStatus === "CANCELLED" || r.processingStatus === "FATAL") {
        throw new ValidationError("spapi.reportFailed", `report ${reportId} (${r.reportType}) ended ${r.processingStatus}`, {
          details: { reportId, status: r.processingStatus },
        });
      }
      if (this.opts.clock.now().getTime() + interval > deadline)
        throw new UnavailableError("spapi.reportTimeout", `report ${reportId} is still ${r.processingStatus}`);
      await this.opts.clock.sleep(interval);
    }
  }

  async getReportDocument(reportDocumentId: string): Promise<S.ReportDocument> {
    return this.call("getReportDocument", S.ReportDocument, { path: { reportDocumentId } });
  }

  /** Fetches the document reference and downloads it at once (SP-API: the URL expires after 5 minutes). */
  async downloadReportDocument(reportDocumentId: string): Promise<DownloadedDocument & { reportDocumentId: string }> {
    const doc = await this.getReportDocument(reportDocumentId);
    return { reportDocumentId, ...(await downloadDocument(doc, this.opts.agent, this.opts.timeoutMs)) };
  }

  /** Like downloadReportDocument, as a stream of decoded text (for large settlement files). */
  async streamReportDocument(reportDocumentId: string): Promise<DocumentStream> {
    const doc = await this.getReportDocument(reportDocumentId);
    return openDocument(doc, this.opts.agent, this.opts.timeoutMs);
  }

  // ------------------------------------------------------------------------------------------------------
  // Feeds 2021-06-30

  async createFeedDocument(contentType: string): Promise<S.CreateFeedDocumentResponse> {
    return this.call("createFeedDocument", S.CreateFeedDocumentResponse, { body: { contentType } });
  }

  async uploadFeedDocument(url: string, content: string | Uint8Array, contentType: string): Promise<void> {
    await uploadDocument(url, content, contentType, this.opts.agent, this.opts.timeoutMs);
  }

  async createFeed(input: CreateFeedInput): Promise<string> {
    const body = {
      feedType: input.feedType,
      marketplaceIds: input.marketplaceIds,
      inputFeedDocumentId: input.inputFeedDocumentId,
      ...(input.feedOptions ? { feedOptions: input.feedOptions } : {}),
    };
    return (await this.call("createFeed", S.CreateFeedResponse, { body })).feedId;
  }

  /** createFeedDocument → upload → createFeed; returns the feed id. */
  async submitFeed(
    input: Omit<CreateFeedInput, "inputFeedDocumentId"> & { content: string | Uint8Array; contentType: string },
  ): Promise<string> {
    const doc = await this.createFeedDocument(input.contentType);
    await this.uploadFeedDocument(doc.url, input.content, input.contentType);
    return this.createFeed({
      feedType: input.feedType,
      marketplaceIds: input.marketplaceIds,
      inputFeedDocumentId: doc.feedDocumentId,
      feedOptions: input.feedOptions,
    });
  }

  async getFeed(feedId: string): Promise<S.Feed> {
    return this.call("getFeed", S.Feed, { path: { feedId } });
  }

  async waitForFeed(feedId: string, poll: PollOptions = {}): Promise<S.Feed> {
    const interval = poll.intervalMs ?? 15_000;
    const deadline = this.opts.clock.now().getTime() + (poll.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const f = await this.getFeed(feedId);
      if (f.processingStatus === "DONE" || f.processingStatus === "CANCELLED" || f.processingStatus === "FATAL") return f;
      if (this.opts.clock.now().getTime() + interval > deadline)
        throw new UnavailableError("spapi.feedTimeout", `feed ${feedId} is still ${f.processingStatus}`);
      await this.opts.clock.sleep(interval);
    }
  }

  async getFeedDocument(feedDocumentId: string): Promise<S.FeedDocument> {
    return this.call("getFeedDocument", S.FeedDocument, { path: { feedDocumentId } });
  }

  /** The processing report of a finished feed (JSON for JSON_LISTINGS_FEED, text otherwise). */
  async downloadFeedResult(feed: S.Feed): Promise<DownloadedDocument> {
    if (!feed.resultFeedDocumentId)
      throw new NotFoundError("spapi.notFound", `feed ${feed.feedId} has no result document (status ${feed.processingStatus})`);
    const doc = await this.getFeedDocument(feed.resultFeedDocumentId);
    return downloadDocument(doc, this.opts.agent, this.opts.timeoutMs);
  }

  // ------------------------------------------------------------------------------------------------------
  // FBA inventory v1

  /** Every inventory summary of one marketplace. Pages are fetched back to back: nextToken expires after 30 s. */
  async getInventorySummaries(q: InventoryQuery): Promise<S.InventorySummary[]> {
    if (q.sellerSkus && q.sellerSkus.length > 50)
      throw new ValidationError("spapi.invalidInput", "getInventorySummaries accepts at most 50 SKUs per call");
    const out: S.InventorySummary[] = [];
    let next: string | undefined;
    do {
      const res = await this.call("getInventorySummaries", S.GetInventorySummariesResponse, {
        query: {
          granularityType: "Marketplace",
          granularityId: q.marketplaceId,
          marketplaceIds: [q.marketplaceId],
          details: q.details ? "true" : undefined,
          startDateTime: iso(q.startDateTime),
          sellerSkus: q.sellerSkus,
          nextToken: next,
        },
      });
      out.push(...res.payload.inventorySummaries);
      next = res.pagination?.nextToken;
    } while (next);
    return out;
  }

  // ------------------------------------------------------------------------------------------------------
  // Finances v0

  /** Financial events page by page (amounts as decimal strings). */
  async *listFinancialEvents(q: FinancialEventsQuery): AsyncIterable<S.FinancialEvents> {
    let next: string | undefined;
    do {
      const query = next
        ? { NextToken: next, MaxResultsPerPage: q.maxResultsPerPage }
        : { PostedAfter: iso(q.postedAfter), PostedBefore: iso(q.postedBefore), MaxResultsPerPage: q.maxResultsPerPage };
      const res = await this.call("listFinancialEvents", S.payloadOf(S.ListFinancialEventsPayload), { query });
      if (res.payload.FinancialEvents) yield res.payload.FinancialEvents;
      next = res.payload.NextToken;
    } while (next);
  }

  // ------------------------------------------------------------------------------------------------------
  // Listings items 2021-08-01

  async getListingsItem(
    sku: string,
    marketplaceIds: string[],
    includedData: string[] = ["summaries", "offers", "fulfillmentAvailability"],
  ): Promise<S.ListingsItem> {
    return this.call("getListingsItem", S.ListingsItem, {
      path: { sellerId: this.opts.sellerId, sku },
      query: { marketplaceIds, includedData },
    });
  }

  async patchListingsItem(sku: string, input: PatchListingsInput): Promise<S.ListingsItemSubmissionResponse> {
    return this.call("patchListingsItem", S.ListingsItemSubmissionResponse, {
      path: { sellerId: this.opts.sellerId, sku },
      query: { marketplaceIds: input.marketplaceIds, mode: input.mode },
      body: { productType: input.productType, patches: input.patches },
    });
  }

  /** Sets the merchant-fulfilled quantity of a SKU (the FBM inventory push). */
  async setFbmQuantity(
    sku: string,
    quantity: number,
    marketplaceIds: string[],
    productType = "PRODUCT",
  ): Promise<S.ListingsItemSubmissionResponse> {
    if (!Number.isInteger(quantity) || quantity < 0)
      throw new ValidationError("spapi.invalidInput", `quantity for ${sku} must be a non-negative integer, got ${quantity}`);
    return this.patchListingsItem(sku, {
      marketplaceIds,
      productType,
      patches: [
        { op: "replace", path: "/attributes/fulfillment_availability", value: [{ fulfillment_channel_code: "DEFAULT", quantity }] },
      ],
    });
  }

  // ------------------------------------------------------------------------------------------------------
  // Notifications v1

  /** The subscription for a notification type, or undefined when there is none. */
  async getSubscription(notificationType: string, payloadVersion?: string): Promise<S.Subscription | undefined> {
    try {
      return (await this.call("getSubscription", S.payloadOf(S.Subscription), { path: { notificationType }, query: { payloadVersion } }))
        .payload;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  async createSubscription(notificationType: string, input: CreateSubscriptionInput): Promise<S.Subscription> {
    return (await this.call("createSubscription", S.payloadOf(S.Subscription), { path: { notificationType }, body: input })).payload;
  }
}

/** The port flows depend on: every public operation of the client, and its area APIs. */
export type AmazonApi = Pick<
  SpApiClient,
  | { [K in keyof SpApiClient]: SpApiClient[K] extends (...args: never[]) => unknown ? K : never }[keyof SpApiClient]
  | "mcf"
  | "listings"
  | "listingsFeed"
  | "catalog"
  | "fbaInventory"
  | "reports"
  | "finances"
>;
