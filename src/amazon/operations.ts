/**
 * The SP-API operations the app calls, with their pinned endpoint version, HTTP method, path template and
 * published default usage plan (rate in requests per second, burst). Source: the "Usage Plan" table in each
 * operation's description in Amazon's models (github.com/amzn/selling-partner-api-models; the ones the contract
 * tests use are copied in test/contract/amazon/models/). The
 * live rate comes back in `x-amzn-RateLimit-Limit` and overrides the rate (never the burst).
 * The simulator enforces the same table, so tests exercise the real quotas.
 */
export interface OperationSpec {
  /** amazon-sp-api endpoint group. */
  endpoint: string;
  /** Pinned version of the endpoint (never the library's default, never a fallback). */
  version: string;
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path template with {param} placeholders. */
  path: string;
  /** Requests per second restored to the bucket. */
  rate: number;
  /** Bucket size. */
  burst: number;
  /**
   * Model file the contract tests check requests and answers against (test/contract/amazon/models: Amazon's
   * published models; own/ holds our transcription where Amazon's model is not in the reference set).
   */
  model: string;
  /** amazon-sp-api operation name when it differs from the key (two versions of one operation, e.g. getOrder). */
  operation?: string;
  /**
   * True for operations amazon-sp-api 1.2.1 does not know (Fulfillment Outbound 2026-07-04): the client calls
   * them through the library's raw `api_path` + `method` path, with the same auth, agent and token handling.
   */
  raw?: boolean;
}

const op = (
  endpoint: string,
  version: string,
  method: OperationSpec["method"],
  path: string,
  rate: number,
  burst: number,
  model: string,
  operation?: string,
  raw?: boolean,
): OperationSpec => ({
  endpoint,
  version,
  method,
  path,
  rate,
  burst,
  model,
  ...(operation ? { operation } : {}),
  ...(raw ? { raw } : {}),
});

const FBA_OUTBOUND = "fulfillmentOutbound_2020-07-01.json";
const MCF_2026 = "fulfillmentOutbound_2026-07-04.json";
const mcf2026 = (method: OperationSpec["method"], path: string, operation: string, rate = 2, burst = 30) =>
  op("fulfillmentOutbound", "2026-07-04", method, `/fulfillment/outbound/2026-07-04${path}`, rate, burst, MCF_2026, operation, true);

