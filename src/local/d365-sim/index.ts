/**
 * D365 F&O simulator: a plain node http server that speaks the real wire formats — OData JSON under
 * /data/<EntitySet>, `$batch` with atomic changesets, server-driven paging, D365 error bodies, bearer
 * tokens (and a token endpoint), the DMF package API — over a seeded demo company, with a request log and
 * fault injection. It is not a security boundary: it accepts any bearer token it did not issue, refuses
 * requests without one, and rejects tokens it issued once they expire.
 *
 * Control endpoints (no token needed): see CONTROL_ENDPOINTS below and docs/d365.md.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import {
  buildBatchResponseBody,
  parseBatchRequestBody,
  type BatchResponseGroup,
  type HttpPart,
  type HttpResponsePart,
} from "../../d365/multipart";
import { DEMO_COMPANY, seedDemoCompany } from "./demo-company";
import {
  adjustOnHand,
  invoiceSalesOrder,
  type PostingJobQuery,
  postInventoryJournal,
  runPostingJob,
  setOnHand,
  setPeriodStatus,
  setSalesOrderStatus,
} from "./operations";
import { type BusinessEventLog, businessEventsOf } from "./business-events";
import {
  afterSalesOrderCreated,
  confirmSalesOrder,
  type PackingSlipInput,
  type PostedPackingSlip,
  postPackingSlip,
  runDeliverNowBatch,
} from "./fulfillment";
import { odataError, SimError } from "./errors";
import { SimDmf } from "./dmf";
import { applyFilter, applyOrderBy, applySelect, keyLiteral, parseKey, parseNonNegativeInt, parseSelect } from "./query";
import { metadataDocument } from "./metadata-xml";
import { entity, SimStore, type Row } from "./store";

export {
  DEMO_AMAZON_CUSTOMERS,
  DEMO_COMPANY,
  DEMO_JOURNAL_NAME,
  DEMO_MAIN_ACCOUNTS,
  DEMO_MCF_ORDERS,
  DEMO_ORIGIN_CODES,
  DEMO_WAREHOUSES,
} from "./demo-company";

export interface FaultRule {
  /** throttle: 429 + Retry-After; error: a 5xx; latency: delay then answer; drop: close the connection. */
  kind: "throttle" | "error" | "latency" | "drop";
  /** Entity set, "$batch", "token", "dmf" or "blob"; omitted: every /data request. */
  target?: string;
  method?: string;
  /** How many matching requests it hits (default 1; 0 = until cleared). */
  times?: number;
  /** Let this many matching requests through first. */
  skip?: number;
  /** error: the HTTP status (default 503). */
  status?: number;
  /** throttle: Retry-After in seconds (default 1). */
  retryAfterSeconds?: number;
  /** throttle: send Retry-After as an HTTP date instead of seconds. */
  retryAfterAsDate?: boolean;
  /** latency: milliseconds (real time). */
  latencyMs?: number;
}

export interface D365SimulatorOptions {
  port: number;
  host?: string;
  seed?: number;
  /** > 1 makes simulated waits (DMF processing) shorter. */
  timeScale?: number;
  /** Server-driven page size (D365: 10,000). */
  pageSize?: number;
  /** Lifetime of issued tokens, seconds of simulator time (default 3600). */
  tokenTtlSeconds?: number;
  /** The caller's default company: reads without cross-company=true see only it. */
  defaultCompany?: string;
  /** Refuse bearer tokens the simulator did not issue (default false: any token is accepted). */
  strictTokens?: boolean;
  /** How long a DMF import stays "Executing", ms before timeScale (default 500). */
  dmfProcessingMs?: number;
  /**
   * Rows to add to the demo data, per entity set, at start and on every reset (a flow's own master data,
   * e.g. { ReturnDispositionCodes: [...] }). Each row is checked against the schema: one that does not fit
   * makes the start fail, naming the entity set and the field.
   */
  extraRows?: Record<string, Row[]>;
  faults?: FaultRule[];
  /**
   * Run D365's "Post packing slip" batch job (Quantity = Deliver now) every this many ms of real time divided
   * by timeScale, as a D365 admin schedules it for MCF orders; 0 or absent: only when asked
   * (runDeliverNowBatch, POST /_control/packing-slips/deliver-now).
   */
  deliverNowBatchMs?: number;
  /**
   * Seed the demo company's MCF orders (seed/fulfillment.ts) and the business events of their creation:
   * `npm start` and `d365-amazon sim` do; tests that count sales orders leave them out (default false).
   */
  mcfDemoOrders?: boolean;
}

export interface RequestLogEntry {
  at: string;
  method: string;
  path: string;
  target: string;
  status: number;
  ms: number;
  /** For $batch: the operations inside. */
  operations?: { method: string; target: string; status: number }[];
  /** The request's W3C traceparent header, when the client sent one (the app sends its trace). */
  traceparent?: string;
}

export interface RequestStats {
  total: number;
  /** HTTP requests per "<target> <METHOD>" (target: entity set, $batch, token, dmf, blob). */
  counts: Record<string, number>;
  /** Operations per "<EntitySet> <METHOD>", counting each $batch part once. */
  operations: Record<string, number>;
  log: RequestLogEntry[];
}

