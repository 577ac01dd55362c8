/**
 * The D365 F&O OData client: every HTTP call to D365 goes through here. Auth (Entra token cache, one
 * refresh on 401), retries (429 honours Retry-After; 5xx/timeouts/resets back off exponentially with
 * jitter), paging through @odata.nextLink, `$batch` changesets, typed errors and request counting.
 *
 * Non-idempotent writes (POST) are retried only when D365 certainly did not process them (429, 503,
 * connection refused). After a timeout or reset the write may have happened, so the error goes up as
 * UnavailableError and the flow resumes by looking the record up by its business key (a sales order by its
 * CustomersOrderReference, a journal by its description), because D365 does not create a document atomically.
 */
import axios, { type AxiosInstance, type AxiosResponse } from "axios";
import type { TokenCredential } from "@azure/identity";
import { AppError, InternalError, UnavailableError } from "../platform/errors";
import type { Telemetry } from "../platform/telemetry";
import { d365Scope, TokenCache } from "./auth";
import { toAppError } from "./errors";
import { buildBatchRequestBody, parseBatchResponseBody, type BatchGroup, type HttpResponsePart } from "./multipart";
import { buildQueryString, formatKey, toODataJson, type ODataLiteral, type QueryOptions } from "./odata";
import { currentTraceparent } from "../platform/trace";

export type EntityKey = Record<string, ODataLiteral>;
export type ODataRow = Record<string, unknown>;

export interface D365ClientOptions {
  /** https://<env>.operations.dynamics.com, no trailing slash (locally the simulator). */
  baseUrl: string;
  credential: TokenCredential;
  /** Default legal entity (dataAreaId). */
  company: string;
  /** Operations per changeset. */
  batchSize?: number;
  /** Operations per $batch request (D365 maximum 5,000). */
  maxOperationsPerBatch?: number;
  timeoutMs?: number;
  maxRetries?: number;
  /** First backoff step (doubles each retry, capped at maxBackoffMs; equal jitter). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Wait used when a 429 carries no Retry-After (samples use 10–30 s). */
  defaultRetryAfterMs?: number;
  /** A Retry-After longer than this is not waited out here: ThrottledError goes up to the caller. */
  maxRetryAfterMs?: number;
  telemetry?: Telemetry;
  /** For tests: how to wait. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface RequestOptions {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  /** Path under /data/ (e.g. "CustomersV3?$top=1") or an absolute URL (nextLink, blob URL). */
  path: string;
  /** For counting and messages: the entity set or action. */
  entity: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  /** Send the bearer token (false for SAS blob URLs). */
  auth?: boolean;
  /** Safe to resend after an unknown outcome (GET, PATCH, DELETE, PUT; read-only actions). */
  idempotent?: boolean;
}

export interface BatchOperation {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  entitySet: string;
  key?: EntityKey;
  body?: unknown;
  query?: QueryOptions;
  etag?: string;
}

export interface BatchOperationResult<T = ODataRow> {
  /** Position of the operation in the list given to batch(). */
  index: number;
  status: number;
  ok: boolean;
  body?: T;
  error?: AppError;
  /** Which changeset (0-based over the whole call) it was in; undefined for GETs. */
  changeset?: number;
  /** True when this operation was fine but its changeset failed on another one and was undone. */
  rolledBack?: boolean;
  /** True when D365 stopped the $batch at an earlier failing part and never ran this one (no part answered it). */
  notExecuted?: boolean;
}

export interface BatchOptions {
  /** Operations per atomic changeset (default D365_BATCH_SIZE). 1 = every write on its own. */
  changesetSize?: number;
  /**
   * Ask D365 to run the parts after a failing one (`Prefer: odata.continue-on-error`). Without it D365
   * stops at the first failing part; the parts after it come back `notExecuted`.
   */
  continueOnError?: boolean;
}

export class D365Query<T> implements AsyncIterable<T> {
  constructor(private readonly pagesFn: () => AsyncGenerator<{ rows: T[]; count?: number }>) {}

  /** Each server page (D365 pages at 10,000 rows and continues through @odata.nextLink). */
  async *pages(): AsyncGenerator<{ rows: T[]; count?: number }> {
    yield* this.pagesFn();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for await (const page of this.pagesFn()) yield* page.rows;
  }

