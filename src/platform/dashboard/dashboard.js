// The dashboard's script: a plain ES module run by the browser as it is (no build step, no framework). It reads
// the app's JSON API (GET status, deadletters, settlements, returns?status=review), the same answers the CLI
// and Power Automate get, renders them, and refreshes every 15 s (or ?refresh=<seconds>). Every section of GET /api/status is drawn,
// known or not, so a new flow shows up without a change here. A function key given as ?code= goes with every
// call in the x-functions-key header (Azure takes it there on authLevel "function" routes; in a header it
// stays out of URLs and logs, and routes with strict query parameters do not see it).

const query = new URLSearchParams(location.search);
const key = query.get("code");
// ?refresh=<seconds> changes the interval (2 s at least); the default is 15 s.
const REFRESH_MS = Math.max(2, Number(query.get("refresh")) || 15) * 1000;

/** The URL of an API route next to this page (/api/dashboard -> /api/<path>). */
function api(path, query = {}) {
  const url = new URL(path, location.href);
  url.search = "";
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return url;
}

/** Request headers: JSON, and the function key the page was opened with. */
function headers(extra = {}) {
  return { accept: "application/json", ...(key ? { "x-functions-key": key } : {}), ...extra };
}

async function getJson(path, query) {
  const res = await fetch(api(path, query), { headers: headers(), cache: "no-store" });
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}${body?.error?.message ? ` (${body.error.message})` : ""}`);
  return body;
}

async function post(path, body) {
  const res = await fetch(api(path), {
    method: "POST",
    headers: headers({ "content-type": "application/json" }),
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) throw new Error(json?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

// ---- small DOM helpers ----

/** An element with attributes (class, data-*, title, ...) and children (nodes, strings, numbers; null skipped). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "onclick") el.addEventListener("click", value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

const GOOD = new Set([
  "ok",
  "healthy",
  "succeeded",
  "complete",
  "completed",
  "created",
  "posted",
  "published",
  "imported",
  "done",
  "matched",
  "refunded",
  "reconciled",
  "in-step",
  "shipped",
  "delivered",
  "read",
]);
const BAD = new Set([
  "failed",
  "error",
  "attention",
  "needs-mapping",
  "needs-order",
  "dead-lettered",
  "parked",
  "unhealthy",
  "not-reconciled",
  "without-return",
  "no-refund",
  "rejected",
  "cancelled",
  "invalid-message",
  "validation",
  "mapping-gap",
  "not-found",
  "conflict",
  "listing-issues",
  "listing-invalid",
]);
const WARN = new Set([
  "waiting",
  "pending",
  "running",
  "partial",
  "skipped",
  "review",
  "awaiting-approval",
  "awaiting-refund",
  "awaiting-return",
  "partly-refunded",
  "partly-matched",
  "planning",
  "processing",
  "received",
  "waiting-for-order",
]);

/** good, warn, bad or neutral for a status word (unknown words are neutral, and still show the word). */
function tone(word) {
  const w = String(word).toLowerCase();
  if (GOOD.has(w)) return "good";
  if (BAD.has(w)) return "bad";
  if (WARN.has(w)) return "warn";
  return "neutral";
}

function badge(word, forceTone) {
  return h("span", { class: `badge ${forceTone ?? tone(word)}`, "data-status": word }, word);
}

function table(columns, rows, empty, testid) {
  // Widths through the CSSOM (the page's Content-Security-Policy allows no style attributes).
  const cols = columns.map((c) => {
    const col = h("col");
    if (c.width) col.style.width = c.width;
    return col;
  });
  const colgroup = h("colgroup", {}, ...cols);
  const head = h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", { class: c.num ? "num" : undefined, scope: "col" }, c.label))));
  const body = h("tbody", {});
  if (rows.length === 0) body.append(h("tr", {}, h("td", { class: "empty", colspan: columns.length }, empty)));
  for (const row of rows) body.append(row);
  return h("table", { "data-testid": testid }, colgroup, head, body);
}

function td(content, attrs = {}) {
  return h("td", attrs, content);
}

/** "5 s", "4 min", "2 h 05 min", "3 d 4 h" */
function duration(ms) {
  if (!Number.isFinite(ms)) return "";
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const hours = Math.floor(min / 60);
  if (hours < 48) return `${hours} h ${String(min % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function clock(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  });
}

