/**
 * The local Functions host: runs the app's registrations (captured by ../registry) without the Azure Functions
 * host. HTTP on http://127.0.0.1:<port>/api/<route>, timers on their NCRONTAB schedules (UTC), Service Bus
 * queue triggers from the in-memory bus, orchestrations and activities through the local durable driver, and
 * the Durable extension's HTTP API under /runtime/webhooks/durabletask/.
 *
 * Like Core Tools, the local host does not enforce function keys (authLevel "function"/"admin" routes answer
 * without a key). In Azure they are enforced.
 */
import { HttpRequest, HttpResponse, InvocationContext, type Timer } from "@azure/functions";
import { Cron } from "croner";
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { type AppParts, createApp, useApp } from "../../wiring/app";
import { type AppConfig, loadConfig } from "../../wiring/config";
import { DurableDriver, type DurableIdleSummary, type DurableLogLevel } from "../durable/driver";
import { DURABLE_WEBHOOK_PATH, durableClientInput, handleDurableHttp } from "../durable/http-api";
import { FileInstanceStore, type InstanceStore } from "../durable/store";
import { MemoryServiceBus, type MemoryServiceBusOptions, type ReceivedMessage } from "../memory-bus";
import { callHandler, loadAppAsync, type BindingMetadata, type Registration } from "../registry";
import { readHostJson, type HostJsonSettings } from "./host-json";
import { compileRoute, type CompiledRoute } from "./routes";

export interface LocalHostOptions {
  /** HTTP port; 0 picks a free one. Default: setting LOCAL_HTTP_PORT (7071). */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  hostname?: string;
  /** Registrations to run. Default: those captured after `load()` ran. */
  registrations?: Registration[];
  /** Loads the module that registers the functions. Default: import of src/index (the app). */
  load?: () => Promise<unknown>;
  /**
   * The bus; default a new MemoryServiceBus with maxDeliveryCount from QUEUE_MAX_DELIVERY_COUNT and the lock
   * renewal of host.json (extensions.serviceBus.maxAutoLockRenewalDuration), as the Functions host applies it.
   */
  bus?: MemoryServiceBus;
  busOptions?: MemoryServiceBusOptions;
  /** host.json settings. Default: read from ./host.json (the extension defaults when there is none). */
  hostJson?: HostJsonSettings;
  /** Where orchestration history lives. Default: files under <dataDir>/durable/<hub>/. */
  durableStore?: InstanceStore;
  /** Default: setting LOCAL_DATA_DIR (.local). */
  dataDir?: string;
  /** Durable task hub. Default: setting DURABLE_TASK_HUB. */
  hubName?: string;
  /** Durable timers and retry intervals run this many times faster. Default: setting LOCAL_DURABLE_TIME_SCALE (1). */
  timeScale?: number;
  /** Run timer triggers on their schedules (and runOnStartup ones at start). Default true; tests use runTimersOnce(). */
  schedules?: boolean;
  /** The app's configuration (host defaults, %SETTING% values, the app it installs). Default: parsed from the environment. */
  config?: AppConfig;
  /** Values for %SETTING% in trigger metadata. Default: process.env, then the configuration. */
  settings?: Record<string, string | undefined>;
  /**
   * Parts of the app the host installs while it runs: useApp(createApp(config, { ...app, bus })), so functions
   * send through the host's bus. Pass false to leave the installed app alone (the test installs its own).
   */
  app?: AppParts | false;
  /** Log sink for host and function logs. Default: console.error with a prefix. */
  log?: (level: string, message: string) => void;
}

export interface FunctionFailure {
  function: string;
  kind: Registration["kind"];
  error: string;
  at: string;
}

export interface HostSummary {
  invocations: Record<string, { ok: number; failed: number }>;
  failures: FunctionFailure[];
  deadLettered: { queue: string; messageId: string; reason?: string; description?: string; deliveryCount: number }[];
  orchestrations: DurableIdleSummary;
  /** Every queue the bus has seen: waiting and dead-lettered messages, and whether a function listens to it. */
  queues: Record<string, { active: number; deadLettered: number; hasReceiver: boolean }>;
  /** Set by drain() when the work had not settled before its timeout. */
  timedOut?: boolean;
}

export interface TimerRun {
  function: string;
  ok: boolean;
  error?: string;
}

