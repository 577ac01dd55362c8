/**
 * `startSpApiSimulator`: the local SP-API (and LWA) on HTTPS, with a self-signed certificate generated at
 * start and written to `dataDir` so that clients can trust it (SPAPI_OVERRIDE_CA_FILE).
 *
 * Control endpoints (no auth; loopback only):
 *   POST /_control/faults        body Fault | Fault[]   inject 429/500/503/403, latency, dropped connections
 *   DELETE /_control/faults                             clear faults
 *   GET  /_control/requests      ?log=true              counts per operation (+ throttled), optionally the log
 *   POST /_control/reset         ?data=true             clear counts, faults and quota buckets (and regenerate data)
 *   POST /_control/orders        body AddOrderInput     add an order; answers { AmazonOrderId }
 *   POST /_control/orders/{id}/status  body { status }  change an order's status (and LastUpdateDate)
 *   POST /_control/advance       body { ms }            move simulated time forward
 *   GET  /_control/notifications[?type=]               notification payloads the simulator produced
 *   GET  /_control/settlements                          settlement ids, report ids, periods and totals
 * and the fulfillment / inventory / returns / products endpoints of control.ts (docs/spapi.md): /_control/seed,
 * /_control/shipments, /_control/mcf…, /_control/listings…, /_control/inventory, /_control/feeds…,
 * /_control/returns, /_control/notifications/delivery, /_control/notifications/flush.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import selfsigned from "selfsigned";
import { ControlError, handleFlowControl } from "./control";
import type { DeliveryConfig } from "./notify";
import { SpApiSim, type AddOrderInput, type Fault } from "./server";

export type { Fault, AddOrderInput, RequestRecord } from "./server";
export type { DeliveryConfig, DeliveryRecord } from "./notify";
export { SpApiSim } from "./server";
export * as SimSeed from "./seed";

export interface SpApiSimulatorOptions {
  port: number;
  host?: string;
  seed?: number;
  /** Quota refill and status progression run this many times faster than real time. */
  timeScale?: number;
  /** Folder for the certificate (spapi-sim-ca.pem). Default: a folder in the OS temp dir. */
  dataDir?: string;
  /** Wall clock the demo data is generated around (default: now). */
  now?: Date;
  orderItemsPageSize?: number;
  inventoryPageSize?: number;
  /** Deliver notifications to the app (EventBridge-style POST with x-api-key). Off unless given. */
  notifications?: Partial<DeliveryConfig>;
}

export interface SpApiSimulator {
  url: string;
  port: number;
  caPem: string;
  caFile?: string;
  /** The in-process control API (same as the /_control endpoints). */
  sim: SpApiSim;
  stop(): Promise<void>;
}

/** Host names the certificate is valid for: the loopback names and the Amazon hosts amazon-sp-api uses. */
export const SIM_CERT_HOSTS = [
  "localhost",
  "api.amazon.com",
  "sellingpartnerapi-na.amazon.com",
  "sellingpartnerapi-eu.amazon.com",
  "sellingpartnerapi-fe.amazon.com",
];

async function makeCertificate(): Promise<{ key: string; cert: string }> {
  const notAfter = new Date(Date.now() + 365 * 86_400_000);
  const pems = await selfsigned.generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: notAfter,
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [...SIM_CERT_HOSTS.map((h) => ({ type: 2 as const, value: h })), { type: 7 as const, ip: "127.0.0.1" }],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

const send = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};

/** LWA: POST /auth/o2/token with grant_type refresh_token (or client_credentials + scope), JSON or form body. */
function handleToken(sim: SpApiSim, raw: Buffer, contentType: string, res: ServerResponse): void {
  let p: Record<string, string> = {};
  try {
    p = contentType.includes("json") ? JSON.parse(raw.toString("utf8")) : Object.fromEntries(new URLSearchParams(raw.toString("utf8")));
  } catch {
    return send(res, 400, { error: "invalid_request", error_description: "Malformed request body" });
  }
  if (!p.grant_type) return send(res, 400, { error: "unsupported_grant_type", error_description: "grant_type is required" });
  if (!p.client_id || !p.client_secret)
    return send(res, 401, { error: "invalid_client", error_description: "Client authentication failed" });
  if (p.grant_type === "refresh_token") {
    if (!p.refresh_token) return send(res, 400, { error: "invalid_request", error_description: "refresh_token is required" });
  } else if (p.grant_type === "client_credentials") {
    if (!p.scope) return send(res, 400, { error: "invalid_scope", error_description: "scope is required" });
  } else {
    return send(res, 400, { error: "unsupported_grant_type", error_description: `grant_type ${p.grant_type} is not supported` });
  }
  const token = `Atza|sim.${Buffer.from(String(Date.now() + Math.random())).toString("base64url")}`;
  sim.accessTokens.add(token);
  send(res, 200, {
    access_token: token,
    token_type: "bearer",
    expires_in: 3600,
    ...(p.grant_type === "refresh_token" ? { refresh_token: p.refresh_token } : {}),
  });
}