  /** Every row of every page. */
  async collect(): Promise<T[]> {
    const all: T[] = [];
    for await (const page of this.pagesFn()) all.push(...page.rows);
    return all;
  }

  async first(): Promise<T | undefined> {
    for await (const row of this) return row;
    return undefined;
  }
}

const NETWORK_RETRYABLE = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);
/** Errors after which D365 certainly did not process the request. */
const NOT_DELIVERED = new Set(["ECONNREFUSED", "EAI_AGAIN", "ENOTFOUND"]);

export class D365Client {
  readonly baseUrl: string;
  readonly company: string;
  readonly batchSize: number;
  private readonly http: AxiosInstance;
  private readonly tokens: TokenCache;
  private readonly opts: Required<Omit<D365ClientOptions, "telemetry" | "credential">> & { telemetry?: Telemetry };
  private counts = new Map<string, number>();

  constructor(options: D365ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.company = options.company.toLowerCase();
    this.opts = {
      baseUrl: this.baseUrl,
      company: this.company,
      batchSize: options.batchSize ?? 100,
      maxOperationsPerBatch: Math.min(options.maxOperationsPerBatch ?? 5000, 5000),
      timeoutMs: options.timeoutMs ?? 60_000,
      maxRetries: options.maxRetries ?? 5,
      baseBackoffMs: options.baseBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 30_000,
      defaultRetryAfterMs: options.defaultRetryAfterMs ?? 10_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 120_000,
      telemetry: options.telemetry,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: options.random ?? Math.random,
    };
    this.batchSize = this.opts.batchSize;
    this.tokens = new TokenCache(options.credential, d365Scope(this.baseUrl));
    // No cookies are kept: D365 advises dropping the ARR affinity cookie so requests spread over web servers.
    this.http = axios.create({ timeout: this.opts.timeoutMs, maxBodyLength: Infinity, maxContentLength: Infinity });
  }

  // ------------------------------------------------------------------ counting (benchmarks)

  /** Requests sent, keyed "<EntitySet> <METHOD>"; operations inside $batch as "<EntitySet> <METHOD> ($batch)". */
  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetRequestCounts(): void {
    this.counts = new Map();
  }

  totalRequests(): number {
    let n = 0;
    for (const [k, v] of this.counts) if (!k.endsWith("($batch)")) n += v;
    return n;
  }

  private tally(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  // ------------------------------------------------------------------ transport

  /** Gets a token (proves credentials and reachability of the token endpoint). */
  async token(): Promise<string> {
    return this.tokens.get();
  }

  private url(path: string): string {
    return /^https?:\/\//i.test(path) ? path : `${this.baseUrl}/data/${path}`;
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** attempt);
    return Math.round(exp / 2 + (exp / 2) * this.opts.random());
  }

  private retryAfter(res: AxiosResponse): number {
    const h = res.headers["retry-after"] as string | undefined;
    if (h === undefined || h === "") return this.opts.defaultRetryAfterMs;
    if (/^\d+(\.\d+)?$/.test(h.trim())) return Math.round(Number(h) * 1000);
    const at = Date.parse(h);
    return Number.isNaN(at) ? this.opts.defaultRetryAfterMs : Math.max(0, at - Date.now());
  }