export interface D365Simulator {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Rows of an entity set as a client would read them (computed fields filled), optionally one company. */
  rows(entitySet: string, company?: string): Row[];
  /** Inserts a row through D365's validation (as a POST would). */
  create(entitySet: string, row: Row): Row;
  /**
   * Writes rows as they are, without business rules (no number sequences, no related-record checks), for
   * seeding a test or a flow's data; each row must fit the schema (unknown fields or wrong types throw).
   */
  seedRows(entitySet: string, rows: Row[]): void;
  /** Sets on-hand (and reserved) of an item in a warehouse (on-hand is read-only over OData). */
  setOnHand(itemNumber: string, warehouseId: string, quantity: number, company?: string, reserved?: number): void;
  /** Adds `delta` (negative removes) to on-hand of an item in a warehouse. */
  adjustOnHand(itemNumber: string, warehouseId: string, delta: number, company?: string): void;
  /** Posts an inventory adjustment or counting journal (on-hand changes), as F&O's posting would. */
  postInventoryJournal(journalNumber: string, company?: string): { kind: "adjustment" | "counting"; lines: number };
  /** Posts the packing slip of an open order: Delivered, on-hand out, tracking in PackingSlipTrackingInformation. */
  shipSalesOrder(
    salesOrderNumber: string,
    tracking?: { trackingNumber?: string; trackingUrl?: string },
    company?: string,
  ): { packingSlipNumber: string; deliveryDate: string };
  /**
   * Posts a packing slip of an open order (all open quantities, or the given lines) with the carrier, mode of
   * delivery and tracking numbers, as the warehouse does for an FBM order; sends the packing-slip business event.
   */
  postPackingSlip(salesOrderNumber: string, input?: PackingSlipInput, company?: string): PostedPackingSlip;
  /** D365's "Post packing slip" batch with Quantity = Deliver now: a packing slip per order with SalesDeliverNow set. */
  runDeliverNowBatch(company?: string): PostedPackingSlip[];
  /** Posts the sales order confirmation (SalesOrderProcessingStatus Confirmed) and sends its alert event. */
  confirmSalesOrder(salesOrderNumber: string, company?: string): void;
  /** The business events F&O sent (the local run bridges them to the app's d365-events queue). */
  businessEvents(): BusinessEventLog;
  /** Posts the invoice of an order: Invoiced, and a SalesInvoiceHeadersV4 row. */
  invoiceSalesOrder(salesOrderNumber: string, company?: string): { invoiceNumber: string };
  /** Posts a journal, as D365's "Post journals" batch job would (OData cannot post). */
  postJournal(journalBatchNumber: string, company?: string): void;
  /**
   * Runs the recurring "Post journals" batch job once over the journals its query selects (journal name,
   * description with * wildcards, company): each is posted if its vouchers balance in open periods.
   */
  runPostingJob(query: Partial<PostingJobQuery>): { posted: string[]; failed: { journalBatchNumber: string; error: string }[] };
  /** Opens, holds or closes a ledger period (yyyy-MM) of a legal entity. */
  setPeriodStatus(month: string, status: "Open" | "OnHold" | "Closed", company?: string): void;
  /**
   * Sets a sales order's status as posting would (Invoiced: lines can no longer be added). `processing` sets
   * SalesOrderProcessingStatus apart from it: a partly delivered order is Backorder / PartiallyDelivered.
   */
  setSalesOrderStatus(
    salesOrderNumber: string,
    status: "Backorder" | "Delivered" | "Invoiced" | "Canceled",
    company?: string,
    processing?: string,
  ): void;
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  requests(): RequestStats;
  clearRequests(): void;
  /** Back to the seeded data; clears faults, log, tokens and DMF state. */
  reset(): void;
  /** Simulator time (tokens expire on it). */
  now(): Date;
  setTime(to: Date | string): void;
  advanceTime(ms: number): void;
  /** Makes every issued token expire now. */
  expireTokens(): void;
  setPageSize(n: number): void;
  dmfExecutions(): { id: string; status: string; errors: string[]; imported: number }[];
}

export const CONTROL_ENDPOINTS = {
  "GET /_control/requests": "request log and counts per entity set and method",
  "DELETE /_control/requests": "clear the request log",
  "GET /_control/faults": "active fault rules",
  "POST /_control/faults": 'add a fault rule (or {faults:[...]}) e.g. {"kind":"throttle","target":"CustomersV3","retryAfterSeconds":2}',
  "DELETE /_control/faults": "clear fault rules",
  "POST /_control/reset": "reseed the demo data and clear faults, log, tokens, DMF state",
  "POST /_control/time": '{"now":"2026-01-31T00:00:00Z"} or {"advanceMs":60000}',
  "POST /_control/tokens/expire": "expire every issued token",
  "POST /_control/journals/post": '{"JournalBatchNumber":"00501","dataAreaId":"usmf"} post a journal as D365\'s batch would',
  "POST /_control/journals/posting-job":
    '{"JournalName":"GenJrn","Description":"Amazon settlement*","dataAreaId":"usmf"} run the recurring Post journals batch job once over the journals it selects',
  "POST /_control/periods": '{"period":"2026-01","status":"Closed","dataAreaId":"usmf"} open, hold (OnHold) or close a ledger period',
  "POST /_control/config": '{"pageSize":50}',
  "GET /_control/entities/<EntitySet>": "raw rows, no token needed",
  "POST /_control/entities/<EntitySet>":
    '{"rows":[{...}]} (or one row) written as they are, checked against the schema, e.g. a flow\'s own master data',
  "POST /_control/onhand":
    '{"ItemNumber":"D0001","WarehouseId":"FBA-US","OnHandQuantity":40,"ReservedQuantity":2} sets on-hand; {"ItemNumber":"D0001","WarehouseId":"11","Delta":-3} adjusts it',
  "POST /_control/inventory-journals/post":
    '{"JournalNumber":"INVJ-000001","dataAreaId":"usmf"} post an adjustment or counting journal (on-hand changes)',
  "POST /_control/sales-orders/ship":
    '{"SalesOrderNumber":"000701","TrackingNumber":"1Z999","TrackingURL":"https://..."} packing slip: Delivered, on-hand out, PackingSlipTrackingInformation',
  "POST /_control/sales-orders/packing-slip":
    '{"SalesOrderNumber":"000707","ShipCarrierId":"UPS","TrackingNumber":"1Z999","Lines":[{"InventoryLotId":"...","Quantity":1}]} post a packing slip (FBM) with carrier and tracking; Lines default: all open quantities',
  "POST /_control/sales-orders/confirm": '{"SalesOrderNumber":"MCF-00003"} post the sales order confirmation (Confirmed)',
  "POST /_control/packing-slips/deliver-now": '{"dataAreaId":"usmf"} run the "Post packing slip" batch with Quantity = Deliver now',
  "GET /_control/business-events": "business events sent so far (?after=<ControlNumber> for the newer ones)",
  "POST /_control/business-events": '{"BusinessEventId":"...","LegalEntity":"usmf", ...contract fields} send a business event',
  "POST /_control/sales-orders/invoice": '{"SalesOrderNumber":"000701"} invoice: Invoiced, a SalesInvoiceHeadersV4 row',
  "POST /_control/sales-orders/status":
    '{"SalesOrderNumber":"000701","SalesOrderStatus":"Backorder","SalesOrderProcessingStatus":"PartiallyDelivered"} set the status as posting would',
} as const;

