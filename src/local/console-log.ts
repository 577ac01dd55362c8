/**
 * What `npm start` prints while the app runs: one line a person can read per event, with the time, the flow
 * and the business key ("12:00:03 orders  order 113-… imported as SO 000739 (2 lines)"), coloured on a
 * terminal. Metrics and per-message step markers are telemetry, not console output: they are left out here
 * (Application Insights has them in Azure). With --json every entry is one JSON line instead, for machines.
 *
 * The local host hands each line over as `<function>: <text>`, where the app's telemetry writes its entries
 * as JSON (platform/telemetry.ts); `app: ` prefixes the telemetry of the app's shared clients (SP-API, D365).
 */
import { createColors } from "picocolors";

export interface ConsoleLogOptions {
  json: boolean;
  color: boolean;
  write: (line: string) => void;
  now?: () => Date;
}

type Entry = Record<string, unknown>;
type Colors = ReturnType<typeof createColors>;

/** Keys that identify a line for machines, not for a person reading the console. */
const QUIET_KEYS = new Set(["event", "metric", "level", "message", "traceId", "spanId", "component", "value"]);
/**
 * Log messages that mark steps for tracing (one per handled message), and the inventory timers' own note of a run
 * the flow's line (inventory.pushed, inventory.fbaReconciled, inventory.d365Unavailable) has told: telemetry only.
 */
const QUIET_MESSAGES = new Set(["message.handled", "inventory.push", "inventory.fbaReconcile"]);

const FLOW_COLORS: Record<string, keyof Colors> = {
  orders: "cyan",
  settlements: "magenta",
  fulfillment: "green",
  inventory: "greenBright",
  notifications: "blue",
  queues: "yellow",
  operations: "yellow",
  app: "gray",
  host: "gray",
};

/** The flow an entry belongs to: from its event or message name, else from the function that wrote it. */
export function flowOf(source: string, entry?: Entry): string {
  const name = String(entry?.event ?? entry?.metric ?? entry?.message ?? source);
  const key = `${name} ${source}`.toLowerCase();
  if (/^(mcf|fbm|fulfillment|d365event)\.|fulfillment|shipment|mcf-monitor|d365-events/.test(key)) return "fulfillment";
  if (/^order|\border/.test(key)) return "orders";
  if (/inventory/.test(key)) return "inventory";
  if (/settlement/.test(key)) return "settlements";
  if (/notification/.test(key)) return "notifications";
  if (/^message\.|deadletter|parked/.test(key)) return "queues";
  if (source === "app") return "app";
  return source === "host" ? "host" : "operations";
}

const s = (v: unknown) => (v === undefined || v === null ? "?" : String(v));
/** A long value (an error) cut for one console line. */
const short = (v: unknown, max = 120) => (s(v).length > max ? `${s(v).slice(0, max - 3)}...` : s(v));
const plural = (n: unknown, word: string) =>
  `${s(n)} ${Number(n) === 1 ? word : word.endsWith("y") ? `${word.slice(0, -1)}ies` : `${word}s`}`;