  /** One HTTP exchange with auth, retries and error mapping. Resolves only with a 2xx response. */
  async request(req: RequestOptions): Promise<AxiosResponse<string>> {
    const idempotent = req.idempotent ?? req.method !== "POST";
    let refreshed = false;
    let attempt = 0;
    for (;;) {
      const headers: Record<string, string> = {
        Accept: "application/json",
        "OData-Version": "4.0",
        "OData-MaxVersion": "4.0",
        ...req.headers,
      };
      // The caller's trace (platform/trace.ts), so a D365 request can be matched to the message that caused it.
      const traceparent = currentTraceparent();
      if (traceparent) headers.traceparent = traceparent;
      let token: string | undefined;
      if (req.auth !== false) {
        token = await this.tokens.get();
        headers.Authorization = `Bearer ${token}`;
      }
      this.tally(`${req.entity} ${req.method}`);
      let res: AxiosResponse<string>;
      try {
        res = await this.http.request<string>({
          method: req.method,
          url: this.url(req.path),
          headers,
          data: req.body,
          responseType: "text",
          transformResponse: (x: unknown) => x,
          validateStatus: () => true,
        });
      } catch (err) {
        const code = (err as { code?: string }).code ?? "";
        const retryable = NETWORK_RETRYABLE.has(code) || /socket hang up|timeout/i.test((err as Error).message);
        const safe = idempotent || NOT_DELIVERED.has(code);
        if (retryable && safe && attempt < this.opts.maxRetries) {
          const wait = this.backoff(attempt++);
          this.opts.telemetry?.log("warn", "d365.retry", {
            entity: req.entity,
            method: req.method,
            reason: code || "network",
            attempt,
            waitMs: wait,
          });
          await this.opts.sleep(wait);
          continue;
        }
        throw new UnavailableError(
          "d365.unreachable",
          `D365 ${req.method} ${req.entity} got no answer (${code || (err as Error).message})` +
            (safe ? "" : "; the write may or may not have happened: look it up before retrying"),
          { cause: err, details: { d365: { method: req.method, entity: req.entity, code, attempts: attempt + 1 } } },
        );
      }
      const status = res.status;
      if (status >= 200 && status < 300) return res;
      if (status === 401 && req.auth !== false && !refreshed) {
        // A token can expire between the cache check and D365's check, or be revoked: refresh once.
        refreshed = true;
        this.tokens.invalidate(token);
        continue;
      }
      if (status === 429) {
        const wait = this.retryAfter(res);
        if (attempt < this.opts.maxRetries && wait <= this.opts.maxRetryAfterMs) {
          attempt++;
          this.opts.telemetry?.log("warn", "d365.throttled", { entity: req.entity, method: req.method, attempt, waitMs: wait });
          await this.opts.sleep(wait);
          continue;
        }
        throw toAppError(status, req.method, req.entity, res.data, wait);
      }
      const appError = toAppError(status, req.method, req.entity, res.data);
      const transient = appError instanceof UnavailableError || status === 408;
      const safe = idempotent || status === 503;
      if (transient && safe && attempt < this.opts.maxRetries) {
        const wait = this.backoff(attempt++);
        this.opts.telemetry?.log("warn", "d365.retry", { entity: req.entity, method: req.method, status, attempt, waitMs: wait });
        await this.opts.sleep(wait);
        continue;
      }
      throw appError;
    }
  }

  private parseJson<T>(res: AxiosResponse<string>, entity: string): T {
    try {
      return (res.data ? JSON.parse(res.data) : {}) as T;
    } catch {
      throw new InternalError("d365.bad-json", `D365 ${entity} answered ${res.status} with a body that is not JSON`);
    }
  }

  // ------------------------------------------------------------------ OData

  /** Reads one record by its full key (dataAreaId included); undefined when it does not exist. */
  async getByKey<T = ODataRow>(entitySet: string, key: EntityKey, options: { select?: readonly string[] } = {}): Promise<T | undefined> {
    const qs = buildQueryString({ select: options.select, crossCompany: true });
    try {
      const res = await this.request({ method: "GET", path: `${entitySet}${formatKey(key)}?${qs}`, entity: entitySet });
      return this.parseJson<T>(res, entitySet);
    } catch (err) {
      if (err instanceof AppError && err.kind === "not-found") return undefined;
      throw err;
    }
  }

  /** A query over every page; iterate it (`for await`) or `collect()` it. */
  query<T = ODataRow>(entitySet: string, q: QueryOptions = {}): D365Query<T> {
    const first = `${entitySet}?${buildQueryString(q)}`;
    const self = this;
    return new D365Query<T>(async function* () {
      let next: string | undefined = first;
      while (next) {
        const res = await self.request({ method: "GET", path: next, entity: entitySet });
        const body = self.parseJson<{ value?: T[]; "@odata.nextLink"?: string; "@odata.count"?: number }>(res, entitySet);
        yield { rows: body.value ?? [], count: body["@odata.count"] };
        next = body["@odata.nextLink"];
      }
    });
  }

