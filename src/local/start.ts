/**
 * `npm start` / `d365-amazon start [--once] [--json] [--timeout <seconds>]`: the whole app on one machine.
 * Azurite (or the storage in STORAGE_CONNECTION_STRING), the D365 and SP-API simulators (unless
 * LOCAL_SIMULATORS says otherwise), then the local Functions host with every registered function.
 *
 *   --once     run every timer once, drain the queues, wait for orchestrations, print a summary and exit
 *              (0 when no function or orchestration failed, 1 otherwise)
 *   --json     machine output: the app's log as one JSON object per line (on stderr with --once, whose summary
 *              is one JSON document on stdout); without it, one readable line per event (coloured on a terminal)
 *   --timeout  how long --once waits for the work to settle (default 300 s)
 */
import { untilStopSignal } from "./stop-signal";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { type AppConfig, loadConfig } from "../wiring/config";
import { consoleLog } from "./console-log";
import type { HostSummary, LocalHost } from "./host";

interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

export interface StartArgs {
  once: boolean;
  json: boolean;
  timeoutSeconds: number;
}

export function parseStartArgs(args: string[]): StartArgs {
  const out: StartArgs = { once: false, json: false, timeoutSeconds: 300 };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--once") out.once = true;
    else if (a === "--json") out.json = true;
    else if (a === "--timeout") out.timeoutSeconds = Number(args[++i]);
    else if (a.startsWith("--timeout=")) out.timeoutSeconds = Number(a.slice("--timeout=".length));
    else throw new Error(`unknown option ${a} (usage: d365-amazon start [--once] [--json] [--timeout <seconds>])`);
  }
  if (!Number.isFinite(out.timeoutSeconds) || out.timeoutSeconds <= 0) throw new Error("--timeout needs a number of seconds");
  return out;
}

/** Fake local credentials for the simulators (they accept any well-formed value); never used against Amazon or D365. */
const SIMULATOR_SECRETS: Record<string, string> = {
  SPAPI_LWA_CLIENT_SECRET: "fake-secret",
  SPAPI_REFRESH_TOKEN: "Atzr|fake-refresh-token",
  D365_CLIENT_SECRET: "fake-secret",
  NOTIFICATION_API_KEY: "local-notification-key",
};

export interface OnceSummary extends HostSummary {
  ok: boolean;
  timers: { function: string; ok: boolean; error?: string }[];
  endpoints: Record<string, string>;
  /** What the flows did, as `GET /api/status` reports it (runs, counts, parked and dead-lettered messages). */
  status?: unknown;
}

