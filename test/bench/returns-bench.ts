/**
 * Returns benchmark: N Amazon returns (default 1,000; half FBA, half FBM, each with its refund) of N shipped
 * orders whose sales orders D365 has, read by the returns sync's own steps (reports requested per marketplace,
 * polled, stored, read; refunds of the window; matching; enqueue) and imported through the real adapters into
 * the D365 simulator, with the SP-API simulator enforcing Amazon's quotas at a time scale that keeps the run
 * short (the counts do not depend on it). Counts SP-API calls and D365 requests, then runs the sync again
 * over the same window (the duplicate pass: nothing may be created).
 *
 *   npx tsx test/bench/returns-bench.ts [--returns N] [--time-scale 1000] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SharedRateLimiter, SpApiClient, overrideAgentFor } from "../../src/amazon";
import { SimulatorCredential } from "../../src/d365/auth";
import { D365Connector } from "../../src/d365/index";
import { importReturn, type ReturnImportMessage } from "../../src/flows/returns/import-return";
import type { ImportReturnDeps, SyncDeps } from "../../src/flows/returns/ports";
import {
  enqueueStep,
  matchStep,
  mcfReturnsStep,
  readReportStep,
  refundsStep,
  reportStatusStep,
  requestReportStep,
  storeReportStep,
} from "../../src/flows/returns/sync";
import { startD365Simulator } from "../../src/local/d365-sim";
import { DEMO_PRODUCTS } from "../../src/local/demo-catalog";
import { startSpApiSimulator } from "../../src/local/spapi-sim";
import { Mappings } from "../../src/mapping/mappings";
import { resolveMappingsDir } from "../../src/mapping/mappings-dir";
import { ReturnMappings } from "../../src/mapping/returns";
import { systemClock } from "../../src/platform/clock";
import { MemoryStateStore } from "../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../src/platform/ports";
import { silentTelemetry } from "../../src/platform/telemetry";
import { spApiMcfReturns, spApiRefunds, spApiReturnsReports } from "../../src/wiring/adapters/amazon-returns";
import { ODataReturnOrders } from "../../src/wiring/adapters/d365-return-orders";
import { MemoryBlobStore } from "../fixtures/settlements/fakes";

export interface ReturnsBenchResult {
  returns: number;
  timeScale: number;
  /** Return orders D365 has at the end (= returns). */
  returnOrders: number;
  /** Returns whose refund was matched (= returns). */
  refunded: number;
  spapiCalls: Record<string, number>;
  spapiCallsPer1000Returns: number;
  spapiThrottled: number;
  d365Requests: Record<string, number>;
  d365RequestsPerReturn: number;
  /** The same sync again over the same window: calls, requests, and return orders created (must be 0). */
  duplicatePass: { spapiCalls: number; d365Requests: number; returnOrdersCreated: number };
  seconds: number;
}