  /** Every matching row. */
  async collect<T = ODataRow>(entitySet: string, q: QueryOptions = {}): Promise<T[]> {
    return this.query<T>(entitySet, q).collect();
  }

  /** Number of matching rows ($count). */
  async count(entitySet: string, filter?: string): Promise<number> {
    const res = await this.request({
      method: "GET",
      path: `${entitySet}/$count?${buildQueryString({ filter, crossCompany: true })}`,
      entity: entitySet,
      headers: { Accept: "text/plain" },
    });
    return Number(String(res.data).trim());
  }

  /** POST: creates a record from the properties given (undefined ones are not sent). Returns D365's record. */
  async create<T = ODataRow>(entitySet: string, body: object): Promise<T> {
    const res = await this.request({
      method: "POST",
      path: `${entitySet}?cross-company=true`,
      entity: entitySet,
      body: toODataJson(body),
      headers: { "Content-Type": "application/json; odata.metadata=minimal" },
    });
    return this.parseJson<T>(res, entitySet);
  }

  /** PATCH: changes the properties given. Pass the record's @odata.etag to refuse a concurrent change. */
  async update(entitySet: string, key: EntityKey, patch: object, options: { etag?: string } = {}): Promise<void> {
    await this.request({
      method: "PATCH",
      path: `${entitySet}${formatKey(key)}?cross-company=true`,
      entity: entitySet,
      body: toODataJson(patch),
      headers: { "Content-Type": "application/json; odata.metadata=minimal", ...(options.etag ? { "If-Match": options.etag } : {}) },
    });
  }

  async delete(entitySet: string, key: EntityKey): Promise<void> {
    await this.request({ method: "DELETE", path: `${entitySet}${formatKey(key)}?cross-company=true`, entity: entitySet });
  }

  /** Calls an OData action and returns its `value`. */
  async action<T = unknown>(path: string, body: object, options: { idempotent?: boolean; entity?: string } = {}): Promise<T> {
    const entity =
      options.entity ??
      path
        .split("/")
        .pop()!
        .replace(/^Microsoft\.Dynamics\.DataEntities\./, "");
    const res = await this.request({
      method: "POST",
      path,
      entity,
      body: toODataJson(body),
      headers: { "Content-Type": "application/json" },
      idempotent: options.idempotent,
    });
    return this.parseJson<{ value: T }>(res, entity).value;
  }

  // ------------------------------------------------------------------ $batch

  /**
   * Runs operations through `$batch`. Writes go in atomic changesets of `changesetSize`; GETs go outside
   * changesets. D365 answers 200 even when parts fail, so each operation's own status is returned; a
   * failed changeset is undone as a whole (its other operations come back `rolledBack`). Large work is
   * split into several requests of at most maxOperationsPerBatch operations.
   */
  async batch<T = ODataRow>(ops: readonly BatchOperation[], options: BatchOptions = {}): Promise<BatchOperationResult<T>[]> {
    const size = Math.max(1, options.changesetSize ?? this.batchSize);
    type Unit = { kind: "changeset" | "single"; indexes: number[]; changeset?: number };
    const units: Unit[] = [];
    let current: Unit | undefined;
    let changesets = 0;
    ops.forEach((op, i) => {
      if (op.method === "GET") {
        current = undefined;
        units.push({ kind: "single", indexes: [i] });
        return;
      }
      if (!current || current.indexes.length >= size) {
        current = { kind: "changeset", indexes: [], changeset: changesets++ };
        units.push(current);
      }
      current.indexes.push(i);
    });
    const results: BatchOperationResult<T>[] = new Array(ops.length);
    let request: Unit[] = [];
    let inRequest = 0;
    const flush = async () => {
      if (request.length) await this.sendBatch(ops, request, results, options.continueOnError === true);
      request = [];
      inRequest = 0;
    };
    for (const u of units) {
      if (inRequest + u.indexes.length > this.opts.maxOperationsPerBatch) await flush();
      request.push(u);
      inRequest += u.indexes.length;
    }
    await flush();
    return results;
  }