/** Business events as sentences (undefined: said by another line); anything not listed falls back to its name and key values. */
const EVENTS: Record<string, (p: Entry) => string | undefined> = {
  "order.imported": (p) => {
    const id = s(p.amazonOrderId);
    const so = p.salesOrderNumber ? `SO ${s(p.salesOrderNumber)}` : "";
    switch (p.outcome) {
      case "created":
        return `order ${id} imported as ${so} (${plural(p.linesCreated, "line")})`;
      case "completed":
        return `order ${id} completed as ${so} (${plural(p.linesCreated, "more line")})`;
      case "unchanged":
        return `order ${id} already in D365 as ${so}`;
      case "updated":
        return `order ${id} updated in ${so}`;
      case "waiting":
        return `order ${id} waits for Amazon (Pending)`;
      case "canceled":
        return so ? `order ${id} canceled in Amazon: ${so} canceled` : `order ${id} canceled in Amazon before it was imported`;
      case "cancel-flagged":
        return undefined; // order.cancelAfterShipment says it
      case "skipped":
        return `order ${id} skipped (not for D365)`;
      default:
        return `order ${id}: ${s(p.outcome)} ${so}`.trim();
    }
  },
  "order.needsMapping": (p) => `order ${s(p.amazonOrderId)} needs a mapping: ${s(p.where ?? p.code)}`,
  // The same message's message.parked line says it.
  "order.deadLettered": () => undefined,
  // order.imported (outcome canceled) says it.
  "order.canceled": () => undefined,
  "order.cancelAfterShipment": (p) => `order ${s(p.amazonOrderId)} canceled after SO ${s(p.salesOrderNumber)} shipped: needs a person`,
  "order.duplicateInD365": (p) => `order ${s(p.amazonOrderId)} found twice in D365: ${[p.salesOrderNumbers].flat().join(", ")}`,
  "order.reread": (p) => `order ${s(p.amazonOrderId)} changed in Amazon while it was imported: read again`,
  "orders.bulkImported": (p) =>
    `bulk import of ${plural(p.orders, "order")}: ${s(p.created)} created, ${s(p.completed)} completed, ${s(p.unchanged)} already in D365` +
    (Number(p.other) ? `, ${s(p.other)} waiting/canceled/skipped` : "") +
    (Number(p.parked) ? `, ${s(p.parked)} parked` : "") +
    (Number(p.busy) ? `, ${s(p.busy)} left to another worker` : "") +
    (Number(p.retry) ? `, ${s(p.retry)} to retry` : ""),
  "settlement.started": (p) => `settlement ${s(p.settlementId)} import started${p.reportId ? ` (report ${s(p.reportId)})` : ""}`,
  "settlement.analyzed": (p) =>
    `settlement ${s(p.settlementId)} read: ${plural(p.rows, "row")} -> ${plural(p.lines, "journal line")}` +
    (p.status === "running" ? "" : `, ${s(p.status)}`) +
    (Number(p.anomalies) ? `, ${plural(p.anomalies, "anomaly")}` : ""),
  "settlement.journal": (p) =>
    `settlement ${s(p.settlementId)} journal ${s(p.journalBatchNumber)} ${p.created ? "created on hold" : "found"}`,
  "settlement.created": (p) =>
    `settlement ${s(p.settlementId)} created as journal ${s(p.journalBatchNumber)} (${plural(p.lines, "line")}), balanced`,
  "settlement.posted": (p) => `settlement ${s(p.settlementId)} journal ${s(p.journalBatchNumber)} posted in D365`,
  "settlement.postedInD365": (p) =>
    `posted in D365: settlement(s) ${Array.isArray(p.settlementIds) ? p.settlementIds.join(", ") : s(p.settlementIds)}`,
  "settlement.verifyFailed": (p) => `settlement ${s(p.settlementId)} journal ${s(p.journalBatchNumber)} does not match what was sent`,
  "settlement.dmfSubmitted": (p) => `settlement ${s(p.settlementId)} DMF import ${s(p.executionId)} submitted`,
  "settlement.dmfFinished": (p) =>
    `settlement ${s(p.settlementId)} DMF import ${s(p.status)}${Number(p.errors) ? ` (${plural(p.errors, "error")})` : ""}`,
  "d365Event.routed": (p) => `business event ${s(p.businessEventId)} (${s(p.controlNumber)}): look at SO ${s(p.salesOrderNumber)}`,
  "mcf.sent": (p) => `SO ${s(p.salesOrderNumber)} sent to Amazon MCF as ${s(p.sellerFulfillmentOrderId)} (${s(p.shippingSpeed)})`,
  "mcf.recovered": (p) => `SO ${s(p.salesOrderNumber)} was at Amazon already as ${s(p.sellerFulfillmentOrderId)}: not created again`,
  "mcf.status": (p) =>
    `MCF order ${s(p.sellerFulfillmentOrderId)} ${s(p.status)} (Amazon ${s(p.amazonStatus)}, ${plural(p.packages, "package")})`,
  "mcf.trackingToD365": (p) => `SO ${s(p.salesOrderNumber)}: ${plural(p.rows, "tracking number")} on its D365 packing slips`,
  "mcf.cancelRequested": (p) =>
    `SO ${s(p.salesOrderNumber)} canceled in D365: MCF order ${s(p.sellerFulfillmentOrderId)} cancelled at Amazon`,
  "mcf.notFulfilled": (p) => `MCF order ${s(p.sellerFulfillmentOrderId)} ended ${s(p.amazonStatus)}: needs a person`,
  "fbm.confirmed": (p) =>
    `order ${s(p.amazonOrderId)} package ${s(p.packageReferenceId)} (packing slip ${s(p.packingSlipNumber)}) confirmed to Amazon with ${s(p.carrierCode)}`,
  "fulfillment.needsAttention": (p) => `${s(p.reviewId)} needs a person: ${s(p.code)}; GET /api/deadletters`,
  "settlement.needsAttention": (p) =>
    `settlement ${s(p.settlementId)} needs attention: ${Array.isArray(p.reasons) ? s(p.reasons[0]) : s(p.reasons)}`,
  "settlement.failed": (p) => `settlement ${s(p.settlementId)} failed: ${Array.isArray(p.reasons) ? s(p.reasons[0]) : s(p.reasons)}`,
  "settlement.conflict": (p) =>
    `settlement ${s(p.settlementId)} in conflict (${s(p.kind)}: journal(s) ${Array.isArray(p.journals) ? p.journals.join(", ") : s(p.journals)}); POST /api/settlements/${s(p.settlementId)}/resolve`,
  "settlement.reportFailed": (p) => `settlement report ${s(p.reportId)} not fetched: ${s(p.error)} (tried again by the next poll)`,
  "message.parked": (p) => `message ${s(p.messageId)} on ${s(p.queue)} parked: ${s(p.reason)} (${s(p.code)}); GET /api/deadletters`,
  "message.deadLettering": (p) => `message ${s(p.messageId)} on ${s(p.queue)} failed ${plural(p.deliveryCount, "time")}: dead-lettered`,
  "deadletters.replayed": (p) =>
    `replayed ${s(p.replayed)} message(s) of ${s(p.queue)}${Number(p.failed) ? `, ${s(p.failed)} failed` : ""}`,
  "inventory.d365Unavailable": (p) =>
    p.marketplaceId
      ? `FBA ${s(p.marketplaceId)}: D365 on-hand could not be read, the last comparison stays (${short(p.error)})`
      : `inventory push stopped: D365 on-hand could not be read, nothing pushed, Amazon keeps the last quantities (${short(p.error)})`,
  "inventory.skuRefused": (p) =>
    `SKU ${s(p.sellerSku)} refused by Amazon in ${s(p.marketplaceId)} (${s(p.code)}): parked; GET /api/deadletters?queue=inventory-sync`,
  "inventory.feedRejected": (p) =>
    `feed ${s(p.feedId)} for ${s(p.marketplaceId)} ${s(p.status)} at Amazon: its quantities go again next run` +
    (p.error ? ` (${short(p.error)})` : ""),
  "inventory.fbaJournalPrepared": (p) =>
    `FBA ${s(p.marketplaceId)}: unposted ${s(p.kind)} journal ${s(p.journalNumber)} (${plural(p.lines, "line")}) ready for review in D365`,
  "notification.unauthorized": () => "notification refused: missing or wrong x-api-key",
  "notification.invalid": (p) => `notification refused: invalid (${s(p.accepted)} accepted)`,
};