class QueueBus implements MessageBus {
  readonly queue: OutgoingMessage[] = [];
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    this.queue.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

const MARKETS = [
  { id: "ATVPDKIKX0DER", customer: "AMZ-US", currency: "USD" },
  { id: "A1F83G8C2ARO7P", customer: "AMZ-UK", currency: "GBP" },
  { id: "A1PA6795UKMFR9", customer: "AMZ-DE", currency: "EUR" },
];

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

export async function runReturnsBench(opts: { returns: number; timeScale: number }): Promise<ReturnsBenchResult> {
  const d365Sim = await startD365Simulator({ port: 0, seed: 1 });
  const dataDir = mkdtempSync(join(tmpdir(), "returns-bench-"));
  const spapi = await startSpApiSimulator({ port: 0, seed: 1, timeScale: opts.timeScale, dataDir });
  try {
    // N shipped orders, each with one return and its refund; D365 has their sales orders (seeded directly: the
    // orders flow's cost is its own benchmark's).
    spapi.sim.data.orders.length = 0;
    const returnedAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const headers: Record<string, unknown>[] = [];
    const lines: Record<string, unknown>[] = [];
    for (let i = 0; i < opts.returns; i++) {
      const fba = i % 2 === 0;
      const mp = MARKETS[i % 3]!;
      const pool = DEMO_PRODUCTS.filter((p) => p.fba === fba);
      const product = pool[i % pool.length]!;
      const order = spapi.sim.addOrder({
        marketplaceId: mp.id,
        status: "Shipped",
        fulfillmentChannel: fba ? "AFN" : "MFN",
        items: [{ sku: product.sku, quantity: 1 + (i % 2), shippingPrice: "0.00" }],
      });
      spapi.sim.returns.add({ channel: fba ? "FBA" : "FBM", amazonOrderId: order.amazonOrderId, refund: true, returnDate: returnedAt });
      const so = `B${String(i).padStart(7, "0")}`;
      headers.push({
        dataAreaId: "usmf",
        SalesOrderNumber: so,
        CustomersOrderReference: order.amazonOrderId,
        OrderingCustomerAccountNumber: mp.customer,
        InvoiceCustomerAccountNumber: mp.customer,
        CurrencyCode: mp.currency,
        DefaultShippingSiteId: fba ? "FBA" : "1",
        DefaultShippingWarehouseId: fba ? `FBA-${mp.customer.slice(4)}` : "11",
        SalesOrderStatus: "Backorder",
      });
      lines.push({
        dataAreaId: "usmf",
        SalesOrderNumber: so,
        InventoryLotId: `BENCH-${i}`,
        LineNumber: 1,
        ItemNumber: product.itemNumber,
        OrderedSalesQuantity: 1 + (i % 2),
        SalesPrice: 10,
        SalesUnitSymbol: "ea",
      });
    }
    d365Sim.seedRows("SalesOrderHeadersV4", headers);
    d365Sim.seedRows("SalesOrderLinesV3", lines);
    // The refunds were posted "now"; Finances serves only what is older than two minutes: let ten pass.
    spapi.sim.advance(10 * 60_000);

    const state = new MemoryStateStore();
    const amazon = new SpApiClient({
      region: "na",
      sellerId: "A2DEMOSELLER01",
      credentials: async () => ({
        clientId: "amzn1.application-oa2-client.demo",
        clientSecret: "fake-secret",
        refreshToken: "Atzr|fake-refresh-token",
      }),
      limiter: new SharedRateLimiter({ state, clock: systemClock }),
      clock: systemClock,
      agent: overrideAgentFor(spapi.url, spapi.caFile),
      maxRetries: 5,
      useRdt: false,
      backoffBaseMs: 20,
      timeoutMs: 30_000,
    });
    const d365 = new D365Connector({
      baseUrl: d365Sim.url,
      credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "bench", "fake-secret"),
      company: "usmf",
      batchSize: 100,
      maxRetries: 5,
      timeoutMs: 30_000,
    });
    await d365.token();
    const bus = new QueueBus();
    const mappingsDir = resolveMappingsDir("mappings");
    const syncDeps: SyncDeps = {
      reports: spApiReturnsReports(amazon),
      refunds: spApiRefunds(amazon),
      mcf: spApiMcfReturns(amazon),
      state,
      blobs: new MemoryBlobStore(),
      bus,
      queue: "return-import",
      clock: systemClock,
      log: silentTelemetry,
      reviewAfterDays: 14,
    };
    const importDeps: ImportReturnDeps = {
      d365: new ODataReturnOrders(d365),
      state,
      mappings: Mappings.load(mappingsDir),
      returnMappings: () => ReturnMappings.load(mappingsDir),
      bus,
      queue: "return-import",
      clock: systemClock,
      log: silentTelemetry,
      orderWaitMinutes: 0,
    };
    const from = new Date(Date.now() - 20 * 60_000).toISOString();

    let matched: Awaited<ReturnType<typeof matchStep>> | undefined;
    /** One sync as the orchestration runs it, then every enqueued import (8 at a time). */
    const syncOnce = async () => {
      const to = new Date(spapi.sim.now().getTime() - 3 * 60_000).toISOString();
      const requested = [];
      for (const kind of ["fba", "fbm"] as const)
        for (const m of MARKETS) requested.push(await requestReportStep({ kind, marketplaceId: m.id, from, to }, syncDeps));
      for (const r of requested) {
        for (;;) {
          const s = await reportStatusStep({ reportId: r.reportId }, syncDeps);
          if (s.processingStatus === "DONE" && s.reportDocumentId) {
            const stored = await storeReportStep({ reportId: r.reportId, reportDocumentId: s.reportDocumentId }, syncDeps);
            await readReportStep({ ...r, blobName: stored.blobName }, syncDeps);
            break;
          }
          await new Promise((res) => setTimeout(res, 60_000 / opts.timeScale));
        }
      }
      await mcfReturnsStep({ since: from }, syncDeps);
      await refundsStep({ from, to }, syncDeps);
      const at = new Date().toISOString();
      matched = await matchStep({ at }, syncDeps);
      await enqueueStep({ at }, syncDeps);
      const work = bus.queue.splice(0);
      const worker = async () => {
        for (let m = work.shift(); m; m = work.shift()) await importReturn(m.body as ReturnImportMessage, importDeps);
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    };

    const started = Date.now();
    d365Sim.clearRequests();
    const spapiBefore = spapi.sim.requestCounts();
    await syncOnce();
    const seconds = (Date.now() - started) / 1000;
    const after = spapi.sim.requestCounts();
    const spapiCalls = diff(after.counts, spapiBefore.counts);
    const d365Requests = { ...d365Sim.requests().counts };
    delete d365Requests["token POST"];
    const returnOrders = d365Sim.rows("ReturnOrderHeadersV2", "usmf").length;

    d365Sim.clearRequests();
    const before2 = spapi.sim.requestCounts();
    await syncOnce();
    const dupD365 = { ...d365Sim.requests().counts };
    delete dupD365["token POST"];
    const dupSpapi = diff(spapi.sim.requestCounts().counts, before2.counts);

    const total = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    return {
      returns: opts.returns,
      timeScale: opts.timeScale,
      returnOrders,
      refunded: matched?.refunded ?? 0,
      spapiCalls,
      spapiCallsPer1000Returns: (total(spapiCalls) * 1000) / opts.returns,
      spapiThrottled: total(diff(after.throttled, spapiBefore.throttled)),
      d365Requests,
      d365RequestsPerReturn: total(d365Requests) / opts.returns,
      duplicatePass: {
        spapiCalls: total(dupSpapi),
        d365Requests: total(dupD365),
        returnOrdersCreated: d365Sim.rows("ReturnOrderHeadersV2", "usmf").length - returnOrders,
      },
      seconds,
    };
  } finally {
    await spapi.stop();
    await d365Sim.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function diff(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) > 0) out[k] = v - (before[k] ?? 0);
  return out;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  runReturnsBench({ returns: arg(argv, "--returns", 1000), timeScale: arg(argv, "--time-scale", 1000) }).then(
    (r) => {
      if (argv.includes("--json")) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        process.stdout.write(
          `${r.returns} returns -> ${r.returnOrders} return orders, ${r.refunded} refunds matched, in ${r.seconds.toFixed(1)} s\n` +
            `SP-API calls per 1,000 returns: ${r.spapiCallsPer1000Returns.toFixed(1)} (${JSON.stringify(r.spapiCalls)}, throttled ${r.spapiThrottled})\n` +
            `D365 requests per return: ${r.d365RequestsPerReturn.toFixed(2)} (${JSON.stringify(r.d365Requests)})\n` +
            `duplicate pass: ${JSON.stringify(r.duplicatePass)}\n`,
        );
      }
    },
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
}