async function handleControl(sim: SpApiSim, method: string, url: URL, raw: Buffer, res: ServerResponse): Promise<void> {
  let body: any;
  try {
    body = raw.length ? JSON.parse(raw.toString("utf8")) : undefined;
  } catch {
    return send(res, 400, { error: "the body is not valid JSON" });
  }
  const path = url.pathname;
  if (path === "/_control/faults" && method === "POST") {
    sim.addFaults(body as Fault | Fault[]);
    return send(res, 200, { ok: true });
  }
  if (path === "/_control/faults" && method === "DELETE") {
    sim.clearFaults();
    return send(res, 200, { ok: true });
  }
  if (path === "/_control/requests" && method === "GET") {
    return send(res, 200, { ...sim.requestCounts(), ...(url.searchParams.get("log") === "true" ? { log: sim.requests() } : {}) });
  }
  if (path === "/_control/reset" && method === "POST") {
    sim.reset({ data: url.searchParams.get("data") === "true" });
    return send(res, 200, { ok: true });
  }
  if (path === "/_control/orders" && method === "POST") {
    const o = sim.addOrder(body as AddOrderInput);
    return send(res, 201, { AmazonOrderId: o.amazonOrderId, MarketplaceId: o.marketplaceId, OrderStatus: o.status });
  }
  const statusMatch = /^\/_control\/orders\/([^/]+)\/status$/.exec(path);
  if (statusMatch && method === "POST") {
    const o = sim.setOrderStatus(decodeURIComponent(statusMatch[1]), body.status);
    return send(res, 200, { AmazonOrderId: o.amazonOrderId, OrderStatus: o.status, LastUpdateDate: o.lastUpdateDate.toISOString() });
  }
  if (path === "/_control/advance" && method === "POST") {
    sim.advance(Number(body?.ms ?? 0));
    return send(res, 200, { now: sim.now().toISOString() });
  }
  if (path === "/_control/notifications" && method === "GET")
    return send(res, 200, { notifications: sim.notifications(url.searchParams.get("type") ?? undefined) });
  if (path === "/_control/settlements" && method === "GET") {
    return send(res, 200, {
      settlements: sim.data.settlements.map((s) => ({
        settlementId: s.settlementId,
        reportId: sim.settlementReportId(s.settlementId),
        marketplaceId: s.marketplaceId,
        currency: s.currency,
        start: s.start.toISOString(),
        end: s.end.toISOString(),
        totalAmount: s.totalAmount,
        rows: s.events.length,
      })),
    });
  }
  try {
    const reply = await handleFlowControl(sim, method, url, body);
    if (reply) return send(res, reply[0], reply[1]);
  } catch (err) {
    if (err instanceof ControlError) return send(res, 400, { error: err.message });
    throw err;
  }
  send(res, 404, { error: `unknown control endpoint ${method} ${path}` });
}

export async function startSpApiSimulator(opts: SpApiSimulatorOptions): Promise<SpApiSimulator> {
  const { key, cert } = await makeCertificate();
  let port = opts.port;
  const sim = new SpApiSim({
    seed: opts.seed ?? 42,
    timeScale: opts.timeScale ?? 1,
    now: opts.now,
    baseUrl: () => `https://localhost:${port}`,
    orderItemsPageSize: opts.orderItemsPageSize,
    inventoryPageSize: opts.inventoryPageSize,
  });
  if (opts.notifications) sim.hub.configure({ enabled: true, ...opts.notifications });
  const server: Server = createServer({ key, cert }, async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "https://localhost");
      const raw = await readBody(req);
      const method = (req.method ?? "GET").toUpperCase();
      if (url.pathname.startsWith("/_control/")) return await handleControl(sim, method, url, raw, res);
      if (url.pathname === "/auth/o2/token" && method === "POST") {
        if (await sim.applyFault("lwa", res, {})) return;
        return handleToken(sim, raw, String(req.headers["content-type"] ?? ""), res);
      }
      if (url.pathname.startsWith("/_documents/")) return sim.handleDocument(method, url, raw, res, req.headers["content-type"]);
      await sim.handleApi(req, res, url, raw);
    } catch (err) {
      if (!res.headersSent) send(res, 500, { errors: [{ code: "InternalFailure", message: (err as Error).message }] });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const dir = opts.dataDir ?? join(tmpdir(), `spapi-sim-${process.pid}-${port}`);
  mkdirSync(dir, { recursive: true });
  const caFile = join(dir, "spapi-sim-ca.pem");
  writeFileSync(caFile, cert);
  return {
    url: `https://localhost:${port}`,
    port,
    caPem: cert,
    caFile,
    sim,
    stop: () =>
      new Promise<void>((resolve) => {
        sim.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