/** Log messages worth a sentence of their own. */
const LOGS: Record<string, (p: Entry) => string> = {
  "orders.catchUp": (p) => {
    const results = Array.isArray(p.results) ? (p.results as Entry[]) : [];
    const parts = results.map(
      (r) => `${s(r.marketplaceId)} ${s(r.seen)} changed, ${s(r.enqueued)} queued${r.ok === false ? " (failed)" : ""}`,
    );
    const h = results.find((r) => r.handedOver)?.handedOver as Entry | undefined;
    const bulk = h && Number(h.bulks) ? ` (${plural(h.inBulk, "order")} in ${plural(h.bulks, "bulk import")})` : "";
    return `catch-up: ${parts.join("; ") || "nothing to do"}${bulk}`;
  },
  "orders.sweep.reEnqueued": (p) => `sweeper: ${plural(p.reEnqueued, "order")} handed over but not imported, queued again`,
  "order.notificationDropped": (p) => `notification for order ${s(p.amazonOrderId)} dropped: ${s(p.reason)}`,
  "inventory.pushed": (p) => {
    const markets = Array.isArray(p.marketplaces) ? (p.marketplaces as Entry[]) : [];
    const parts = markets.map((m) =>
      Number(m.changed)
        ? `${s(m.marketplaceId)} ${s(m.changed)} changed by ${s(m.path)}, ${s(m.accepted)} taken`
        : `${s(m.marketplaceId)} unchanged`,
    );
    return `inventory push (${s(p.trigger)}) ${s(p.outcome)}: ${parts.join("; ") || "no channel"}`;
  },
  "inventory.push.failed": (p) => `inventory push to ${s(p.marketplaceId)} failed: ${short(p.error)}`,
  "inventory.pushBusy": (p) => `inventory push put back a minute: another push runs since ${s(p.busySince)}`,
  "inventory.feedSubmitted": (p) => `feed ${s(p.feedId)} sent to Amazon for ${s(p.marketplaceId)} (${plural(p.messages, "quantity")})`,
  "inventory.feedSettled": (p) =>
    `feed ${s(p.feedId)} for ${s(p.marketplaceId)} ${s(p.status)}: ${s(p.accepted)} taken, ${s(p.refused)} refused`,
  "inventory.fbaReconciled": (p) => {
    const markets = Array.isArray(p.marketplaces) ? (p.marketplaces as Entry[]) : [];
    const parts = markets.map((m) => `${s(m.marketplaceId)} ${plural(m.skus, "SKU")}, ${plural(m.discrepancies, "discrepancy")}`);
    return `FBA reconciliation ${s(p.outcome)}: ${parts.join("; ") || "no marketplace"}`;
  },
  "inventory.fbaReconcile.failed": (p) =>
    `FBA reconciliation of ${s(p.marketplaceId)} failed, the last comparison stays: ${short(p.error)}`,
  "inventory.fbaChange.d365Unavailable": (p) =>
    `FBA change of ${s(p.sellerSku)} in ${s(p.marketplaceId)} not compared: D365 could not be read (the next reconciliation catches up)`,
  "settlements.poll": (p) =>
    `settlement poll: ${plural(p.listed, "report")} listed, ${Array.isArray(p.started) ? p.started.length : s(p.started)} import(s) started` +
    (Array.isArray(p.failed) && p.failed.length ? `, ${p.failed.length} failed` : ""),
};