  private async sendBatch<T>(
    ops: readonly BatchOperation[],
    units: { kind: "changeset" | "single"; indexes: number[]; changeset?: number }[],
    results: BatchOperationResult<T>[],
    continueOnError: boolean,
  ): Promise<void> {
    const part = (i: number) => {
      const op = ops[i]!;
      const keyPart = op.key ? formatKey(op.key) : "";
      const qs = op.method === "GET" ? buildQueryString(op.query ?? {}) : "cross-company=true";
      const headers: Record<string, string> = { "OData-Version": "4.0", Accept: "application/json" };
      if (op.body !== undefined) headers["Content-Type"] = "application/json; odata.metadata=minimal";
      if (op.etag) headers["If-Match"] = op.etag;
      return {
        method: op.method,
        url: `${this.baseUrl}/data/${op.entitySet}${keyPart}?${qs}`,
        headers,
        body: op.body === undefined ? undefined : toODataJson(op.body),
        contentId: String(i + 1),
      };
    };
    const groups: BatchGroup[] = units.map((u) =>
      u.kind === "single" ? { kind: "single", request: part(u.indexes[0]!) } : { kind: "changeset", requests: u.indexes.map(part) },
    );
    for (const u of units) for (const i of u.indexes) this.tally(`${ops[i]!.entitySet} ${ops[i]!.method} ($batch)`);
    const { contentType, body } = buildBatchRequestBody(groups);
    const onlyReads = units.every((u) => u.kind === "single");
    const res = await this.request({
      method: "POST",
      path: "$batch",
      entity: "$batch",
      body,
      headers: {
        "Content-Type": contentType,
        Accept: "multipart/mixed",
        ...(continueOnError ? { Prefer: "odata.continue-on-error" } : {}),
      },
      idempotent: onlyReads,
    });
    const parsed = parseBatchResponseBody(String(res.headers["content-type"] ?? ""), res.data);
    // OData: without continue-on-error D365 stops at the first failing part, so fewer parts than units
    // come back; parts answer units in order, and the units after the last part were never run.
    if (parsed.length > units.length || parsed.length === 0) {
      throw new InternalError("d365.batch-shape", `D365 answered ${parsed.length} parts for a $batch of ${units.length}`);
    }
    const toResult = (i: number, r: HttpResponsePart, changeset?: number): BatchOperationResult<T> => {
      const op = ops[i]!;
      const ok = r.status >= 200 && r.status < 300;
      let parsedBody: T | undefined;
      if (r.body && /json/i.test(r.headers["content-type"] ?? "json")) {
        try {
          parsedBody = JSON.parse(r.body) as T;
        } catch {
          parsedBody = undefined;
        }
      }
      return {
        index: i,
        status: r.status,
        ok,
        ...(ok && parsedBody !== undefined ? { body: parsedBody } : {}),
        ...(ok ? {} : { error: toAppError(r.status, op.method, op.entitySet, r.body) }),
        ...(changeset !== undefined ? { changeset } : {}),
      };
    };
    units.forEach((u, n) => {
      const g = parsed[n];
      if (!g) {
        for (const i of u.indexes) {
          results[i] = {
            index: i,
            status: 0,
            ok: false,
            notExecuted: true,
            ...(u.changeset !== undefined ? { changeset: u.changeset } : {}),
            error: new UnavailableError(
              "d365.batch-not-executed",
              `D365 did not run ${ops[i]!.method} ${ops[i]!.entitySet}: the $batch stopped at an earlier failing part`,
            ),
          };
        }
        return;
      }
      if (g.kind === "changeset") {
        u.indexes.forEach((i, k) => {
          const r = g.responses.find((x) => x.contentId === String(i + 1)) ?? g.responses[k];
          results[i] = r
            ? toResult(i, r, u.changeset)
            : { index: i, status: 0, ok: false, error: new InternalError("d365.batch-shape", "no response part for this operation") };
        });
        return;
      }
      const r = g.response;
      if (u.kind === "single") {
        results[u.indexes[0]!] = toResult(u.indexes[0]!, r);
        return;
      }
      // A failed changeset: one error response for the whole set; everything in it was undone.
      const failedIndex = r.contentId ? Number(r.contentId) - 1 : undefined;
      for (const i of u.indexes) {
        const base = toResult(i, r, u.changeset);
        results[i] = { ...base, ok: false, rolledBack: failedIndex !== undefined && failedIndex !== i };
      }
    });
  }
}