export async function runStart(argv: string[]): Promise<number> {
  const args = parseStartArgs(argv);
  const writeOut = (text: string) => process.stdout.write(text);
  // In --json mode stdout carries only the summary: progress, function logs and stray console.log go to stderr.
  const say = args.json ? (line: string) => process.stderr.write(`${line}\n`) : (line: string) => process.stdout.write(`${line}\n`);
  const restoreConsole = args.json ? redirectConsoleLogToStderr() : () => undefined;
  // What the app does, one line per event: human sentences, or JSON lines with --json (on stderr with --once,
  // whose stdout is the summary alone).
  const logStream = args.json && args.once ? process.stderr : process.stdout;
  const started: Stoppable[] = [];
  const endpoints: Record<string, string> = {};
  const stopAll = async () => {
    for (const s of started.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        say(`stopping ${s.name} failed: ${(err as Error).message}`);
      }
    }
    started.length = 0;
  };

  let d365Events: import("./d365-sim/business-events").BusinessEventLog | undefined;
  try {
    let cfg = loadConfig(process.env);
    const simulators = new Set(
      cfg.LOCAL_SIMULATORS.split(",")
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
    say("d365-amazon-connect: starting the local run");

    // Storage: a given connection string wins; otherwise Azurite on its well-known ports (reusing a running one).
    if (process.env.STORAGE_CONNECTION_STRING) {
      endpoints.storage = "STORAGE_CONNECTION_STRING (given)";
      say("  storage           from STORAGE_CONNECTION_STRING");
    } else {
      const { startAzurite } = await import("./azurite");
      const azurite = await startAzurite({ reuseIfRunning: true });
      started.push({ name: "Azurite", stop: () => azurite.stop() });
      process.env.STORAGE_CONNECTION_STRING = azurite.connectionString;
      const reused = azurite.reused ? " (already running)" : "";
      endpoints.storage = `Azurite blob ${azurite.blobPort}, queue ${azurite.queuePort}, table ${azurite.tablePort}${reused}`;
      say(`  storage           ${endpoints.storage}`);
    }

    if (simulators.has("d365")) {
      const sim = await tryImport(() => import("./d365-sim"), "the D365 simulator", say);
      if (sim) {
        const { DELIVER_NOW_BATCH_MS } = await import("./d365-events-bridge");
        const d365 = await sim.startD365Simulator({
          port: cfg.D365_SIM_PORT,
          seed: cfg.SIM_SEED,
          timeScale: cfg.SIM_TIME_SCALE,
          mcfDemoOrders: true,
          deliverNowBatchMs: DELIVER_NOW_BATCH_MS,
        });
        d365Events = d365.businessEvents();
        started.push({ name: "D365 simulator", stop: () => d365.stop() });
        process.env.D365_BASE_URL = d365.url;
        process.env.D365_AUTH_MODE ??= "simulator";
        endpoints.d365 = d365.url;
        say(`  D365 simulator    ${d365.url}/data/<EntitySet>`);
      }
    }
    if (simulators.has("spapi")) {
      const sim = await tryImport(() => import("./spapi-sim"), "the SP-API simulator", say);
      if (sim) {
        const dataDir = path.resolve(cfg.LOCAL_DATA_DIR);
        const spapi = await sim.startSpApiSimulator({
          port: cfg.SPAPI_SIM_PORT,
          seed: cfg.SIM_SEED,
          timeScale: cfg.SIM_TIME_SCALE,
          dataDir,
        });
        started.push({ name: "SP-API simulator", stop: () => spapi.stop() });
        let caFile = spapi.caFile;
        if (!caFile) {
          caFile = path.join(dataDir, "spapi-sim-ca.pem");
          await fs.mkdir(dataDir, { recursive: true });
          await fs.writeFile(caFile, spapi.caPem);
        }
        process.env.SPAPI_ENDPOINT_OVERRIDE = spapi.url;
        // The demo seller's orders span the last few weeks; a first catch-up over 3 days (the default, chosen so a
        // new installation does not re-import orders keyed by hand) would show only a few of them.
        process.env.ORDERS_INITIAL_LOOKBACK_DAYS ??= "30";
        process.env.SPAPI_OVERRIDE_CA_FILE = caFile;
        endpoints.spapi = spapi.url;
        say(`  SP-API simulator  ${spapi.url} (LWA token at /auth/o2/token)`);
      }
    }
    if (simulators.size > 0 && !simulators.has("none")) {
      for (const [name, value] of Object.entries(SIMULATOR_SECRETS)) process.env[name] ??= value;
    }

    // The configuration now points at what was started; parse it again: the host builds the app from it.
    cfg = loadConfig(process.env);

    const { startLocalHost } = await import("./host");
    const host = await startLocalHost({
      config: cfg,
      port: cfg.LOCAL_HTTP_PORT,
      schedules: !args.once,
      dataDir: cfg.LOCAL_DATA_DIR,
      log: consoleLog({
        json: args.json,
        color: Boolean(logStream.isTTY) && !process.env.NO_COLOR,
        write: (line) => logStream.write(`${line}\n`),
      }),
    });
    started.push({ name: "local host", stop: () => host.stop() });
    endpoints.api = `${host.url}/api`;
    if (d365Events) {
      // F&O sends business events to Service Bus itself; the simulator cannot reach the local bus, so a bridge does.
      const { bridgeBusinessEvents } = await import("./d365-events-bridge");
      const bridge = bridgeBusinessEvents(d365Events, host.bus, cfg.QUEUE_D365_EVENTS, {
        onError: (err, e) => say(`business event ${e.EventId} not delivered: ${(err as Error).message}`),
      });
      started.push({ name: "business event bridge", stop: async () => bridge.stop() });
      say("  business events   D365 simulator -> queue " + cfg.QUEUE_D365_EVENTS);
    }
    describeHost(host, cfg, say);

    if (args.once) {
      say("--once: running every timer once, then waiting for queues and orchestrations");
      const timers = await host.runTimersOnce();
      // Orchestrations that poll (the returns sync waits a minute between looks at its reports) are waited for
      // while their next timer is due within 3 minutes; one that waits for a person (a settlement's approval) is not.
      const summary = await host.drain({ timeoutMs: args.timeoutSeconds * 1000, horizonMs: 180_000 });
      const result = onceResult(summary, timers, endpoints);
      result.status = await fetchStatus(host.url);
      if (args.json) writeOut(`${JSON.stringify(result, null, 2)}\n`);
      else printSummary(result, say);
      await stopAll();
      return result.ok ? 0 : 1;
    }

    // Like a timer with runOnStartup: the first catch-up and settlement poll run now, so the demo data shows
    // up at once instead of at the next scheduled minute; then every timer keeps its schedule.
    say("running every timer once now, then on its schedule; press Ctrl-C to stop");
    void host.runTimersOnce().then(
      (timers) =>
        say(`first run of the timers done: ${timers.map((t) => `${t.function} ${t.ok ? "ok" : `failed (${t.error})`}`).join(", ")}`),
      (err: Error) => say(`first run of the timers failed: ${err.message}`),
    );
    await untilStopSignal();
    say("stopping");
    await stopAll();
    return 0;
  } catch (err) {
    say(`start failed: ${(err as Error).message}`);
    await stopAll();
    return 1;
  } finally {
    restoreConsole();
  }
}