export interface LocalHost {
  /** Origin of the host, e.g. http://127.0.0.1:7071 (the API is under /api). */
  url: string;
  port: number;
  bus: MemoryServiceBus;
  durable: DurableDriver;
  registrations: Registration[];
  /** Runs every timer-triggered function once, now (one after the other). */
  runTimersOnce(): Promise<TimerRun[]>;
  /** Invokes one timer function now. */
  runTimer(name: string): Promise<TimerRun>;
  /** Waits until queues are empty and orchestrations idle; returns what happened since the host started. */
  drain(options?: { timeoutMs?: number; horizonMs?: number }): Promise<HostSummary>;
  summary(): Promise<HostSummary>;
  stop(): Promise<void>;
}

/** The value of a `%NAME%` expression, as the Functions host resolves app settings in binding metadata. */
export function resolveSetting(value: string, settings: Record<string, string | undefined>): string {
  return value.replace(/%([^%]+)%/g, (_, name: string) => {
    const v = settings[name];
    if (v === undefined || v === "") throw new Error(`app setting "${name}" is not set (used as %${name}%)`);
    return v;
  });
}

/** The settings parsed from the environment, or undefined when they do not parse (the host then uses its defaults). */
function environmentConfig(): AppConfig | undefined {
  try {
    return loadConfig();
  } catch {
    return undefined;
  }
}

function defaultSettings(cfg: AppConfig | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(cfg ?? {})) if (v !== undefined && v !== null) out[k] = String(v);
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  return out;
}

const LOG_LEVELS: Record<string, string> = {
  information: "info",
  warning: "warn",
  trace: "debug",
  debug: "debug",
  error: "error",
  critical: "error",
};

/** A 6-field NCRONTAB expression, or a TimeSpan (hh:mm:ss) interval as the Functions timer trigger also accepts. */
function timeSpanMs(schedule: string): number | undefined {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(schedule.trim());
  if (!m) return undefined;
  return (((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4])) * 1000;
}