export const OPERATIONS = {
  getOrders: op("orders", "v0", "GET", "/orders/v0/orders", 0.0167, 20, "ordersV0.json"),
  getOrder: op("orders", "v0", "GET", "/orders/v0/orders/{orderId}", 0.5, 30, "ordersV0.json"),
  getOrderItems: op("orders", "v0", "GET", "/orders/v0/orders/{orderId}/orderItems", 0.5, 30, "ordersV0.json"),
  getOrderAddress: op("orders", "v0", "GET", "/orders/v0/orders/{orderId}/address", 0.5, 30, "ordersV0.json"),
  getOrderBuyerInfo: op("orders", "v0", "GET", "/orders/v0/orders/{orderId}/buyerInfo", 0.5, 30, "ordersV0.json"),
  // Orders 2026-01-01 (successor of getOrders/getOrder/getOrderItems v0; v0 callers must migrate by 27 Mar 2027).
  searchOrders: op("orders", "2026-01-01", "GET", "/orders/2026-01-01/orders", 0.0056, 20, "orders_2026-01-01.json"),
  getOrder2026: op("orders", "2026-01-01", "GET", "/orders/2026-01-01/orders/{orderId}", 0.5, 30, "orders_2026-01-01.json", "getOrder"),
  confirmShipment: op("orders", "v0", "POST", "/orders/v0/orders/{orderId}/shipmentConfirmation", 2, 10, "ordersV0.json"),
  createRestrictedDataToken: op("tokens", "2021-03-01", "POST", "/tokens/2021-03-01/restrictedDataToken", 1, 10, "tokens_2021-03-01.json"),
  getReports: op("reports", "2021-06-30", "GET", "/reports/2021-06-30/reports", 0.0222, 10, "reports_2021-06-30.json"),
  createReport: op("reports", "2021-06-30", "POST", "/reports/2021-06-30/reports", 0.0167, 15, "reports_2021-06-30.json"),
  getReport: op("reports", "2021-06-30", "GET", "/reports/2021-06-30/reports/{reportId}", 2, 15, "reports_2021-06-30.json"),
  getReportDocument: op(
    "reports",
    "2021-06-30",
    "GET",
    "/reports/2021-06-30/documents/{reportDocumentId}",
    0.0167,
    15,
    "reports_2021-06-30.json",
  ),
  createFeedDocument: op("feeds", "2021-06-30", "POST", "/feeds/2021-06-30/documents", 0.5, 15, "feeds_2021-06-30.json"),
  createFeed: op("feeds", "2021-06-30", "POST", "/feeds/2021-06-30/feeds", 0.0083, 15, "feeds_2021-06-30.json"),
  getFeed: op("feeds", "2021-06-30", "GET", "/feeds/2021-06-30/feeds/{feedId}", 2, 15, "feeds_2021-06-30.json"),
  getFeedDocument: op("feeds", "2021-06-30", "GET", "/feeds/2021-06-30/documents/{feedDocumentId}", 0.0222, 10, "feeds_2021-06-30.json"),
  getInventorySummaries: op("fbaInventory", "v1", "GET", "/fba/inventory/v1/summaries", 2, 2, "fbaInventory.json"),
  createFulfillmentOrder: op(
    "fulfillmentOutbound",
    "2020-07-01",
    "POST",
    "/fba/outbound/2020-07-01/fulfillmentOrders",
    2,
    30,
    "fulfillmentOutbound_2020-07-01.json",
  ),
  getFulfillmentOrder: op(
    "fulfillmentOutbound",
    "2020-07-01",
    "GET",
    "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}",
    2,
    30,
    "fulfillmentOutbound_2020-07-01.json",
  ),
  listAllFulfillmentOrders: op(
    "fulfillmentOutbound",
    "2020-07-01",
    "GET",
    "/fba/outbound/2020-07-01/fulfillmentOrders",
    2,
    30,
    "fulfillmentOutbound_2020-07-01.json",
  ),
  cancelFulfillmentOrder: op(
    "fulfillmentOutbound",
    "2020-07-01",
    "PUT",
    "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/cancel",
    2,
    30,
    "fulfillmentOutbound_2020-07-01.json",
  ),
  listFinancialEvents: op("finances", "v0", "GET", "/finances/v0/financialEvents", 0.5, 30, "financesV0.json"),
  getListingsItem: op(
    "listingsItems",
    "2021-08-01",
    "GET",
    "/listings/2021-08-01/items/{sellerId}/{sku}",
    5,
    10,
    "listingsItems_2021-08-01.json",
  ),
  patchListingsItem: op(
    "listingsItems",
    "2021-08-01",
    "PATCH",
    "/listings/2021-08-01/items/{sellerId}/{sku}",
    5,
    5,
    "listingsItems_2021-08-01.json",
  ),
  // --- Fulfillment Outbound (MCF) 2020-07-01, beyond create/get/list/cancel ---------------------------
  getFulfillmentPreview: op(
    "fulfillmentOutbound",
    "2020-07-01",
    "POST",
    "/fba/outbound/2020-07-01/fulfillmentOrders/preview",
    2,
    30,
    FBA_OUTBOUND,
  ),
  getPackageTrackingDetails: op("fulfillmentOutbound", "2020-07-01", "GET", "/fba/outbound/2020-07-01/tracking", 2, 30, FBA_OUTBOUND),
  listReturnReasonCodes: op("fulfillmentOutbound", "2020-07-01", "GET", "/fba/outbound/2020-07-01/returnReasonCodes", 2, 30, FBA_OUTBOUND),
  createFulfillmentReturn: op(
    "fulfillmentOutbound",
    "2020-07-01",
    "PUT",
    "/fba/outbound/2020-07-01/fulfillmentOrders/{sellerFulfillmentOrderId}/return",
    2,
    30,
    FBA_OUTBOUND,
  ),
  // --- Fulfillment Outbound 2026-07-04 (amazon-sp-api 1.2.1 does not know it: raw calls) ------------------
  mcfGetOrderPreview2026: mcf2026("POST", "/previews", "getOrderPreview"),
  mcfCreateOrder2026: mcf2026("POST", "/orders", "createOrder"),
  mcfGetOrder2026: mcf2026("GET", "/orders/{orderId}", "getOrder"),
  mcfListOrders2026: mcf2026("GET", "/orders", "listOrders"),
  mcfCancelOrder2026: mcf2026("PUT", "/orders/{orderId}/cancel", "cancelOrder"),
  // --- Feeds, Listings, Catalog, Product Type Definitions ------------------------------------------------
  cancelFeed: op("feeds", "2021-06-30", "DELETE", "/feeds/2021-06-30/feeds/{feedId}", 2, 15, "feeds_2021-06-30.json"),
  putListingsItem: op(
    "listingsItems",
    "2021-08-01",
    "PUT",
    "/listings/2021-08-01/items/{sellerId}/{sku}",
    5,
    10,
    "listingsItems_2021-08-01.json",
  ),
  searchListingsItems: op(
    "listingsItems",
    "2021-08-01",
    "GET",
    "/listings/2021-08-01/items/{sellerId}",
    5,
    5,
    "listingsItems_2021-08-01.json",
  ),
  searchCatalogItems: op("catalogItems", "2022-04-01", "GET", "/catalog/2022-04-01/items", 2, 2, "catalogItems_2022-04-01.json"),
  getDefinitionsProductType: op(
    "productTypeDefinitions",
    "2020-09-01",
    "GET",
    "/definitions/2020-09-01/productTypes/{productType}",
    5,
    10,
    "own/definitionsProductTypes_2020-09-01.json",
  ),
  // --- Finances: refunds per order (v0) and transactions (2024-06-19) ---------------------------------
  listFinancialEventsByOrderId: op("finances", "v0", "GET", "/finances/v0/orders/{orderId}/financialEvents", 0.5, 30, "financesV0.json"),
  listTransactions: op("finances", "2024-06-19", "GET", "/finances/2024-06-19/transactions", 0.5, 10, "finances_2024-06-19.json"),
  getSubscription: op("notifications", "v1", "GET", "/notifications/v1/subscriptions/{notificationType}", 1, 5, "notifications.json"),
  createSubscription: op("notifications", "v1", "POST", "/notifications/v1/subscriptions/{notificationType}", 1, 5, "notifications.json"),
} as const satisfies Record<string, OperationSpec>;