/** $metadata: what the schema knows, built once. */
const METADATA_XML = metadataDocument();

const JSON_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8";

interface OpResult {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

export async function startD365Simulator(opts: D365SimulatorOptions): Promise<D365Simulator & { url: string; stop(): Promise<void> }> {
  const host = opts.host ?? "127.0.0.1";
  const seed = opts.seed ?? 42;
  const timeScale = opts.timeScale ?? 1;
  let pageSize = opts.pageSize ?? 10_000;
  const tokenTtl = opts.tokenTtlSeconds ?? 3600;
  const defaultCompany = (opts.defaultCompany ?? DEMO_COMPANY).toLowerCase();
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);
  const store = new SimStore(defaultCompany, now);
  const events = businessEventsOf(store, now);
  const dmf = new SimDmf(
    store,
    () => now().getTime(),
    () => (opts.dmfProcessingMs ?? 500) / timeScale,
  );
  const tokens = new Map<string, number>();
  let faults: (FaultRule & { hits: number; seen: number })[] = [];
  let log: RequestLogEntry[] = [];
  let counts: Record<string, number> = {};
  let operations: Record<string, number> = {};
  let total = 0;
  let baseUrl = "";

  const reseed = () => {
    store.clear();
    events.clear();
    seedDemoCompany(store, seed, { now: now(), mcfOrders: opts.mcfDemoOrders ?? false });
    for (const [set, rows] of Object.entries(opts.extraRows ?? {})) for (const r of rows) store.put(set, r, "seed");
  };
  reseed();
  for (const f of opts.faults ?? []) faults.push({ ...f, hits: 0, seen: 0 });