function keyValues(p: Entry): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p)) {
    if (QUIET_KEYS.has(k) || v === undefined) continue;
    const text = typeof v === "object" ? JSON.stringify(v) : String(v);
    parts.push(`${k}=${text.length > 60 ? `${text.slice(0, 57)}...` : text}`);
  }
  return parts.join(" ");
}

/** The sentence for one telemetry entry; undefined for what the console leaves out (metrics, step markers, debug). */
export function describeEntry(entry: Entry): string | undefined {
  if (entry.metric !== undefined) return undefined;
  if (typeof entry.event === "string") {
    const f = EVENTS[entry.event];
    return f ? f(entry) : `${entry.event} ${keyValues(entry)}`.trim();
  }
  const message = String(entry.message ?? "");
  if (QUIET_MESSAGES.has(message) || entry.level === "debug") return undefined;
  const f = LOGS[message];
  return f ? f(entry) : `${message} ${keyValues(entry)}`.trim();
}

const LINE = /^([A-Za-z][\w.-]*): (\{.*\})$/s;

/** Splits `<function>: {json}` into its source and entry; a plain line has no entry. */
export function parseLine(message: string): { source: string; entry?: Entry; text: string } {
  const m = LINE.exec(message);
  if (m) {
    try {
      const entry = JSON.parse(m[2]!) as unknown;
      if (entry && typeof entry === "object" && !Array.isArray(entry)) return { source: m[1]!, entry: entry as Entry, text: m[2]! };
    } catch {
      // not JSON after all: a plain line
    }
  }
  const plain = /^([A-Za-z][\w.-]*): (.*)$/s.exec(message);
  return plain ? { source: plain[1]!, text: plain[2]! } : { source: "host", text: message };
}

function clock(d: Date): string {
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

/** A log sink for the local host: `(level, "<function>: <text>")` lines in, console lines out. */
export function consoleLog(options: ConsoleLogOptions): (level: string, message: string) => void {
  const c = createColors(options.color);
  const now = options.now ?? (() => new Date());
  return (level, message) => {
    const { source, entry, text } = parseLine(message);
    const at = now();
    if (options.json) {
      options.write(
        JSON.stringify({ time: at.toISOString(), level: entry?.level ?? level, function: source, ...(entry ?? { message: text }) }),
      );
      return;
    }
    const sentence = entry ? describeEntry(entry) : text;
    if (sentence === undefined || (level === "debug" && !entry)) return;
    const flow = flowOf(source, entry);
    const paint = c[FLOW_COLORS[flow] ?? "white"] as (t: string) => string;
    const body = level === "error" ? c.red(sentence) : level === "warn" ? c.yellow(sentence) : sentence;
    options.write(`${c.dim(clock(at))} ${paint(flow.padEnd(13))} ${body}`);
  };
}