function countsText(counts, skipZeros = false) {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => typeof n === "number" && (n !== 0 || !skipZeros));
  return entries.length ? entries.map(([k, n]) => `${k} ${n}`).join(", ") : "";
}

function words(name) {
  return name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[-_.]/g, " ");
}

function title(name) {
  const w = words(name);
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function chips(counts, testid) {
  const entries = Object.entries(counts ?? {}).filter(([, n]) => typeof n === "number");
  if (entries.length === 0) return h("p", { class: "muted" }, "none yet");
  return h(
    "ul",
    { class: "chips", "data-testid": testid },
    ...entries.map(([word, n]) => h("li", { "data-status": word }, badge(word), h("span", { class: "count" }, n))),
  );
}

// ---- the sections ----

function flowsView(status) {
  const now = Date.parse(status.generatedAt);
  const rows = [];
  for (const flow of status.flows ?? []) {
    for (const s of flow.scopes ?? []) {
      const last = s.lastRun;
      const outcome = s.runningSince ? "running" : (last?.outcome ?? "never run");
      const lag = s.watermark ? duration(now - Date.parse(s.watermark)) : "";
      const failedRuns = (s.runs?.failed ?? 0) + (s.runs?.partial ?? 0);
      rows.push(
        h(
          "tr",
          { "data-flow": flow.flow, "data-scope": s.scope },
          td(h("strong", {}, flow.flow)),
          td(s.scope),
          td([badge(outcome), h("div", { class: "muted" }, last ? clock(last.finishedAt) : "")]),
          td(lag ? [lag, h("div", { class: "muted" }, `since ${clock(s.watermark)}`)] : h("span", { class: "muted" }, "no watermark")),
          td(countsText(last?.counts)),
          td(countsText(s.runs, true)),
          td(
            failedRuns || s.lastFailureAt
              ? [
                  badge(`${failedRuns} failed`, "bad"),
                  h("div", { class: "muted" }, s.lastFailureAt ? `last ${clock(s.lastFailureAt)}` : ""),
                ]
              : badge("none", "good"),
          ),
        ),
      );
      if (last?.error) rows.push(h("tr", {}, h("td", { colspan: 7, class: "error" }, `${flow.flow} ${s.scope}: ${last.error}`)));
    }
  }
  return table(
    [
      { label: "Flow", width: "14%" },
      { label: "Scope", width: "13%" },
      { label: "Last run", width: "15%" },
      { label: "Lag behind Amazon", width: "14%" },
      { label: "Last run counts", width: "18%" },
      { label: "Runs", width: "14%" },
      { label: "Failures", width: "12%" },
    ],
    rows,
    "No flow has run yet.",
    "flows-table",
  );
}

function suggestionText(s) {
  if (s === undefined || s === null) return "";
  return typeof s === "string" ? s : JSON.stringify(s, null, 1);
}

function replayButton(queue, messageId) {
  const button = h("button", { type: "button", "data-action": "replay", "data-message-id": messageId }, "Replay");
  button.addEventListener("click", () =>
    act(button, "Replaying", async () => {
      const report = await post(`deadletters/${encodeURIComponent(queue)}/${encodeURIComponent(messageId)}/replay`);
      const sent = report?.replayed?.length ?? 0;
      const failed = report?.failed?.length ?? 0;
      return `replayed ${messageId} on ${queue}: ${sent} sent${failed ? `, ${failed} failed` : ""}`;
    }),
  );
  return button;
}

function queuesView(status, letters) {
  const queueRows = (status.queues ?? []).map((q) => {
    const attention = q.error || q.parked > 0 || (q.deadLettered ?? 0) > 0;
    return h(
      "tr",
      { "data-queue": q.queue },
      td(h("strong", {}, q.queue)),
      td(q.active ?? "", { class: "num" }),
      td(q.parked, { class: "num", "data-testid": `parked-${q.queue}` }),
      td(`${q.deadLettered ?? ""}${q.deadLetteredCapped ? "+" : ""}`, { class: "num" }),
      td(q.error ? [badge("error"), " ", q.error] : badge(attention ? "attention" : "ok")),
    );
  });
  const messageRows = [];
  for (const m of letters?.parked ?? []) {
    messageRows.push(
      h(
        "tr",
        { "data-message-id": m.messageId, "data-queue": m.queue },
        td(m.queue),
        td(h("code", {}, m.messageId)),
        td([badge(m.reason), h("div", { class: "muted" }, `parked ${m.timesParked}×, ${clock(m.parkedAt)}`)]),
        td(m.description),
        td(h("code", { class: "fix" }, suggestionText(m.suggestion) || (m.code ? `code ${m.code}` : ""))),
        td(replayButton(m.queue, m.messageId)),
      ),
    );
  }
  for (const m of letters?.deadLettered ?? []) {
    messageRows.push(
      h(
        "tr",
        { "data-message-id": m.messageId, "data-queue": m.queue },
        td(m.queue),
        td(h("code", {}, m.messageId)),
        td([badge("dead-lettered"), h("div", { class: "muted" }, `${m.deliveryCount} deliveries`)]),
        td(`${m.deadLetterReason ?? ""}${m.deadLetterErrorDescription ? `: ${m.deadLetterErrorDescription}` : ""}`),
        td(h("span", { class: "muted" }, "fix the cause, then replay")),
        td(replayButton(m.queue, m.messageId)),
      ),
    );
  }
  for (const e of letters?.errors ?? []) messageRows.push(h("tr", {}, h("td", { colspan: 6, class: "error" }, `${e.queue}: ${e.error}`)));
  return [
    table(
      [
        { label: "Queue", width: "34%" },
        { label: "Waiting", width: "14%", num: true },
        { label: "Parked", width: "14%", num: true },
        { label: "Dead-lettered", width: "14%", num: true },
        { label: "State", width: "24%" },
      ],
      queueRows,
      "No queues configured.",
      "queues-table",
    ),
    h("h3", {}, `Messages that need a person (${status.parkedTotal} parked, ${status.deadLetteredTotal} dead-lettered)`),
    table(
      [
        { label: "Queue", width: "12%" },
        { label: "Message", width: "20%" },
        { label: "Reason", width: "14%" },
        { label: "What is wrong", width: "24%" },
        { label: "Suggested fix", width: "20%" },
        { label: "", width: "10%" },
      ],
      messageRows,
      "Nothing waits for a person.",
      "messages-table",
    ),
  ];
}

function approveButton(s) {
  const button = h("button", { type: "button", "data-action": "approve", "data-settlement-id": s.settlementId }, "Approve");
  button.addEventListener("click", () => {
    const what = `Approve settlement ${s.settlementId} (${s.totalAmount ?? "?"} ${s.currency ?? ""}): create its journal of ${s.lineCount ?? "?"} lines in D365?`;
    if (!window.confirm(what)) return;
    act(button, "Approving", async () => {
      await post(`settlements/${encodeURIComponent(s.settlementId)}/approve`, { approvedBy: "dashboard" });
      return `approved settlement ${s.settlementId}; its journal is being created`;
    });
  });
  return button;
}

function settlementsDetail(list) {
  const rows = (list?.settlements ?? []).map((s) => {
    const anomalies = s.anomalies ?? [];
    const problems = [...(s.reasons ?? []), ...(s.unmapped ?? []).map((u) => `unmapped ${u.combination} (${u.total})`)];
    return h(
      "tr",
      { "data-settlement-id": s.settlementId },
      td(h("code", {}, s.settlementId)),
      td(badge(s.status)),
      td(s.startDate && s.endDate ? `${s.startDate.slice(0, 10)} to ${s.endDate.slice(0, 10)}` : ""),
      td(s.totalAmount !== undefined ? `${s.totalAmount} ${s.currency ?? ""}` : "", { class: "num" }),
      td(s.reconciled === undefined ? "" : badge(s.reconciled ? "reconciled" : "not-reconciled")),
      td(s.journalBatchNumber ? `${s.journalBatchNumber} (${s.linesCreated ?? s.lineCount ?? "?"} lines)` : ""),
      td(
        anomalies.length || problems.length
          ? [
              ...anomalies.map((a) => h("div", {}, badge(a.severity), " ", a.message)),
              ...problems.map((p) => h("div", { class: "error" }, p)),
            ]
          : h("span", { class: "muted" }, "none"),
      ),
      td(s.status === "awaiting-approval" ? approveButton(s) : (s.approvedBy ?? "")),
    );
  });
  return table(
    [
      { label: "Settlement", width: "13%" },
      { label: "Status", width: "14%" },
      { label: "Period", width: "15%" },
      { label: "Deposit", width: "11%", num: true },
      { label: "Reconciliation", width: "13%" },
      { label: "Journal", width: "11%" },
      { label: "Anomalies", width: "13%" },
      { label: "", width: "10%" },
    ],
    rows,
    "No settlement yet.",
    "settlements-table",
  );
}

function returnsDetail(list) {
  const rows = (list?.returns ?? [])
    .slice(0, 20)
    .map((r) =>
      h(
        "tr",
        { "data-return": r.key },
        td(h("code", {}, r.amazonOrderId)),
        td(r.returnId),
        td(badge(r.status)),
        td(r.review ? r.review.description : (r.lastError ?? `refund: ${r.refund.state}`)),
        td(h("code", { class: "fix" }, suggestionText(r.review?.suggestion))),
      ),
    );
  return [
    h("h3", {}, "Returns that need a person"),
    table(
      [
        { label: "Order", width: "22%" },
        { label: "Return", width: "16%" },
        { label: "Status", width: "18%" },
        { label: "What is wrong", width: "26%" },
        { label: "Suggested fix", width: "18%" },
      ],
      rows,
      "None.",
      "returns-review-table",
    ),
  ];
}

function isCounts(v) {
  return v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((n) => typeof n === "number");
}

/** Any status section: total, byStatus as coloured words, other counts, per-key tables and lists. */
function genericSection(name, data) {
  const parts = [];
  if (!data || typeof data !== "object") return [h("p", {}, String(data))];
  if (typeof data.error === "string") parts.push(h("p", { class: "error" }, `This section could not be read: ${data.error}`));
  if (typeof data.total === "number") {
    parts.push(
      h(
        "p",
        { class: "total", "data-testid": `${name}-total` },
        data.total,
        " ",
        h("small", {}, data.partial ? "(partial: more than read)" : "in total"),
      ),
    );
  }
  if (isCounts(data.byStatus)) parts.push(chips(data.byStatus, `${name}-by-status`));
  const scalars = [];
  for (const [k, v] of Object.entries(data)) {
    if (["total", "byStatus", "partial", "error"].includes(k)) continue;
    if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") scalars.push([k, v]);
    else if (isCounts(v)) parts.push(h("h3", {}, title(k)), chips(v, `${name}-${k}`));
    else if (Array.isArray(v)) parts.push(h("h3", {}, `${title(k)} (${v.length})`), listTable(v.slice(0, 10), `${name}-${k}`));
    else if (v && typeof v === "object") {
      const values = Object.values(v);
      if (values.length && values.every((x) => x && typeof x === "object" && !Array.isArray(x)))
        parts.push(h("h3", {}, title(k)), keyedTable(v));
      else if (values.length) parts.push(h("h3", {}, title(k)), kv(v));
    }
  }
  if (scalars.length) parts.splice(typeof data.total === "number" ? 1 : 0, 0, kv(Object.fromEntries(scalars)));
  return parts;
}

function cell(v) {
  if (v === undefined || v === null) return "";
  if (isCounts(v)) return countsText(v);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function kv(obj) {
  const dl = h("dl", { class: "kv" });
  for (const [k, v] of Object.entries(obj)) {
    if (v === undefined || v === null || Array.isArray(v)) continue;
    const value = typeof v === "string" && tone(v) !== "neutral" ? badge(v) : cell(v);
    dl.append(h("dt", {}, words(k)), h("dd", {}, value));
  }
  return dl;
}

function keyedTable(obj) {
  const rows = Object.entries(obj).map(([k, v]) =>
    h(
      "tr",
      {},
      td(h("strong", {}, k)),
      td(typeof v.total === "number" ? v.total : "", { class: "num" }),
      td(isCounts(v.byStatus) ? chips(v.byStatus) : cell(v)),
    ),
  );
  return table([{ label: "", width: "25%" }, { label: "Total", width: "12%", num: true }, { label: "By status" }], rows, "None.");
}

function listTable(items, testid) {
  const keys = [...new Set(items.flatMap((i) => (i && typeof i === "object" ? Object.keys(i) : [])))].slice(0, 6);
  if (keys.length === 0) return h("p", { class: "muted" }, items.map(cell).join(", ") || "none");
  const rows = items.map((i) =>
    h("tr", {}, ...keys.map((k) => td(typeof i[k] === "string" && tone(i[k]) !== "neutral" ? badge(i[k]) : cell(i[k])))),
  );
  return table(
    keys.map((k) => ({ label: words(k) })),
    rows,
    "None.",
    testid,
  );
}

/** One card per status section, in the order GET /api/status lists them; known ones get their detail table. */
function sectionCards(status, details) {
  const cards = [];
  for (const [name, data] of Object.entries(status.sections ?? {})) {
    const card = h("section", { class: `card${name === "settlements" ? " wide" : ""}`, id: `section-${name}`, "data-section": name });
    card.append(h("h2", {}, title(name)));
    const body = h("div", { class: "body", "data-testid": `section-${name}` }, ...genericSection(name, data));
    if (name === "settlements") body.append(h("h3", {}, "Each settlement"), settlementsDetail(details.settlements));
    if (name === "returns" && details.returns) body.append(...returnsDetail(details.returns));
    card.append(body);
    cards.push(card);
  }
  return cards;
}

// ---- refresh ----

let running;
let timer;
const notice = document.getElementById("notice");

function say(text) {
  notice.textContent = text;
  notice.title = text;
}

/** Runs a button's action: disabled while it runs, then a refresh; the outcome goes to the notice line. */
async function act(button, doing, run) {
  button.disabled = true;
  button.textContent = `${doing}…`;
  try {
    say(await run());
  } catch (err) {
    say(`${doing} failed: ${err.message}`);
    button.disabled = false;
    button.textContent = doing === "Replaying" ? "Replay" : "Approve";
    return;
  }
  await running; // a refresh that started before the action does not show it: run one more
  await refresh();
}

/** Loads and draws everything; a call while a refresh runs joins it. */
function refresh() {
  running ??= load().finally(() => {
    running = undefined;
  });
  return running;
}

async function load() {
  clearTimeout(timer);
  try {
    const optional = (p) => p.catch((err) => ({ failed: err.message }));
    const [status, letters, settlements, returns] = await Promise.all([
      getJson("status"),
      optional(getJson("deadletters")),
      optional(getJson("settlements")),
      optional(getJson("returns", { status: "review" })),
    ]);
    const overall = document.getElementById("overall");
    overall.className = `badge ${tone(status.status)}`;
    overall.textContent = status.status === "ok" ? "all ok" : status.status;
    overall.dataset.status = status.status;
    document.getElementById("flows").querySelector(".body").replaceChildren(flowsView(status));
    const queues = document.getElementById("queues").querySelector(".body");
    queues.replaceChildren(...queuesView(status, letters.failed ? undefined : letters));
    if (letters.failed) queues.append(h("p", { class: "error" }, letters.failed));
    document.getElementById("sections").replaceChildren(
      ...sectionCards(status, {
        settlements: settlements.failed ? undefined : settlements,
        returns: returns.failed ? undefined : returns,
      }),
    );
    const failed = [letters, settlements, returns].filter((r) => r.failed).map((r) => r.failed);
    if (failed.length) say(failed.join("; "));
    const updated = document.getElementById("updated");
    updated.textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
    updated.dateTime = new Date().toISOString();
    document.body.dataset.loaded = "true";
  } catch (err) {
    say(`refresh failed: ${err.message} (retrying in ${REFRESH_MS / 1000} s)`);
  } finally {
    timer = setTimeout(refresh, REFRESH_MS);
  }
}

refresh();