export async function startLocalHost(options: LocalHostOptions = {}): Promise<LocalHost> {
  const log = options.log ?? ((level: string, message: string) => console.error(`[local-host] ${level}: ${message}`));
  const registrations = options.registrations ?? (await loadAppAsync(options.load));
  const cfg = options.config ?? environmentConfig();
  const configValue = <T>(pick: (c: AppConfig) => T, fallback: T): T => (cfg ? (pick(cfg) ?? fallback) : fallback);
  const settings = options.settings ?? defaultSettings(cfg);
  const hubName = options.hubName ?? configValue((c) => c.DURABLE_TASK_HUB, "AmazonConnect");
  const dataDir = options.dataDir ?? configValue((c) => c.LOCAL_DATA_DIR, ".local");
  const busOwned = !options.bus;
  const hostJson = options.hostJson ?? (options.bus ? undefined : readHostJson());
  const bus =
    options.bus ??
    new MemoryServiceBus({
      maxDeliveryCount: configValue((c) => c.QUEUE_MAX_DELIVERY_COUNT, 10),
      retryDelayMs: configValue((c) => c.LOCAL_QUEUE_RETRY_DELAY_MS, 50),
      maxAutoLockRenewalMs: hostJson?.maxAutoLockRenewalMs,
      ...options.busOptions,
    });

  const invocations: HostSummary["invocations"] = {};
  const failures: FunctionFailure[] = [];
  const deadLettered: HostSummary["deadLettered"] = [];
  const inFlight = new Set<Promise<unknown>>();
  const count = (name: string, ok: boolean) => {
    const c = (invocations[name] ??= { ok: 0, failed: 0 });
    if (ok) c.ok++;
    else c.failed++;
  };
  const fail = (reg: Registration, err: unknown) => {
    const error = err instanceof Error ? err.message : String(err);
    failures.push({ function: reg.name, kind: reg.kind, error, at: new Date().toISOString() });
    log("error", `function ${reg.name} failed: ${error}`);
  };

  let origin = "";
  const functionLog =
    (functionName: string) =>
    (level: string, ...args: unknown[]) => {
      const text = args.map((a) => (typeof a === "string" ? a : a instanceof Error ? a.message : safeStringify(a))).join(" ");
      log(LOG_LEVELS[level] ?? level, `${functionName}: ${text}`);
    };

  /** An InvocationContext as the worker builds it, with extra inputs the local host can provide. */
  const contextFor = (reg: Registration, triggerMetadata?: Record<string, unknown>): InvocationContext => {
    const bindings = Object.values(reg.metadata.bindings) as BindingMetadata[];
    const extraInputs = bindings.filter((b) => b.direction === "in" && b !== reg.trigger);
    const extraOutputs = bindings.filter((b) => b.direction === "out" && b.name !== "$return");
    const context = new InvocationContext({
      functionName: reg.name,
      invocationId: randomUUID(),
      logHandler: functionLog(reg.name),
      triggerMetadata,
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      options: { trigger: reg.trigger as any, extraInputs: extraInputs as any, extraOutputs: extraOutputs as any },
    });
    prepareContext(reg, context);
    return context;
  };
  const prepareContext = (reg: Registration, context: InvocationContext) => {
    for (const b of Object.values(reg.metadata.bindings)) {
      if (b.direction === "in" && (b.type === "durableClient" || b.type === "orchestrationClient")) {
        context.extraInputs.set(b.name, durableClientInput(origin, durable.hubName));
      }
    }
  };

  const store = options.durableStore ?? new FileInstanceStore(path.resolve(dataDir, "durable"));
  const durable = new DurableDriver({
    registrations,
    store,
    hubName,
    timeScale: options.timeScale ?? configValue((c) => c.LOCAL_DURABLE_TIME_SCALE, 1),
    prepareContext,
    log: (level: DurableLogLevel, fn: string, ...args: unknown[]) => functionLog(fn)(level, ...args),
  });

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p)).catch(() => undefined);
    return p;
  };

  // ---------------------------------------------------------------------------------------------------
  // HTTP
  const httpRoutes: { reg: Registration; route: CompiledRoute; methods?: string[] }[] = [];
  for (const reg of registrations.filter((r) => r.kind === "http")) {
    const methods = Array.isArray(reg.trigger.methods) ? (reg.trigger.methods as string[]).map((m) => m.toUpperCase()) : undefined;
    httpRoutes.push({ reg, route: compileRoute(String(reg.trigger.route ?? reg.name)), methods });
  }
  httpRoutes.sort((a, b) => b.route.specificity - a.route.specificity);

  const readBody = (req: http.IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => resolve(Buffer.concat(chunks)));
      req.on("error", reject);
    });

  const send = async (res: http.ServerResponse, status: number, headers: Record<string, string | string[]>, body?: Uint8Array | string) => {
    res.writeHead(status, headers);
    res.end(body);
  };

  const handleHttp = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", origin);
    const method = (req.method ?? "GET").toUpperCase();
    const body = await readBody(req);

    if (url.pathname.startsWith(DURABLE_WEBHOOK_PATH + "/")) {
      const out = await handleDurableHttp(durable, method, url, body.toString("utf8"), origin);
      if (out) {
        const text = out.body === undefined ? "" : JSON.stringify(out.body);
        return send(res, out.status, { ...out.headers, ...(text ? { "content-type": "application/json; charset=utf-8" } : {}) }, text);
      }
    }
    if (url.pathname === "/" || url.pathname === "") {
      return send(
        res,
        200,
        { "content-type": "text/plain; charset=utf-8" },
        "d365-amazon-connect local host is running. The API is under /api/.\n",
      );
    }
    if (!/^\/api(\/|$)/i.test(url.pathname)) return send(res, 404, {}, "");
    const routePath = url.pathname.replace(/^\/api/i, "");
    let found: { reg: Registration; params: Record<string, string> } | undefined;
    for (const r of httpRoutes) {
      if (r.methods && !r.methods.includes(method)) continue;
      const params = r.route.match(routePath);
      if (params) {
        found = { reg: r.reg, params };
        break;
      }
    }
    if (!found) return send(res, 404, {}, "");

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers,
      params: found.params,
      body: method === "GET" || method === "HEAD" || body.length === 0 ? undefined : { bytes: new Uint8Array(body) },
    });
    const context = contextFor(found.reg, { headers, query: Object.fromEntries(url.searchParams) });
    let result: unknown;
    try {
      result = await callHandler(found.reg, context, [request]);
    } catch (err) {
      count(found.reg.name, false);
      fail(found.reg, err);
      return send(res, 500, {}, "");
    }
    count(found.reg.name, true);
    if (result === undefined || result === null) return send(res, 200, {}, "");
    const response = result instanceof HttpResponse ? result : new HttpResponse(result as ConstructorParameters<typeof HttpResponse>[0]);
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((v, k) => (out[k] = v));
    if (response.cookies.length) {
      out["set-cookie"] = response.cookies.map((c) => {
        let s = `${c.name}=${c.value}`;
        if (c.path) s += `; Path=${c.path}`;
        if (c.domain) s += `; Domain=${c.domain}`;
        if (c.maxAge !== undefined) s += `; Max-Age=${c.maxAge}`;
        if (c.httpOnly) s += "; HttpOnly";
        if (c.secure) s += "; Secure";
        if (c.sameSite) s += `; SameSite=${c.sameSite}`;
        return s;
      });
    }
    return send(res, response.status, out, new Uint8Array(await response.arrayBuffer()));
  };

  const server = http.createServer((req, res) => {
    void track(
      handleHttp(req, res).catch((err: unknown) => {
        log("error", `local host: ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      }),
    );
  });
  const port = options.port ?? configValue((c) => c.LOCAL_HTTP_PORT, 7071);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, options.hostname ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  origin = `http://${options.hostname && options.hostname !== "0.0.0.0" ? options.hostname : "127.0.0.1"}:${actualPort}`;

  // The app's shared clients (SP-API, D365) log through the host too, as "app: <entry>".
  const appLog = (level: string, line: string) => log(level, `app: ${line}`);
  if (options.app !== false) useApp(createApp(cfg ?? loadConfig(), { log: appLog, ...(options.app ?? {}), bus }));

  // ---------------------------------------------------------------------------------------------------
  // Service Bus queue triggers
  const unsubscribes: (() => void)[] = [];
  bus.onSettled((e) => {
    if (e.outcome === "deadLettered") {
      void bus.peekDeadLetters(e.queue, 10_000).then((list) => {
        const d = list.find((x) => x.sequenceNumber === e.sequenceNumber);
        deadLettered.push({
          queue: e.queue,
          messageId: e.messageId,
          reason: d?.deadLetterReason,
          description: d?.deadLetterErrorDescription,
          deliveryCount: e.deliveryCount,
        });
      });
      log("warn", `message ${e.messageId} on ${e.queue} dead-lettered after ${e.deliveryCount} deliveries: ${e.error}`);
    }
    if (e.outcome === "lockExpired") {
      log("warn", `message ${e.messageId} on ${e.queue}: ${e.error}; it is delivered again while that run goes on`);
    }
  });
  for (const reg of registrations.filter((r) => r.kind === "serviceBusQueue")) {
    let queue: string;
    try {
      queue = resolveSetting(String(reg.trigger.queueName), settings);
    } catch (err) {
      log("error", `function ${reg.name} not started: ${(err as Error).message}`);
      continue;
    }
    const many = reg.trigger.cardinality === "many";
    unsubscribes.push(
      bus.subscribe(queue, async (m: ReceivedMessage) => {
        const meta = triggerMetadataFor(m);
        const triggerMetadata = many ? Object.fromEntries(Object.entries(meta).map(([k, v]) => [`${k}Array`, [v]])) : meta;
        const context = contextFor(reg, triggerMetadata);
        try {
          await callHandler(reg, context, [many ? [m.body] : m.body]);
          count(reg.name, true);
        } catch (err) {
          count(reg.name, false);
          fail(reg, err);
          throw err; // abandon: the bus redelivers or dead-letters
        }
      }),
    );
  }

  // ---------------------------------------------------------------------------------------------------
  // Timers
  const timers = registrations.filter((r) => r.kind === "timer");
  const running = new Set<string>();
  const lastRun = new Map<string, string>();
  const timeScale = options.timeScale ?? configValue((c) => c.LOCAL_DURABLE_TIME_SCALE, 1);
  const runTimer = async (reg: Registration, isPastDue = false): Promise<TimerRun> => {
    if (running.has(reg.name)) return { function: reg.name, ok: true, error: "skipped: previous run still running" };
    running.add(reg.name);
    // A function-level retry policy is honoured for timer triggers (functions-bindings-error-pages).
    const retry = reg.metadata.retryOptions as
      | {
          retryStrategy?: string;
          maxRetryCount?: number;
          delayInterval?: { seconds?: number };
          minimumInterval?: { seconds?: number };
          maximumInterval?: { seconds?: number };
        }
      | undefined;
    const maxRetries = retry ? Math.max(0, Number(retry.maxRetryCount ?? 0)) : 0;
    const delayMs = (attempt: number) => {
      if (!retry) return 0;
      if (retry.retryStrategy === "exponentialBackoff") {
        const min = (retry.minimumInterval?.seconds ?? 1) * 1000;
        const max = (retry.maximumInterval?.seconds ?? 900) * 1000;
        return Math.min(max, min * 2 ** attempt);
      }
      return (retry.delayInterval?.seconds ?? 0) * 1000;
    };
    try {
      for (let attempt = 0; ; attempt++) {
        const now = new Date().toISOString();
        const timer: Timer = {
          isPastDue,
          schedule: { adjustForDST: true },
          scheduleStatus: { last: lastRun.get(reg.name) ?? "0001-01-01T00:00:00", next: "", lastUpdated: now },
        };
        lastRun.set(reg.name, now);
        const context = contextFor(reg);
        if (retry) context.retryContext = { retryCount: attempt, maxRetryCount: maxRetries };
        try {
          await callHandler(reg, context, [timer]);
          count(reg.name, true);
          return { function: reg.name, ok: true };
        } catch (err) {
          count(reg.name, false);
          fail(reg, err);
          if (attempt >= maxRetries) return { function: reg.name, ok: false, error: err instanceof Error ? err.message : String(err) };
          await new Promise((r) => setTimeout(r, delayMs(attempt) / timeScale));
        }
      }
    } finally {
      running.delete(reg.name);
    }
  };
  const crons: Cron[] = [];
  const intervals: NodeJS.Timeout[] = [];
  if (options.schedules !== false) {
    for (const reg of timers) {
      let schedule: string;
      try {
        schedule = resolveSetting(String(reg.trigger.schedule), settings);
      } catch (err) {
        log("error", `timer ${reg.name} not scheduled: ${(err as Error).message}`);
        continue;
      }
      const every = timeSpanMs(schedule);
      if (every !== undefined) {
        intervals.push(setInterval(() => void track(runTimer(reg)), Math.max(1000, every)));
      } else {
        try {
          crons.push(new Cron(schedule, { timezone: "UTC", protect: true }, () => void track(runTimer(reg))));
        } catch (err) {
          log("error", `timer ${reg.name} has an invalid schedule "${schedule}": ${(err as Error).message}`);
          continue;
        }
      }
      if (reg.trigger.runOnStartup) void track(runTimer(reg));
    }
  }

  await durable.start();

  const summary = async (): Promise<HostSummary> => ({
    invocations: JSON.parse(JSON.stringify(invocations)),
    failures: [...failures],
    deadLettered: [...deadLettered],
    orchestrations: durable.summary(),
    queues: bus.queueStats(),
  });

  const drain = async (opts: { timeoutMs?: number; horizonMs?: number } = {}): Promise<HostSummary> => {
    const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
    const remaining = () => Math.max(1, deadline - Date.now());
    // Queues feed orchestrations and orchestrations feed queues: repeat until a whole pass finds nothing to do.
    try {
      for (;;) {
        await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, remaining()))]);
        await bus.drain(remaining());
        const orchestrations = await durable.waitForIdle({ timeoutMs: remaining(), horizonMs: opts.horizonMs });
        await new Promise((r) => setTimeout(r, 5));
        if (inFlight.size === 0 && (await busIdle())) return { ...(await summary()), orchestrations };
        if (Date.now() > deadline) throw new Error("not drained before the timeout");
      }
    } catch (err) {
      log("warn", `local host: ${(err as Error).message}; reporting what finished so far`);
      return { ...(await summary()), timedOut: true };
    }
  };
  const busIdle = async () => {
    try {
      await bus.drain(1);
      return true;
    } catch {
      return false;
    }
  };

  let stopped = false;
  return {
    url: origin,
    port: actualPort,
    bus,
    durable,
    registrations,
    runTimersOnce: async () => {
      const out: TimerRun[] = [];
      for (const reg of timers) out.push(await track(runTimer(reg)));
      return out;
    },
    runTimer: async (name: string) => {
      const reg = timers.find((t) => t.name === name);
      if (!reg) throw new Error(`no timer function named "${name}"`);
      return track(runTimer(reg));
    },
    drain,
    summary,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      crons.forEach((c) => c.stop());
      intervals.forEach((i) => clearInterval(i));
      unsubscribes.forEach((u) => u());
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.allSettled([...inFlight]);
      await durable.stop();
      if (busOwned) await bus.close();
      if (options.app !== false) useApp(undefined);
    },
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** context.triggerMetadata for a Service Bus message, with the keys the Functions host provides (camelCased). */
export function triggerMetadataFor(m: ReceivedMessage): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  // The worker camel-cases metadata recursively: application property keys lose their leading capital.
  for (const [k, v] of Object.entries(m.applicationProperties)) props[k.charAt(0).toLowerCase() + k.slice(1)] = v;
  const enqueued = m.enqueuedTime.toISOString();
  const expires = new Date(m.enqueuedTime.getTime() + 14 * 24 * 3600_000).toISOString();
  const meta: Record<string, unknown> = {
    messageId: m.messageId,
    deliveryCount: m.deliveryCount,
    sequenceNumber: Number(m.sequenceNumber),
    enqueuedTimeUtc: enqueued,
    enqueuedTime: enqueued,
    expiresAtUtc: expires,
    expiresAt: expires,
    lockToken: m.lockToken,
    contentType: m.contentType,
    applicationProperties: props,
    userProperties: props,
  };
  if (m.subject !== undefined) {
    meta.subject = m.subject;
    meta.label = m.subject;
  }
  if (m.correlationId !== undefined) meta.correlationId = m.correlationId;
  return meta;
}