/** The app's own account of what happened, read through its status endpoint as a user would. */
async function fetchStatus(baseUrl: string): Promise<unknown> {
  try {
    const res = await fetch(`${baseUrl}/api/status`);
    return await res.json();
  } catch (err) {
    return { error: `status unavailable: ${(err as Error).message}` };
  }
}

async function tryImport<T>(load: () => Promise<T>, what: string, say: (line: string) => void): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    say(`  skipping ${what}: ${(err as Error).message}`);
    return undefined;
  }
}

function describeHost(host: LocalHost, cfg: AppConfig, say: (line: string) => void): void {
  const byKind = new Map<string, string[]>();
  for (const r of host.registrations) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r.name]);
  say(`  app HTTP API      ${host.url}/api/...  (function keys are not enforced locally)`);
  say(
    `  durable API       ${host.url}/runtime/webhooks/durabletask/  (task hub ${host.durable.hubName}, history in ${cfg.LOCAL_DATA_DIR}/durable)`,
  );
  for (const [kind, names] of byKind) say(`  ${kind.padEnd(17)} ${names.sort().join(", ")}`);
  for (const r of host.registrations.filter((x) => x.kind === "http")) {
    const methods = Array.isArray(r.trigger.methods) ? (r.trigger.methods as string[]).join(",") : "ANY";
    say(`    ${methods.padEnd(12)} ${host.url}/api/${String(r.trigger.route ?? r.name)}`);
  }
}

function onceResult(summary: HostSummary, timers: OnceSummary["timers"], endpoints: Record<string, string>): OnceSummary {
  // A queue delivery or timer run that failed and later succeeded is a retry, not a failure; a dead-letter is.
  const finalFailures = [
    ...summary.failures.filter((f) => f.kind !== "serviceBusQueue" && f.kind !== "timer"),
    ...timers.filter((t) => !t.ok),
  ];
  const failedOrchestrations = summary.orchestrations.instances.filter((i) => i.runtimeStatus === "Failed");
  const ok = !summary.timedOut && finalFailures.length === 0 && summary.deadLettered.length === 0 && failedOrchestrations.length === 0;
  return { ok, timers, endpoints, ...summary };
}

