import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");

function run(args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    // What bin/d365-amazon.js runs when there is no build; always the current source (a dist/ may be stale).
    const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "src", "cli.ts"), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 170_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm start --once", () => {
  it("starts storage, both simulators and every function, runs each timer once, settles the work and prints one JSON summary", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "start-once-"));
    try {
      const { code, stdout, stderr } = await run(["start", "--once", "--json", "--timeout", "150"], {
        // the test run's Azurite (test/setup/global.ts); the simulators and the host on free ports
        STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
        LOCAL_DATA_DIR: dataDir,
        // own tables, so other tests sharing the Azurite cannot change what this run counts
        STATE_TABLE_PREFIX: `once${Date.now().toString(36)}`,
        LOCAL_HTTP_PORT: "0",
        D365_SIM_PORT: "0",
        SPAPI_SIM_PORT: "0",
        SIM_TIME_SCALE: "60",
        LOCAL_DURABLE_TIME_SCALE: "1000",
      });
      let summary: Record<string, unknown>;
      try {
        summary = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        throw new Error(`stdout is not one JSON document (exit ${code}):\n${stdout.slice(0, 2000)}\nstderr:\n${stderr.slice(-4000)}`);
      }
      const endpoints = summary.endpoints as Record<string, string>;
      expect(endpoints.d365).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(endpoints.spapi).toMatch(/^https:\/\/localhost:\d+$/);
      expect(endpoints.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);
      expect(stderr).toContain("D365 simulator");
      const timers = summary.timers as { function: string; ok: boolean; error?: string }[];
      expect(
        timers.filter((t) => !t.ok),
        stderr.slice(-4000),
      ).toEqual([]);
      expect(summary.failures, stderr.slice(-4000)).toEqual([]);
      expect(summary.deadLettered).toEqual([]);
      expect(summary.ok).toBe(true);
      expect(code).toBe(0);
      // What a user checks: the seeded orders reached D365, the ones that must wait or need a mapping say so,
      // and every seeded settlement's journal was created, verified and released to the posting job.
      const status = summary.status as {
        sections: Record<string, { total: number; byStatus: Record<string, number> }> & {
          fulfillment: { mcf: { total: number; byStatus: Record<string, number> }; shipments: { total: number } };
          inventory: any;
        };
        parkedTotal: number;
      };
      const orders = status.sections.orders;
      expect(orders.byStatus.complete).toBeGreaterThan(20);
      expect(orders.byStatus.waiting).toBeGreaterThan(0);
      expect(orders.byStatus["needs-mapping"]).toBeGreaterThan(0);
      // The demo company's MCF orders: two sent to Amazon, one waiting for its confirmation, three for a person
      // (an unfulfillable item, a refused address, no lines); FBM confirmations are reported too.
      const mcf = status.sections.fulfillment.mcf;
      expect(mcf.total).toBe(6);
      expect(mcf.byStatus.waiting).toBe(1);
      expect(mcf.byStatus["needs-attention"]).toBe(3);
      expect((mcf.byStatus.sent ?? 0) + (mcf.byStatus.shipping ?? 0) + (mcf.byStatus.complete ?? 0)).toBe(2);
      expect(status.sections.fulfillment.shipments.total).toBe(0);
      // The seeded returns became D365 return orders, except the one with a reason missing from mappings/returns.json.
      const returns = status.sections.returns;
      expect(returns.byStatus.imported).toBeGreaterThanOrEqual(9);
      expect(returns.byStatus["needs-mapping"]).toBe(1);
      expect(status.sections.settlements).toEqual({ total: 6, byStatus: { created: 6 }, needsAttention: [], reports: [] });
      // The D365 products in their marketplaces' listings; the incomplete earbuds (US, DE) and the blocked keyboard
      // listing (US) wait for a person.
      const products = status.sections.products;
      expect(products.total).toBe(38);
      expect(products.byStatus).toEqual({ published: 35, review: 3 });
      // Inventory: every FBM SKU pushed by patch in each marketplace; FBA reconciled with the two seeded differences.
      // The push (its timer runs before the products sync) is refused the seeded blocked listing (US) and the three
      // products of the cross-reference that the products flow has not listed yet (in each marketplace).
      const inventory = status.sections.inventory;
      expect(inventory.push.outcome).toBe("succeeded");
      const pushed = inventory.push.marketplaces.map((m: { path: string; accepted: number; refused: number }) => [
        m.path,
        m.accepted,
        m.refused,
      ]);
      expect(pushed).toEqual([
        ["patch", 3, 4],
        ["patch", 4, 3],
        ["patch", 4, 3],
      ]);
      expect(inventory.discrepancies).toBe(2);
      // Parked: the orders and returns that need a mapping, the products in review, and the FBM quantities Amazon refused.
      // And the MCF orders that need attention.
      const review = orders.byStatus["needs-mapping"] + returns.byStatus["needs-mapping"] + products.byStatus.review;
      expect(status.parkedTotal).toBe(review + mcf.byStatus["needs-attention"] + 10);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it("prints one readable line per event and no raw JSON without --json (metrics go to telemetry)", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "start-once-text-"));
    try {
      const { code, stdout, stderr } = await run(["start", "--once", "--timeout", "150"], {
        STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING,
        LOCAL_DATA_DIR: dataDir,
        STATE_TABLE_PREFIX: `text${Date.now().toString(36)}`,
        LOCAL_HTTP_PORT: "0",
        D365_SIM_PORT: "0",
        SPAPI_SIM_PORT: "0",
        SIM_TIME_SCALE: "60",
        LOCAL_DURABLE_TIME_SCALE: "1000",
        NO_COLOR: "1",
      });
      expect(code, stderr.slice(-2000)).toBe(0);
      const lines = stdout.split("\n");
      expect(
        lines.filter((l) => /^\s*[[{]|\{"(metric|event|level|message)"/.test(l)),
        "raw JSON on stdout",
      ).toEqual([]);
      const events = lines.filter((l) => /^\d\d:\d\d:\d\d /.test(l));
      expect(
        events.some((l) => /^\d\d:\d\d:\d\d orders +order \d{3}-\d{7}-\d{7} imported as SO \d+ \(\d+ lines?\)$/.test(l)),
        events.join("\n"),
      ).toBe(true);
      expect(events.some((l) => /settlements +settlement \d+ created as journal \d+ \(\d+ lines\), balanced$/.test(l))).toBe(true);
      expect(events.some((l) => /needs a mapping/.test(l))).toBe(true);
      // Inventory: the timer's push and the refused FBM quantity, and the FBA reconciliation's seeded differences.
      expect(events.some((l) => /inventory +inventory push \(timer\) succeeded: ATVPDKIKX0DER \d+ changed by patch/.test(l))).toBe(true);
      expect(events.some((l) => /inventory +SKU DEMO-KEYBOARD-DE refused by Amazon in ATVPDKIKX0DER \(90000900\): parked/.test(l))).toBe(
        true,
      );
      expect(events.some((l) => /inventory +FBA reconciliation succeeded: .*1 discrepancy/.test(l))).toBe(true);
      expect(stdout).toContain("summary: OK");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it("d365-amazon sim prints both simulators' addresses and stops cleanly on Ctrl-C", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "sim-"));
    try {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "src", "cli.ts"), "sim", "--json"], {
        cwd: root,
        env: { ...process.env, D365_SIM_PORT: "0", SPAPI_SIM_PORT: "0", LOCAL_DATA_DIR: dataDir },
      });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const deadline = Date.now() + 30_000;
      while (!stdout.includes("\n") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const urls = JSON.parse(stdout.trim()) as { d365: string; spapi: string };
      expect(urls.d365).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(urls.spapi).toMatch(/^https:\/\/localhost:\d+$/);
      const token = await fetch(`${urls.d365}/data/$metadata`).catch(() => undefined);
      expect(token).toBeDefined(); // the D365 simulator answers on its address
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