export type OperationName = keyof typeof OPERATIONS;

/** Every endpoint version pinned in one place (passed to amazon-sp-api as `endpoints_versions`). */
export const ENDPOINT_VERSIONS = {
  orders: "v0",
  reports: "2021-06-30",
  feeds: "2021-06-30",
  fbaInventory: "v1",
  fulfillmentOutbound: "2020-07-01",
  finances: "v0",
  listingsItems: "2021-08-01",
  notifications: "v1",
  tokens: "2021-03-01",
  catalogItems: "2022-04-01",
  productTypeDefinitions: "2020-09-01",
} as const;

/**
 * Versions pinned in addition to ENDPOINT_VERSIONS (the library's per-endpoint default): the operations that
 * use them pass the version explicitly on every call, so v0 and 2026-01-01 Orders live side by side.
 */
export const ADDITIONAL_ENDPOINT_VERSIONS: Partial<Record<keyof typeof ENDPOINT_VERSIONS, readonly string[]>> = {
  orders: ["2026-01-01"],
  fulfillmentOutbound: ["2026-07-04"],
  finances: ["2024-06-19"],
};

/**
 * Quotas that apply per feed type in addition to createFeed's own usage plan ("requests are rate-limited by
 * whichever threshold you reach first"). JSON_LISTINGS_FEED: five feed submissions per five minutes per region
 * (changelog of 6 May 2025), up to 10,000 messages per feed (listings-feed-schema-v2; the same changelog speaks
 * of 25,000 — we keep the schema's bound).
 */
export const FEED_TYPE_PLANS: Record<string, { rate: number; burst: number; maxMessages?: number }> = {
  JSON_LISTINGS_FEED: { rate: 5 / 300, burst: 5, maxMessages: 10_000 },
};

/** Finds the operation whose method and path template match a request (used by the simulator). */
export function matchOperation(method: string, pathname: string): { name: OperationName; params: Record<string, string> } | undefined {
  for (const [name, spec] of Object.entries(OPERATIONS) as [OperationName, OperationSpec][]) {
    if (spec.method !== method.toUpperCase()) continue;
    const names: string[] = [];
    const pattern = spec.path.replace(/\{(\w+)\}/g, (_, n: string) => {
      names.push(n);
      return "([^/]+)";
    });
    const re = new RegExp(`^${pattern}$`);
    const m = re.exec(pathname);
    if (!m) continue;
    const params: Record<string, string> = {};
    names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
    return { name, params };
  }
  return undefined;
}