function printSummary(s: OnceSummary, say: (line: string) => void): void {
  say("");
  say(`summary: ${s.ok ? "OK" : "FAILED"}${s.timedOut ? " (work still running at the timeout)" : ""}`);
  for (const [name, c] of Object.entries(s.invocations).sort())
    say(`  ${name.padEnd(32)} ${c.ok} ok${c.failed ? `, ${c.failed} failed` : ""}`);
  for (const f of s.failures) say(`  failure   ${f.function} (${f.kind}): ${f.error}`);
  for (const d of s.deadLettered) say(`  dead-letter ${d.queue} ${d.messageId}: ${d.reason} ${d.description ?? ""}`);
  for (const o of s.orchestrations.instances)
    say(`  orchestration ${o.name} ${o.instanceId}: ${o.runtimeStatus}${o.error ? ` (${o.error})` : ""}`);
  for (const [q, c] of Object.entries(s.queues)) {
    if (c.active || c.deadLettered)
      say(`  queue     ${q}: ${c.active} waiting, ${c.deadLettered} dead-lettered${c.hasReceiver ? "" : " (no function listens to it)"}`);
  }
  for (const w of s.orchestrations.waiting) say(`  waiting   ${w.name} ${w.instanceId}: ${w.waitingFor.join(", ") || "nothing in flight"}`);
  type Counts = { total: number; byStatus: Record<string, number> };
  const status = s.status as { sections?: Record<string, unknown>; parkedTotal?: number } | undefined;
  for (const name of ["orders", "settlements", "returns", "products"]) {
    const counts = status?.sections?.[name] as Counts | undefined;
    if (!counts || typeof counts.total !== "number") continue;
    const parts = Object.entries(counts.byStatus ?? {}).map(([k, v]) => `${v} ${k}`);
    say(`  ${name.padEnd(11)} ${counts.total}${parts.length ? `: ${parts.join(", ")}` : ""}`);
  }
  const fulfillment = status?.sections?.fulfillment as { mcf?: Counts; shipments?: Counts } | undefined;
  for (const [name, counts] of [
    ["mcf", fulfillment?.mcf],
    ["shipments", fulfillment?.shipments],
  ] as const) {
    if (!counts || typeof counts.total !== "number") continue;
    const parts = Object.entries(counts.byStatus ?? {}).map(([k, v]) => `${v} ${k}`);
    say(`  ${name.padEnd(11)} ${counts.total}${parts.length ? `: ${parts.join(", ")}` : ""}`);
  }
  const inventory = status?.sections?.inventory as
    | { push?: { outcome: string; marketplaces: { changed: number; accepted: number; refused: number }[] }; discrepancies?: number }
    | undefined;
  if (inventory?.push) {
    const sum = (k: "changed" | "accepted" | "refused") => inventory.push!.marketplaces.reduce((n, m) => n + m[k], 0);
    say(
      `  inventory   push ${inventory.push.outcome}: ${sum("changed")} changed, ${sum("accepted")} taken by Amazon, ${sum("refused")} refused;` +
        ` FBA: ${inventory.discrepancies ?? 0} discrepancies (GET /api/inventory/fba/discrepancies)`,
    );
  }
  if (status?.parkedTotal) say(`  review    ${status.parkedTotal} message(s) need a person: GET /api/deadletters`);
}

function redirectConsoleLogToStderr(): () => void {
  const original = { log: console.log, info: console.info, debug: console.debug };
  console.log = (...a: unknown[]) => console.error(...a);
  console.info = (...a: unknown[]) => console.error(...a);
  console.debug = (...a: unknown[]) => console.error(...a);
  return () => Object.assign(console, original);
}