  const count = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);

  // ------------------------------------------------------------------ OData operations

  function stripToDataPath(url: string): string {
    let u = url;
    const abs = /^https?:\/\/[^/]+/i.exec(u);
    if (abs) u = u.slice(abs[0].length);
    if (u.startsWith("/data/")) return u.slice("/data/".length);
    if (u.startsWith("/")) return u.slice(1);
    return u;
  }

  function jsonBody(text: string | undefined): Row {
    if (!text || !text.trim()) return {};
    try {
      return JSON.parse(text) as Row;
    } catch {
      throw odataError(400, "The request body is not valid JSON.");
    }
  }

  function resolveSegment(pathPart: string): { set: string; keyText?: string; countOnly: boolean } {
    const decoded = decodeURIComponent(pathPart);
    const m = /^([A-Za-z_][\w]*)(\(.*\))?(\/\$count)?$/.exec(decoded);
    if (!m) throw odataError(404, `No HTTP resource was found that matches the request URI '${baseUrl}/data/${decoded}'.`);
    return { set: m[1]!, keyText: m[2], countOnly: Boolean(m[3]) };
  }

  /** Executes one OData operation (top level or inside $batch). `dataPath` is relative to /data/. */
  function execute(method: string, dataPath: string, headers: Record<string, string>, bodyText: string | undefined): OpResult {
    const qIndex = dataPath.indexOf("?");
    const pathPart = qIndex >= 0 ? dataPath.slice(0, qIndex) : dataPath;
    const params = new URLSearchParams(qIndex >= 0 ? dataPath.slice(qIndex + 1) : "");
    const crossCompany = (params.get("cross-company") ?? "").toLowerCase() === "true";

    if (pathPart.startsWith("DataManagementDefinitionGroups/")) {
      if (method !== "POST") throw odataError(405, "DMF actions are called with POST.");
      const action = pathPart.slice("DataManagementDefinitionGroups/".length).replace(/^Microsoft\.Dynamics\.DataEntities\./, "");
      const value = dmf.action(action, jsonBody(bodyText), baseUrl);
      return {
        status: 200,
        headers: { "Content-Type": JSON_TYPE },
        body: { "@odata.context": `${baseUrl}/data/$metadata#Edm.String`, value },
      };
    }

    const { set, keyText, countOnly } = resolveSegment(pathPart);
    const def = entity(set);
    const visible = (r: Row) => crossCompany || !def.company || r.dataAreaId === defaultCompany;

    if (keyText) {
      const key = parseKey(def, keyText);
      if (def.company && typeof key.dataAreaId === "string") key.dataAreaId = key.dataAreaId.toLowerCase();
      const stored = store.find(set, key);
      const found = stored && visible(stored) ? stored : undefined;
      switch (method) {
        case "GET": {
          if (!found) throw odataError(404, `Resource not found for the segment '${set}'.`);
          const row = applySelect(def, store.present(def, [found])[0]!, parseSelect(def, params.get("$select")));
          return {
            status: 200,
            headers: { "Content-Type": JSON_TYPE, ETag: String(row["@odata.etag"]) },
            body: { "@odata.context": `${baseUrl}/data/$metadata#${set}/$entity`, ...row },
          };
        }
        case "PATCH":
        case "PUT":
        case "MERGE":
          if (!found) throw odataError(404, "No resources were found when selecting for update.");
          store.update(set, key, jsonBody(bodyText), headers["if-match"]);
          return { status: 204, headers: {} };
        case "DELETE":
          if (!found) throw odataError(404, "No resources were found when selecting for delete.");
          store.delete(set, key);
          return { status: 204, headers: {} };
        default:
          throw odataError(405, `The HTTP method '${method}' is not allowed on '${set}(...)'.`);
      }
    }

    if (method === "GET") {
      let rows = store.rows(set).filter(visible) as Row[];
      rows = applyFilter(def, rows, params.get("$filter"));
      if (countOnly) return { status: 200, headers: { "Content-Type": "text/plain" }, rawBody: String(rows.length) };
      rows = applyOrderBy(def, rows, params.get("$orderby"));
      const select = parseSelect(def, params.get("$select"));
      const skip = parseNonNegativeInt("skip", params.get("$skip")) ?? 0;
      const top = parseNonNegativeInt("top", params.get("$top"));
      const totalCount = rows.length;
      const want = top === undefined ? Infinity : top;
      const take = Math.min(want, pageSize);
      const page = rows.slice(skip, skip + take);
      const body: Record<string, unknown> = {
        "@odata.context": `${baseUrl}/data/$metadata#${set}${select ? `(${select.join(",")})` : ""}`,
      };
      if ((params.get("$count") ?? "").toLowerCase() === "true") body["@odata.count"] = totalCount;
      body.value = store.present(def, page as never).map((r) => applySelect(def, r, select));
      const served = skip + page.length;
      if (page.length === take && served < totalCount && page.length < want) {
        // Server-driven paging: the next link carries $skip (and the remaining $top), like D365's.
        const next = new URLSearchParams(params);
        next.set("$skip", String(served));
        if (top !== undefined) next.set("$top", String(top - page.length));
        body["@odata.nextLink"] = `${baseUrl}/data/${set}?${next.toString().replace(/\+/g, "%20")}`;
      }
      return { status: 200, headers: { "Content-Type": JSON_TYPE }, body };
    }
    if (method === "POST") {
      const created = store.create(set, jsonBody(bodyText));
      if (def.table === "SalesOrderHeadersV4") afterSalesOrderCreated(store, created);
      const row = store.present(def, [created])[0]!;
      const keyPart = def.keys.map((k) => `${k}=${keyLiteral(def.properties.get(k)!, created[k])}`).join(",");
      const location = `${baseUrl}/data/${set}(${encodeURI(keyPart)})`;
      if ((headers.prefer ?? "").includes("return=minimal"))
        return { status: 204, headers: { Location: location, "OData-EntityId": location } };
      return {
        status: 201,
        headers: { "Content-Type": JSON_TYPE, Location: location, ETag: String(row["@odata.etag"]) },
        body: { "@odata.context": `${baseUrl}/data/$metadata#${set}/$entity`, ...row },
      };
    }
    throw odataError(405, `The HTTP method '${method}' is not allowed on '${set}'.`);
  }

  function safeExecute(method: string, dataPath: string, headers: Record<string, string>, body: string | undefined): OpResult {
    try {
      return execute(method, dataPath, headers, body);
    } catch (err) {
      if (err instanceof SimError) return { status: err.status, headers: { "Content-Type": JSON_TYPE, ...err.headers }, body: err.body };
      const message = err instanceof Error ? err.message : String(err);
      return {
        status: 500,
        headers: { "Content-Type": JSON_TYPE },
        body: { error: { code: "", message: "An error has occurred.", innererror: { message, type: "System.Exception", stacktrace: "" } } },
      };
    }
  }

  function opTarget(dataPath: string): string {
    const p = dataPath.split("?")[0]!;
    if (p.startsWith("DataManagementDefinitionGroups")) return "dmf";
    return /^([A-Za-z_]\w*)/.exec(decodeURIComponent(p))?.[1] ?? p;
  }

  function toPart(r: OpResult, contentId?: string): HttpResponsePart {
    const body = r.rawBody ?? (r.body === undefined ? "" : JSON.stringify(r.body));
    const headers: Record<string, string> = { ...r.headers };
    if (body && !headers["Content-Type"]) headers["Content-Type"] = JSON_TYPE;
    return { status: r.status, headers, body, contentId };
  }

  class ChangesetFailed extends Error {
    constructor(readonly part: HttpResponsePart) {
      super("changeset failed");
    }
  }

  /**
   * `$batch` as F&O runs it: parts in order, each change set atomic. Without `Prefer:
   * odata.continue-on-error` processing stops at the first failing part (a failed request or change set),
   * so the answer has fewer parts than the request; with it every part runs and the answer says
   * `Preference-Applied: odata.continue-on-error`.
   */
  function executeBatch(
    contentType: string | undefined,
    text: string,
    opsLog: { method: string; target: string; status: number }[],
    continueOnError: boolean,
  ): { contentType: string; body: string } {
    let groups;
    try {
      groups = parseBatchRequestBody(contentType, text);
    } catch (err) {
      throw odataError(400, `The batch request could not be read: ${(err as Error).message}`);
    }
    const opCount = groups.reduce((n, g) => n + (g.kind === "single" ? 1 : g.requests.length), 0);
    // D365: at most 5,000 operations per $batch (service-protection-maximizing-api-throughput.md).
    if (opCount > 5000) throw odataError(400, `The batch contains ${opCount} operations; the maximum is 5000.`);
    const out: BatchResponseGroup[] = [];
    const run = (r: HttpPart, ids: Map<string, string>): OpResult => {
      let url = r.url;
      const ref = /^\$(\w+)(.*)$/.exec(url);
      if (ref && ids.has(ref[1]!)) url = ids.get(ref[1]!)! + ref[2];
      const dataPath = stripToDataPath(url);
      const res = safeExecute(r.method, dataPath, r.headers, r.body);
      const target = opTarget(dataPath);
      count(operations, `${target} ${r.method}`);
      opsLog.push({ method: r.method, target, status: res.status });
      return res;
    };
    for (const g of groups) {
      if (g.kind === "single") {
        const response = toPart(run(g.request, new Map()), g.request.contentId);
        out.push({ kind: "single", response });
        if (response.status >= 400 && !continueOnError) break;
        continue;
      }
      const ids = new Map<string, string>();
      try {
        const responses = store.transaction(() =>
          g.requests.map((r) => {
            const res = run(r, ids);
            if (res.status >= 400) throw new ChangesetFailed(toPart(res, r.contentId));
            if (r.contentId && res.headers.Location) ids.set(r.contentId, res.headers.Location);
            return toPart(res, r.contentId);
          }),
        );
        out.push({ kind: "changeset", responses });
      } catch (err) {
        if (!(err instanceof ChangesetFailed)) throw err;
        // OData v4: a failed change set is answered by one response, the error; every write in it is undone.
        out.push({ kind: "single", response: err.part });
        if (!continueOnError) break;
      }
    }
    return buildBatchResponseBody(out);
  }

  // ------------------------------------------------------------------ HTTP plumbing

  function send(res: http.ServerResponse, status: number, headers: Record<string, string>, body?: unknown): void {
    const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
    res.writeHead(status, { "OData-Version": "4.0", ...headers, ...(text ? { "Content-Length": String(Buffer.byteLength(text)) } : {}) });
    res.end(text);
  }

  function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });
  }

  function matchFault(target: string, method: string): (FaultRule & { hits: number; seen: number }) | undefined {
    for (const f of faults) {
      if (f.target && f.target.toLowerCase() !== target.toLowerCase()) continue;
      if (!f.target && (target === "token" || target === "blob" || target === "control")) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      const times = f.times ?? 1;
      if (times !== 0 && f.hits >= times) continue;
      f.seen++;
      if (f.skip && f.seen <= f.skip) continue;
      f.hits++;
      return f;
    }
    return undefined;
  }

  function authorized(req: http.IncomingMessage): boolean {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (!m) return false;
    const expires = tokens.get(m[1]!);
    if (expires === undefined) return !opts.strictTokens;
    return expires > now().getTime();
  }

  function issueToken(params: URLSearchParams): { status: number; body: unknown } {
    if (params.get("grant_type") !== "client_credentials") {
      return {
        status: 400,
        body: {
          error: "unsupported_grant_type",
          error_description: "AADSTS70003: The app requested an unsupported grant type. Use client_credentials.",
        },
      };
    }
    if (!params.get("client_id") || !(params.get("client_secret") || params.get("client_assertion"))) {
      return {
        status: 400,
        body: { error: "invalid_client", error_description: "AADSTS7000216: 'client_id' and 'client_secret' are required." },
      };
    }
    const token = `sim.${randomBytes(24).toString("base64url")}`;
    tokens.set(token, now().getTime() + tokenTtl * 1000);
    return { status: 200, body: { token_type: "Bearer", expires_in: tokenTtl, ext_expires_in: tokenTtl, access_token: token } };
  }

  async function handleControl(method: string, path: string, body: Buffer, res: http.ServerResponse, query = ""): Promise<void> {
    const json = () => (body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {});
    const route = `${method} ${path}`;
    if (route === "GET /_control/requests") return send(res, 200, { "Content-Type": "application/json" }, api.requests());
    if (route === "DELETE /_control/requests") return (api.clearRequests(), send(res, 204, {}));
    if (route === "GET /_control/faults") return send(res, 200, { "Content-Type": "application/json" }, { faults });
    if (route === "POST /_control/faults") {
      const b = json();
      const list = Array.isArray(b.faults) ? (b.faults as FaultRule[]) : [b as unknown as FaultRule];
      for (const f of list) {
        if (!["throttle", "error", "latency", "drop"].includes(f.kind))
          return send(res, 400, { "Content-Type": "application/json" }, { error: `unknown fault kind '${String(f.kind)}'` });
        api.injectFault(f);
      }
      return send(res, 201, { "Content-Type": "application/json" }, { faults });
    }
    if (route === "DELETE /_control/faults") return (api.clearFaults(), send(res, 204, {}));
    if (route === "POST /_control/reset") return (api.reset(), send(res, 204, {}));
    if (route === "POST /_control/time") {
      const b = json();
      if (typeof b.now === "string") api.setTime(b.now);
      if (typeof b.advanceMs === "number") api.advanceTime(b.advanceMs);
      return send(res, 200, { "Content-Type": "application/json" }, { now: now().toISOString() });
    }
    if (route === "POST /_control/tokens/expire") return (api.expireTokens(), send(res, 204, {}));
    if (route === "POST /_control/journals/post") {
      const b = json();
      api.postJournal(String(b.JournalBatchNumber ?? ""), typeof b.dataAreaId === "string" ? b.dataAreaId : undefined);
      return send(res, 204, {});
    }
    if (route === "POST /_control/journals/posting-job") {
      const b = json();
      const result = api.runPostingJob({
        company: typeof b.dataAreaId === "string" ? b.dataAreaId : undefined,
        journalName: typeof b.JournalName === "string" ? b.JournalName : undefined,
        description: typeof b.Description === "string" ? b.Description : undefined,
      });
      return send(res, 200, { "Content-Type": "application/json" }, result);
    }
    if (route === "POST /_control/periods") {
      const b = json();
      const status = String(b.status ?? "");
      if (!["Open", "OnHold", "Closed"].includes(status))
        return send(res, 400, { "Content-Type": "application/json" }, { error: 'status is "Open", "OnHold" or "Closed"' });
      api.setPeriodStatus(String(b.period ?? ""), status as "Open", typeof b.dataAreaId === "string" ? b.dataAreaId : undefined);
      return send(res, 204, {});
    }
    if (route === "POST /_control/config") {
      const b = json();
      if (typeof b.pageSize === "number") api.setPageSize(b.pageSize);
      return send(res, 200, { "Content-Type": "application/json" }, { pageSize });
    }
    const ent = /^GET \/_control\/entities\/(\w+)$/.exec(route);
    if (ent) return send(res, 200, { "Content-Type": "application/json" }, { value: api.rows(ent[1]!) });
    const company = (b: Record<string, unknown>) => (typeof b.dataAreaId === "string" ? b.dataAreaId : undefined);
    const seedTo = /^POST \/_control\/entities\/(\w+)$/.exec(route);
    if (seedTo) {
      const b = json();
      const rows = Array.isArray(b.rows) ? (b.rows as Row[]) : [b as Row];
      api.seedRows(seedTo[1]!, rows);
      return send(res, 201, { "Content-Type": "application/json" }, { written: rows.length });
    }
    if (route === "POST /_control/onhand") {
      const b = json();
      const item = String(b.ItemNumber ?? "");
      const wh = String(b.WarehouseId ?? "");
      if (typeof b.Delta === "number") api.adjustOnHand(item, wh, b.Delta, company(b));
      else if (typeof b.OnHandQuantity === "number") api.setOnHand(item, wh, b.OnHandQuantity, company(b), Number(b.ReservedQuantity ?? 0));
      else return send(res, 400, { "Content-Type": "application/json" }, { error: "give OnHandQuantity (set) or Delta (adjust)" });
      const row = api
        .rows("WarehousesOnHandV2", company(b))
        .find(
          (r) =>
            String(r.ItemNumber).toLowerCase() === item.toLowerCase() && String(r.InventoryWarehouseId).toLowerCase() === wh.toLowerCase(),
        );
      return send(res, 200, { "Content-Type": "application/json" }, row);
    }
    if (route === "POST /_control/inventory-journals/post") {
      const b = json();
      return send(res, 200, { "Content-Type": "application/json" }, api.postInventoryJournal(String(b.JournalNumber ?? ""), company(b)));
    }
    if (route === "POST /_control/sales-orders/ship") {
      const b = json();
      const tracking = {
        trackingNumber: typeof b.TrackingNumber === "string" ? b.TrackingNumber : undefined,
        trackingUrl: typeof b.TrackingURL === "string" ? b.TrackingURL : undefined,
      };
      return send(
        res,
        200,
        { "Content-Type": "application/json" },
        api.shipSalesOrder(String(b.SalesOrderNumber ?? ""), tracking, company(b)),
      );
    }
    if (route === "POST /_control/sales-orders/packing-slip") {
      const b = json();
      const tracking = Array.isArray(b.Tracking)
        ? (b.Tracking as { TrackingNumber: string; TrackingURL?: string }[]).map((t) => ({
            trackingNumber: t.TrackingNumber,
            trackingUrl: t.TrackingURL,
          }))
        : typeof b.TrackingNumber === "string"
          ? [{ trackingNumber: b.TrackingNumber, trackingUrl: typeof b.TrackingURL === "string" ? b.TrackingURL : undefined }]
          : [];
      const input: PackingSlipInput = {
        ...(Array.isArray(b.Lines) ? { lines: b.Lines as PackingSlipInput["lines"] } : {}),
        ...(typeof b.ShipCarrierId === "string" ? { shipCarrierId: b.ShipCarrierId } : {}),
        ...(typeof b.DeliveryModeCode === "string" ? { deliveryModeCode: b.DeliveryModeCode } : {}),
        tracking,
      };
      return send(
        res,
        200,
        { "Content-Type": "application/json" },
        api.postPackingSlip(String(b.SalesOrderNumber ?? ""), input, company(b)),
      );
    }
    if (route === "POST /_control/sales-orders/confirm") {
      const b = json();
      api.confirmSalesOrder(String(b.SalesOrderNumber ?? ""), company(b));
      return send(res, 204, {});
    }
    if (route === "POST /_control/packing-slips/deliver-now") {
      return send(res, 200, { "Content-Type": "application/json" }, { posted: api.runDeliverNowBatch(company(json())) });
    }
    if (route === "GET /_control/business-events") {
      const after = new URLSearchParams(query).get("after");
      return send(res, 200, { "Content-Type": "application/json" }, { value: events.list(after ? Number(after) : undefined) });
    }
    if (route === "POST /_control/business-events") {
      const { BusinessEventId, LegalEntity, ...contract } = json();
      if (typeof BusinessEventId !== "string" || !BusinessEventId)
        return send(res, 400, { "Content-Type": "application/json" }, { error: "BusinessEventId is required" });
      const e = events.emit(BusinessEventId, String(LegalEntity ?? defaultCompany), {
        ...contract,
        ...(LegalEntity ? { LegalEntity } : {}),
      });
      return send(res, 201, { "Content-Type": "application/json" }, e);
    }
    if (route === "POST /_control/sales-orders/invoice") {
      const b = json();
      return send(res, 200, { "Content-Type": "application/json" }, api.invoiceSalesOrder(String(b.SalesOrderNumber ?? ""), company(b)));
    }
    if (route === "POST /_control/sales-orders/status") {
      const b = json();
      const status = String(b.SalesOrderStatus ?? "");
      if (!["Backorder", "Delivered", "Invoiced", "Canceled"].includes(status))
        return send(
          res,
          400,
          { "Content-Type": "application/json" },
          { error: "SalesOrderStatus: Backorder, Delivered, Invoiced or Canceled" },
        );
      const processing = b.SalesOrderProcessingStatus === undefined ? undefined : String(b.SalesOrderProcessingStatus);
      api.setSalesOrderStatus(String(b.SalesOrderNumber ?? ""), status as "Canceled", company(b), processing);
      return send(res, 204, {});
    }
    return send(res, 404, { "Content-Type": "application/json" }, { error: "unknown control endpoint", endpoints: CONTROL_ENDPOINTS });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? "GET").toUpperCase();
    const rawUrl = req.url ?? "/";
    const path = rawUrl.split("?")[0]!;
    const body = await readBody(req);
    let target = "other";
    let status = 0;
    const opsLog: { method: string; target: string; status: number }[] = [];
    const finish = (s: number) => {
      status = s;
      if (target === "control") return;
      total++;
      count(counts, `${target} ${method}`);
      log.push({
        at: now().toISOString(),
        method,
        path,
        target,
        status,
        ms: Date.now() - started,
        ...(opsLog.length ? { operations: opsLog } : {}),
        ...(typeof req.headers.traceparent === "string" ? { traceparent: req.headers.traceparent } : {}),
      });
      if (log.length > 2000) log = log.slice(-1000);
    };
    try {
      if (path.startsWith("/_control/")) {
        target = "control";
        try {
          return await handleControl(method, path, body, res, rawUrl.split("?")[1] ?? "");
        } catch (err) {
          // A control call that F&O would refuse (unknown order, posted journal, a row that does not fit the schema).
          if (err instanceof SimError) return send(res, err.status, { "Content-Type": JSON_TYPE }, err.body);
          return send(res, 400, { "Content-Type": "application/json" }, { error: err instanceof Error ? err.message : String(err) });
        }
      }
      const isToken = /^\/(?:[^/]+\/)?oauth2\/(?:v2\.0\/)?token$/.test(path);
      const isBlob = path.startsWith("/_blob/");
      const dataPath = path.startsWith("/data/") ? rawUrl.slice("/data/".length) : undefined;
      target = isToken
        ? "token"
        : isBlob
          ? "blob"
          : dataPath !== undefined
            ? dataPath.startsWith("$batch")
              ? "$batch"
              : opTarget(dataPath)
            : "other";

      const fault = matchFault(target, method);
      if (fault) {
        if (fault.kind === "drop") {
          finish(0);
          req.socket.destroy();
          return;
        }
        if (fault.kind === "latency") await new Promise((r) => setTimeout(r, fault.latencyMs ?? 1000));
        if (fault.kind === "throttle") {
          const secs = fault.retryAfterSeconds ?? 1;
          const retryAfter = fault.retryAfterAsDate ? new Date(Date.now() + secs * 1000).toUTCString() : String(secs);
          finish(429);
          // D365 resource-based throttling: 429 with Retry-After in seconds.
          return send(
            res,
            429,
            { "Content-Type": JSON_TYPE, "Retry-After": retryAfter },
            {
              error: {
                code: "",
                message:
                  "This request could not be processed at this time due to system experiencing high resource utilization. Please retry later.",
              },
            },
          );
        }
        if (fault.kind === "error") {
          const s = fault.status ?? 503;
          finish(s);
          return send(
            res,
            s,
            { "Content-Type": JSON_TYPE },
            {
              error: {
                code: "",
                message: s === 503 ? "The service is unavailable." : "An error has occurred.",
                innererror: { message: `Simulated ${s}`, type: "System.Exception", stacktrace: "" },
              },
            },
          );
        }
      }

      if (isToken) {
        if (method !== "POST") return (finish(405), send(res, 405, {}));
        const text = body.toString("utf8");
        const params = (req.headers["content-type"] ?? "").includes("json")
          ? new URLSearchParams(Object.entries(JSON.parse(text || "{}") as Record<string, string>))
          : new URLSearchParams(text);
        const r = issueToken(params);
        finish(r.status);
        return send(res, r.status, { "Content-Type": "application/json; charset=utf-8" }, r.body);
      }
      if (isBlob) {
        const name = path.slice("/_blob/dmf/".length);
        if (method === "PUT") {
          // Azure Blob Put Blob needs x-ms-blob-type: BlockBlob.
          if (String(req.headers["x-ms-blob-type"] ?? "").toLowerCase() !== "blockblob") {
            finish(400);
            return send(
              res,
              400,
              { "Content-Type": "application/xml" },
              '<?xml version="1.0" encoding="utf-8"?><Error><Code>MissingRequiredHeader</Code><Message>An HTTP header that\'s mandatory for this request is not specified: x-ms-blob-type</Message></Error>',
            );
          }
          dmf.putBlob(name, body);
          finish(201);
          return send(res, 201, {});
        }
        const blob = dmf.blobs.get(name);
        finish(blob ? 200 : 404);
        if (!blob) return send(res, 404, {});
        res.writeHead(200, { "Content-Type": "application/octet-stream", "Content-Length": String(blob.length) });
        return void res.end(blob);
      }
      if (dataPath === undefined) {
        finish(404);
        return send(
          res,
          404,
          { "Content-Type": "application/json" },
          { error: { code: "", message: `No HTTP resource was found that matches the request URI '${baseUrl}${rawUrl}'.` } },
        );
      }
      if (!authorized(req)) {
        finish(401);
        return send(res, 401, { "WWW-Authenticate": `Bearer authorization_uri="${baseUrl}/oauth2/token", error="invalid_token"` });
      }
      if (dataPath === "$metadata" || dataPath.startsWith("$metadata?")) {
        finish(200);
        return send(res, 200, { "Content-Type": "application/xml" }, metadataXml());
      }
      if (dataPath.startsWith("$batch")) {
        if (method !== "POST") return (finish(405), send(res, 405, {}));
        try {
          const continueOnError = /\bodata\.continue-on-error\b(?!\s*=\s*false)/i.test(String(req.headers.prefer ?? ""));
          const out = executeBatch(req.headers["content-type"], body.toString("utf8"), opsLog, continueOnError);
          finish(200);
          return send(
            res,
            200,
            { "Content-Type": out.contentType, ...(continueOnError ? { "Preference-Applied": "odata.continue-on-error" } : {}) },
            out.body,
          );
        } catch (err) {
          if (err instanceof SimError) {
            finish(err.status);
            return send(res, err.status, { "Content-Type": JSON_TYPE }, err.body);
          }
          throw err;
        }
      }
      count(operations, `${target} ${method}`);
      const r = safeExecute(method, dataPath, lowerHeaders(req.headers), body.length ? body.toString("utf8") : undefined);
      finish(r.status);
      return send(res, r.status, r.headers, r.rawBody ?? r.body);
    } catch (err) {
      if (!status) finish(500);
      if (!res.headersSent)
        send(
          res,
          500,
          { "Content-Type": "application/json" },
          { error: { code: "", message: err instanceof Error ? err.message : String(err) } },
        );
    }
  }

  function lowerHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(h)) if (typeof v === "string") out[k.toLowerCase()] = v;
    return out;
  }

  function metadataXml(): string {
    return METADATA_XML;
  }

  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${host}:${port}`;
  const batchTimer = opts.deliverNowBatchMs
    ? setInterval(() => runDeliverNowBatch(store, now()), Math.max(50, opts.deliverNowBatchMs / timeScale))
    : undefined;
  batchTimer?.unref();

  const api: D365Simulator = {
    url: baseUrl,
    port,
    async stop() {
      if (batchTimer) clearInterval(batchTimer);
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    rows(entitySet, company) {
      const def = entity(entitySet);
      const rows = store.rows(entitySet).filter((r) => !company || !def.company || r.dataAreaId === company.toLowerCase());
      return store.present(def, rows);
    },
    create(entitySet, row) {
      const created = store.transaction(() => {
        const r = store.create(entitySet, row);
        if (entity(entitySet).table === "SalesOrderHeadersV4") afterSalesOrderCreated(store, r);
        return r;
      });
      return store.present(entity(entitySet), [created])[0]!;
    },
    seedRows(entitySet, rows) {
      store.transaction(() => {
        for (const r of rows) store.put(entitySet, r, "seed");
      });
    },
    setOnHand(itemNumber, warehouseId, quantity, company = defaultCompany, reserved = 0) {
      setOnHand(store, company, itemNumber, warehouseId, quantity, reserved);
    },
    adjustOnHand(itemNumber, warehouseId, delta, company = defaultCompany) {
      adjustOnHand(store, company, itemNumber, warehouseId, delta);
    },
    postInventoryJournal(journalNumber, company = defaultCompany) {
      return postInventoryJournal(store, company, journalNumber, now());
    },
    shipSalesOrder(salesOrderNumber, tracking = {}, company = defaultCompany) {
      const t = tracking.trackingNumber ? [{ trackingNumber: tracking.trackingNumber, trackingUrl: tracking.trackingUrl }] : [];
      const posted = postPackingSlip(store, company, salesOrderNumber, { tracking: t }, now());
      return { packingSlipNumber: posted.packingSlipNumber, deliveryDate: posted.deliveryDate };
    },
    postPackingSlip(salesOrderNumber, input = {}, company = defaultCompany) {
      return postPackingSlip(store, company, salesOrderNumber, input, now());
    },
    runDeliverNowBatch(company) {
      return runDeliverNowBatch(store, now(), company);
    },
    confirmSalesOrder(salesOrderNumber, company = defaultCompany) {
      confirmSalesOrder(store, company, salesOrderNumber);
    },
    businessEvents() {
      return events;
    },
    invoiceSalesOrder(salesOrderNumber, company = defaultCompany) {
      return invoiceSalesOrder(store, company, salesOrderNumber, now());
    },
    postJournal(journalBatchNumber, company = defaultCompany) {
      store.postJournal(company, journalBatchNumber);
    },
    runPostingJob(query) {
      return runPostingJob(store, { ...query, company: query.company ?? defaultCompany });
    },
    setPeriodStatus(month, status, company = defaultCompany) {
      setPeriodStatus(store, company, month, status);
    },
    setSalesOrderStatus(salesOrderNumber, status, company = defaultCompany, processing) {
      setSalesOrderStatus(store, company, salesOrderNumber, status, processing);
    },
    injectFault(rule) {
      faults.push({ ...rule, hits: 0, seen: 0 });
    },
    clearFaults() {
      faults = [];
    },
    requests() {
      return { total, counts: { ...counts }, operations: { ...operations }, log: log.slice(-500) };
    },
    clearRequests() {
      log = [];
      counts = {};
      operations = {};
      total = 0;
    },
    reset() {
      reseed();
      dmf.reset();
      tokens.clear();
      api.clearFaults();
      api.clearRequests();
      offsetMs = 0;
    },
    now,
    setTime(to) {
      offsetMs = new Date(to).getTime() - Date.now();
    },
    advanceTime(ms) {
      offsetMs += ms;
    },
    expireTokens() {
      const t = now().getTime() - 1;
      for (const k of tokens.keys()) tokens.set(k, t);
    },
    setPageSize(n) {
      pageSize = Math.max(1, Math.floor(n));
    },
    dmfExecutions() {
      return [...dmf.executions.values()].map((e) => ({ id: e.id, status: e.status, errors: e.errors, imported: e.imported }));
    },
  };
  return api;
}
