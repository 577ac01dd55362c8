/**
 * MCF benchmark: N sales orders (default 50, two lines each, mode of delivery MCF-STD) are created and confirmed
 * in the D365 simulator and go through the fulfillment flow's real use cases and adapters until Amazon has
 * delivered every package and D365 has every tracking number — driven the way production drives them:
 * the D365 business events (the demo company's alerts: order created, confirmed, packing slip posted), the
 * SP-API simulator's MCF notifications, D365's "deliver now" packing slip job every simulated minute and the
 * monitor timer every five. Simulated time moves by advance() (15 s steps), so the counts do not depend on the
 * machine. The queue is an in-process list with Service Bus' duplicate detection (by message id).
 *
 * Counted: every SP-API call (the LWA token excluded) and every HTTP request to D365 (the token excluded),
 * from the order's creation in D365 to its last package delivered, per order.
 *
 *   npx tsx test/bench/fulfillment-bench.ts [--orders N] [--mcf-api 2020-07-01|2026-07-04] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SharedRateLimiter, SpApiClient, overrideAgentFor } from "../../src/amazon";
import { SimulatorCredential } from "../../src/d365/auth";
import { D365Connector } from "../../src/d365/index";
import { BusinessEventEnvelope } from "../../src/flows/d365-events/envelope";
import { routeBusinessEvent } from "../../src/flows/d365-events/route-event";
import { type FulfillmentDeps, handleFulfillmentRequest } from "../../src/flows/fulfillment/handle-request";
import { McfRecords } from "../../src/flows/fulfillment/mcf-records";
import { FulfillmentRequest, followMcfOrder } from "../../src/flows/fulfillment/requests";
import { monitorMcfOrders } from "../../src/flows/fulfillment/safety-nets";
import { ShipmentLedger } from "../../src/flows/fulfillment/shipment-ledger";
import { validateNotification } from "../../src/flows/notifications/validate";
import type { SimBusinessEvent } from "../../src/local/d365-sim/business-events";
import { startD365Simulator } from "../../src/local/d365-sim";
import { startSpApiSimulator } from "../../src/local/spapi-sim";
import { CARRIERS_FILE, Carriers, type CarriersFile } from "../../src/mapping/carriers";
import { FULFILLMENT_FILE, type FulfillmentFile } from "../../src/mapping/fulfillment";
import { Mappings } from "../../src/mapping/mappings";
import { resolveMappingsDir } from "../../src/mapping/mappings-dir";
import { ManualClock, systemClock } from "../../src/platform/clock";
import { isRetryable } from "../../src/platform/errors";
import { MemoryStateStore } from "../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../src/platform/ports";
import { silentTelemetry } from "../../src/platform/telemetry";
import { SpApiMcf } from "../../src/wiring/adapters/amazon-mcf";
import { SpApiShipmentConfirmations } from "../../src/wiring/adapters/amazon-shipments";
import { ODataFulfillment } from "../../src/wiring/adapters/d365-fulfillment";

export interface FulfillmentBenchResult {
  orders: number;
  mcfApi: "2020-07-01" | "2026-07-04";
  packages: number;
  complete: number;
  spapiCallsPerOrder: number;
  spapiCalls: Record<string, number>;
  d365RequestsPerOrder: number;
  d365Requests: Record<string, number>;
  businessEvents: number;
  notificationsFollowed: number;
  /** Requests delivered again after a retryable failure (a quota wait): their calls are in the counts. */
  redeliveries: number;
  simulatedMinutes: number;
  seconds: number;
}

