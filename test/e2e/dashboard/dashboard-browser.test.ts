/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium` package, driven by puppeteer-core;
 * `.ci/run` installs it when missing) opens GET /api/dashboard on the local host after the demo ran once
 * (with SETTLEMENT_REQUIRE_APPROVAL, so the demo's settlements wait for finance), and a user's checks are made
 * against the JSON API: the order counts by status, each settlement's status, a parked message's reason and
 * suggested fix, the flows' last runs. Then Replay on a parked message and Approve on a settlement, each
 * checked through the API; the page refreshes by itself without moving anything, and every call it makes
 * carries the function key it was opened with (?code=, sent on as x-functions-key). The screenshot goes to test/artifacts/dashboard.png.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import puppeteer from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoHost, startDemoHost } from "./demo-host";

// The callbacks given to page.evaluate / $eval / waitForFunction run in the browser; the project compiles
// without the DOM library, so its globals are declared loosely here.
declare const document: any;
declare const window: any;

const ARTIFACTS = join(__dirname, "..", "..", "artifacts");
const KEY = "fake-function-key-for-the-dashboard";

/** The system's Chromium: $CHROMIUM_PATH, else chromium / chromium-browser on the PATH. */
function findChromium(): string | undefined {
  const given = process.env.CHROMIUM_PATH;
  if (given) return existsSync(given) ? given : undefined;
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      const found = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
      if (found) return found;
    } catch {
      // not on the PATH
    }
  }
  return undefined;
}

let demo: DemoHost;
let browser: Browser;
let page: Page;
const apiCalls: { url: string; key?: string }[] = [];

async function api(path: string, init?: RequestInit): Promise<any> {
  const res = await fetch(`${demo.host.url}/api/${path}`, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** Waits until the page drew a refresh that started after now (its "updated" time changed). */
async function nextRefresh(): Promise<void> {
  const before = await page.$eval("#updated", (el) => el.getAttribute("datetime"));
  await page.waitForFunction((b) => document.getElementById("updated")!.getAttribute("datetime") !== b, { timeout: 15_000 }, before);
}

/** The text a user reads in the element (the rendered text, white space collapsed). */
// biome-ignore lint/performance/useDomNodeTextContent: the rendered text (with the layout's line breaks) is what a user reads
const text = async (selector: string) => (await page.$eval(selector, (el) => (el as any).innerText)).replace(/\s+/g, " ").trim();

beforeAll(async () => {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error(
      "Headless Chromium was not found (looked for $CHROMIUM_PATH, chromium and chromium-browser on the PATH). " +
        "Install Debian's chromium package: sudo apt-get install -y chromium (.ci/run does it when it is missing).",
    );
  }
  const [started, launched] = await Promise.all([
    startDemoHost({ SETTLEMENT_REQUIRE_APPROVAL: "true" }),
    puppeteer.launch({
      executablePath,
      headless: true,
      // root in a container has no user namespace for Chromium's sandbox; the page is our own, on loopback
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=en-US"],
    }),
  ]);
  demo = started;
  browser = launched;
  page = await browser.newPage();
  await page.setViewport({ width: 1440, height: 900 });
  await page.emulateTimezone("UTC");
  page.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/")) apiCalls.push({ url: r.url(), key: r.headers()["x-functions-key"] });
  });
  page.on("dialog", (d) => void d.accept());
  await page.evaluateOnNewDocument(() => {
    (window as any).__shift = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries() as any[]) if (!e.hadRecentInput) (window as any).__shift += e.value;
    }).observe({ type: "layout-shift", buffered: true } as any);
  });
  await page.goto(`${demo.host.url}/api/dashboard?code=${KEY}&refresh=2`, { waitUntil: "load" });
  await page.waitForSelector("body[data-loaded=true]", { timeout: 20_000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe("the dashboard in headless Chromium, after the demo ran once", () => {
  it("ran the demo: every timer succeeded and nothing failed or dead-lettered", () => {
    expect(demo.timers.filter((t) => !t.ok)).toEqual([]);
    expect(demo.summary.failures).toEqual([]);
    expect(demo.summary.timedOut).toBeUndefined();
  });

  it("is served as one HTML page whose script and style are allowed by its Content-Security-Policy", async () => {
    const res = await fetch(`${demo.host.url}/api/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("content-security-policy")).toMatch(/script-src 'sha256-[^']+'/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<script type="module">');
    expect(await page.title()).toBe("D365 Amazon Connect: dashboard");
  });

  it("shows the orders by status, the flows' last runs and the overall state as the API reports them", async () => {
    const status = await api("status");
    const orders = status.sections.orders.byStatus as Record<string, number>;
    expect(Object.keys(orders).length).toBeGreaterThan(1);
    expect(await text("[data-testid=orders-total]")).toMatch(new RegExp(`^${status.sections.orders.total}\\b`));
    for (const [word, count] of Object.entries(orders)) {
      expect(await text(`[data-testid=orders-by-status] li[data-status="${word}"]`), word).toBe(`${word} ${count}`);
    }
    expect(await text("#overall")).toBe(status.status === "ok" ? "all ok" : status.status);
    for (const flow of status.flows) {
      const row = `[data-testid=flows-table] tr[data-flow="${flow.flow}"][data-scope="${flow.scopes[0].scope}"]`;
      const outcome = flow.scopes[0].lastRun?.outcome ?? "never run";
      expect(await page.$eval(`${row} td:nth-child(3) .badge`, (el) => el.textContent), flow.flow).toBe(outcome);
    }
    // Every section of the status page has a card, including ones the page has no code for.
    for (const name of Object.keys(status.sections)) expect(await page.$(`[data-section="${name}"]`), name).not.toBeNull();
    expect(await text("[data-testid=products-by-status]")).toContain(`published ${status.sections.products.byStatus.published}`);
  });

  it("lists each settlement with its status and reconciliation, and a parked message with its reason and fix", async () => {
    const { settlements } = await api("settlements");
    expect(settlements.length).toBeGreaterThan(0);
    for (const s of settlements) {
      const row = `[data-testid=settlements-table] tr[data-settlement-id="${s.settlementId}"]`;
      expect(await text(`${row} td:nth-child(2)`), s.settlementId).toBe(s.status);
      if (s.reconciled !== undefined) expect(await text(`${row} td:nth-child(5)`)).toBe(s.reconciled ? "reconciled" : "not-reconciled");
    }
    const letters = await api("deadletters");
    expect(letters.parked.length).toBeGreaterThan(0);
    const parked = letters.parked.find((m: any) => m.queue.includes("order")) ?? letters.parked[0];
    const row = `[data-testid=messages-table] tr[data-message-id="${parked.messageId}"]`;
    expect(await text(`${row} td:nth-child(3) .badge`)).toBe(parked.reason);
    expect(await text(`${row} td:nth-child(4)`)).toBe(parked.description);
    expect(await page.$(`${row} button[data-action=replay]`)).not.toBeNull();
    expect(await page.$$eval("[data-testid=messages-table] tbody tr", (rows) => rows.length)).toBe(
      letters.parked.length + letters.deadLettered.length,
    );
    // The returns that need a person, from GET /api/returns?status=review, with what is wrong.
    const review = await api("returns?status=review");
    expect(review.returns.length).toBeGreaterThan(0);
    for (const r of review.returns.slice(0, 20)) {
      const row = `[data-testid=returns-review-table] tr[data-return="${r.key}"]`;
      expect(await text(`${row} td:nth-child(3)`), r.key).toBe(r.status);
      if (r.review) expect(await text(`${row} td:nth-child(4)`)).toBe(r.review.description);
    }
  });

  it("refreshes by itself without layout shift, and every call it makes carries the function key", async () => {
    const before = await page.$eval("main", (el) => el.getBoundingClientRect().height);
    const shiftBefore = await page.evaluate(() => (window as any).__shift as number);
    await nextRefresh();
    await nextRefresh();
    expect(await page.$eval("main", (el) => el.getBoundingClientRect().height)).toBe(before);
    expect(await page.evaluate(() => (window as any).__shift as number)).toBe(shiftBefore);
    expect(await text("#updated")).toMatch(/^\d\d:\d\d:\d\d$/);
    const fetched = apiCalls.filter((c) => !c.url.includes("/api/dashboard"));
    expect(fetched.length).toBeGreaterThan(4);
    for (const c of fetched) expect(c.key, c.url).toBe(KEY);
    // Every call answered: nothing on the notice line says a route failed.
    expect(await text("#notice")).toBe("");
  });

  it("replays a parked message with its Replay button (the API lists the replayed copy instead)", async () => {
    const letters = await api("deadletters");
    const parked = letters.parked.find((m: any) => m.queue.includes("order")) ?? letters.parked[0];
    await page.click(`[data-testid=messages-table] tr[data-message-id="${parked.messageId}"] button[data-action=replay]`);
    await page.waitForFunction(
      (id) => document.getElementById("notice")!.textContent!.includes(`replayed ${id}`),
      { timeout: 15_000 },
      parked.messageId,
    );
    await demo.host.drain({ timeoutMs: 20_000 });
    const after = await api("deadletters");
    const ids = after.parked.map((m: any) => m.messageId);
    expect(ids).not.toContain(parked.messageId);
    // The cause (a missing mapping) is still there, so the replayed copy is parked again under its new id.
    expect(ids).toContain(`${parked.messageId}:replay:1`);
    await nextRefresh();
    expect(await page.$(`[data-testid=messages-table] tr[data-message-id="${parked.messageId}:replay:1"]`)).not.toBeNull();
  });

  it("approves a settlement that waits for approval with its Approve button; the API then says created", async () => {
    const { settlements } = await api("settlements");
    const waiting = settlements.find((s: any) => s.status === "awaiting-approval");
    expect(waiting, "a settlement awaiting approval").toBeDefined();
    const row = `[data-testid=settlements-table] tr[data-settlement-id="${waiting.settlementId}"]`;
    await page.click(`${row} button[data-action=approve]`);
    await page.waitForFunction(
      (id) => document.getElementById("notice")!.textContent!.includes(`approved settlement ${id}`),
      { timeout: 15_000 },
      waiting.settlementId,
    );
    await demo.host.drain({ timeoutMs: 30_000 });
    const after = await api(`settlements/${waiting.settlementId}`);
    expect(after).toMatchObject({ status: "created", approvedBy: "dashboard", reconciled: true });
    await nextRefresh();
    expect(await text(`${row} td:nth-child(2)`)).toBe("created");
    expect(await text(`${row} td:nth-child(8)`)).toBe("dashboard");
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard.png"), fullPage: true });
  });
});