/** Service Bus in a list: duplicate detection by message id, scheduled messages come back at their time. */
class ListBus implements MessageBus {
  readonly queue: OutgoingMessage[] = [];
  private readonly seen = new Set<string>();
  async send(_queue: string, messages: OutgoingMessage | OutgoingMessage[]): Promise<void> {
    for (const m of Array.isArray(messages) ? messages : [messages]) {
      if (this.seen.has(m.messageId)) continue;
      this.seen.add(m.messageId);
      this.queue.push(m);
    }
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

export async function runFulfillmentBench(opts: { orders: number; mcfApi?: "2020-07-01" | "2026-07-04" }): Promise<FulfillmentBenchResult> {
  const mcfApi = opts.mcfApi ?? "2020-07-01";
  const dir = mkdtempSync(join(tmpdir(), "fulfillment-bench-"));
  const d365Sim = await startD365Simulator({ port: 0, seed: 21 });
  const spapi = await startSpApiSimulator({ port: 0, seed: 21, timeScale: 1, dataDir: dir });
  const started = Date.now();
  try {
    const clock = new ManualClock(new Date());
    const state = new MemoryStateStore();
    const client = new SpApiClient({
      region: "na",
      sellerId: "A2DEMOSELLER01",
      credentials: async () => ({
        clientId: "amzn1.application-oa2-client.demo",
        clientSecret: "fake-secret",
        refreshToken: "Atzr|fake-refresh-token",
      }),
      // The quota is real time (the simulator enforces Amazon's rates); the flow's own clock is simulated.
      limiter: new SharedRateLimiter({ state: new MemoryStateStore(), clock: systemClock }),
      clock: systemClock,
      agent: overrideAgentFor(spapi.url, spapi.caFile),
      maxRetries: 3,
      useRdt: false,
      timeoutMs: 30_000,
      mcfApi,
    });
    const d365 = new D365Connector({
      baseUrl: d365Sim.url,
      credential: new SimulatorCredential(`${d365Sim.url}/oauth2/token`, "bench", "fake-secret"),
      company: "usmf",
      batchSize: 100,
      maxRetries: 3,
      timeoutMs: 30_000,
    });
    const mappings = Mappings.load(resolveMappingsDir("mappings", __dirname));
    const bus = new ListBus();
    const deps: FulfillmentDeps = {
      amazon: new SpApiMcf(client.mcf),
      shipments: new SpApiShipmentConfirmations(client),
      d365: new ODataFulfillment(d365),
      records: new McfRecords(state, () => clock.now()),
      ledger: new ShipmentLedger(state, () => clock.now()),
      rules: mappings.files.get(FULFILLMENT_FILE) as FulfillmentFile,
      skus: mappings.skuFile,
      marketplaces: mappings.marketplacesFile.marketplaces,
      carriers: new Carriers(mappings.files.get(CARRIERS_FILE) as CarriersFile),
      shipmentsEnabled: true,
      bus,
      state,
      queue: "fulfillment-requests",
      clock,
      telemetry: silentTelemetry,
      monitor: { firstCheckMs: 5 * 60_000, maxIntervalMs: 6 * 3600_000 },
    };
    const events: SimBusinessEvent[] = [];
    d365Sim.businessEvents().subscribe((e) => events.push(e));

    await d365.token(); // per process, not per order
    await client.checkAuth().catch(() => undefined);
    spapi.sim.reset();
    d365Sim.clearRequests();

    // The orders: created over OData as a web shop integration would, then confirmed in D365.
    for (let i = 0; i < opts.orders; i++) {
      const h = d365Sim.create("SalesOrderHeadersV4", {
        dataAreaId: "usmf",
        CustomersOrderReference: `WEB-B${i}`,
        OrderingCustomerAccountNumber: "US-001",
        DefaultShippingWarehouseId: "FBA-US",
        DeliveryModeCode: "MCF-STD",
        IsDeliveryAddressOrderSpecific: "Yes",
        DeliveryAddressName: `Bench Buyer ${i}`,
        DeliveryAddressStreet: `${i} Bench Street`,
        DeliveryAddressCity: "Seattle",
        DeliveryAddressStateId: "WA",
        DeliveryAddressZipCode: "98101",
        DeliveryAddressCountryRegionId: "USA",
        DeliveryAddressCountryRegionISOCode: "US",
      });
      for (const item of ["D0001", "D0004"])
        d365Sim.create("SalesOrderLinesV3", {
          dataAreaId: "usmf",
          SalesOrderNumber: h.SalesOrderNumber,
          ItemNumber: item,
          OrderedSalesQuantity: 1,
        });
      d365Sim.confirmSalesOrder(String(h.SalesOrderNumber));
    }

    let notificationsSeen = 0;
    let notificationsFollowed = 0;
    let eventsSeen = 0;
    let retries = 0;
    const drain = async () => {
      for (;;) {
        for (; eventsSeen < events.length; eventsSeen++) {
          const e = BusinessEventEnvelope.parse(events[eventsSeen]);
          await routeBusinessEvent(e, {
            rules: deps.rules.businessEvents,
            targets: {
              salesOrder: (ref) =>
                bus
                  .send("q", {
                    messageId: `order:event:${ref.eventId}`,
                    body: {
                      kind: "order",
                      company: ref.company,
                      salesOrderNumber: ref.salesOrderNumber,
                      source: "business-event",
                      eventId: ref.eventId,
                    },
                  })
                  .then(() => ({ messageId: "" })),
            },
            state,
            clock,
            telemetry: silentTelemetry,
          });
        }
        const all = spapi.sim.notifications();
        for (; notificationsSeen < all.length; notificationsSeen++) {
          const v = validateNotification(all[notificationsSeen]);
          if (!v.ok || v.value.kind !== "fulfillment-order") continue;
          if (await followMcfOrder(v.value.fulfillmentOrder, v.value.notificationId, { records: deps.records, bus, queue: "q" }))
            notificationsFollowed++;
        }
        const due = bus.queue.filter((m) => !m.scheduledEnqueueTime || m.scheduledEnqueueTime <= clock.now());
        if (due.length === 0) return;
        for (const m of due) {
          bus.queue.splice(bus.queue.indexOf(m), 1);
          try {
            await handleFulfillmentRequest(FulfillmentRequest.parse(m.body), { messageId: m.messageId }, deps);
          } catch (err) {
            // As Service Bus would: a retryable failure (a quota wait ran out) is delivered again.
            if (!isRetryable(err)) throw err;
            retries++;
            bus.queue.push(m);
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      }
    };

    const records = () => deps.records.list();
    const completeCount = async () => {
      let n = 0;
      for await (const r of records()) if (r.status === "complete") n++;
      return n;
    };
    const STEP = 15_000;
    let simulated = 0;
    await drain();
    while ((await completeCount()) < opts.orders && simulated < 4 * 3600_000) {
      spapi.sim.advance(STEP);
      clock.advance(STEP);
      simulated += STEP;
      spapi.sim.tick();
      await drain();
      if (simulated % 60_000 === 0) {
        d365Sim.runDeliverNowBatch();
        await drain();
      }
      if (simulated % 300_000 === 0) {
        await monitorMcfOrders({ ...deps, queue: "q" });
        await drain();
      }
    }

    let packages = 0;
    for await (const r of records()) packages += r.packages.length;
    const spapiCalls = Object.fromEntries(Object.entries(spapi.sim.requestCounts().counts).filter(([k]) => k !== "lwa"));
    const d365Requests = Object.fromEntries(Object.entries(d365Sim.requests().counts).filter(([k]) => !k.startsWith("token")));
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    return {
      orders: opts.orders,
      mcfApi,
      packages,
      complete: await completeCount(),
      spapiCallsPerOrder: sum(spapiCalls) / opts.orders,
      spapiCalls,
      d365RequestsPerOrder: sum(d365Requests) / opts.orders,
      d365Requests,
      businessEvents: events.length,
      notificationsFollowed,
      redeliveries: retries,
      simulatedMinutes: simulated / 60_000,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await spapi.stop();
    await d365Sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  runFulfillmentBench({
    orders: Number(opt("--orders") ?? 50),
    mcfApi: (opt("--mcf-api") as "2026-07-04" | undefined) ?? "2020-07-01",
  }).then(
    (r) => {
      if (args.includes("--json")) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        process.stdout.write(
          `MCF orders: ${r.complete}/${r.orders} delivered (${r.packages} packages, ${r.simulatedMinutes} simulated minutes, ${r.seconds.toFixed(1)} s)\n` +
            `SP-API calls per order: ${r.spapiCallsPerOrder.toFixed(2)}  (${Object.entries(r.spapiCalls)
              .map(([k, v]) => `${k} ${v}`)
              .join(", ")})\n` +
            `D365 requests per order: ${r.d365RequestsPerOrder.toFixed(2)}  (${Object.entries(r.d365Requests)
              .map(([k, v]) => `${k} ${v}`)
              .join(", ")})\n`,
        );
      }
    },
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    },
  );
}
