/**
 * The two timers of the flow: safety nets beside the business events and notifications, which can be lost
 * (or never configured).
 *
 * - catchUpFulfillment (D365 side): the ready MCF orders of every configured legal entity that Amazon does
 *   not have yet (no record, or waiting), and the packing slips of Amazon FBM orders posted since the last
 *   run that the ledger has not confirmed, each become a request on the fulfillment queue.
 * - monitorMcfOrders (Amazon side): one listing of the MCF orders Amazon changed since the last run, plus the
 *   open records that are due (each waits longer while nothing changes), each become an "mcf-sync" request.
 *
 * Requests carry stable message ids (the order and the run's watermark), so a second timer run inside
 * Service Bus' duplicate-detection window adds nothing.
 */
import type { FulfillmentFile } from "../../mapping/fulfillment";
import type { Clock } from "../../platform/clock";
import type { MessageBus } from "../../platform/ports";
import { getWatermark, setWatermark, startRun } from "../../platform/run-records";
import type { StateStore } from "../../platform/ports";
import type { Telemetry } from "../../platform/telemetry";
import type { McfRecords } from "./mcf-records";
import type { AmazonMcf, D365Fulfillment } from "./ports";
import { enqueueFulfillment } from "./requests";
import { DONE_PACKAGE, type ShipmentLedger } from "./shipment-ledger";

export interface SafetyNetDeps {
  amazon: AmazonMcf;
  d365: D365Fulfillment;
  records: McfRecords;
  ledger: ShipmentLedger;
  rules: FulfillmentFile;
  bus: MessageBus;
  queue: string;
  state: StateStore;
  clock: Clock;
  telemetry: Telemetry;
}

const AMAZON_ORDER_ID = /^\d{3}-\d{7}-\d{7}$/;
const OVERLAP_MS = 10 * 60_000;

export interface CatchUpResult {
  mcf: { candidates: number; enqueued: number };
  shipments: { packingSlips: number; enqueued: number };
}

export async function catchUpFulfillment(deps: SafetyNetDeps): Promise<CatchUpResult> {
  const run = await startRun(deps.state, { flow: "fulfillment-catchup" }, deps.clock);
  const result: CatchUpResult = { mcf: { candidates: 0, enqueued: 0 }, shipments: { packingSlips: 0, enqueued: 0 } };
  try {
    if (deps.rules.mcf.enabled) {
      for (const rule of deps.rules.mcf.legalEntities) {
        const candidates = await deps.d365.findOpenOrders({
          company: rule.dataAreaId,
          warehouses: rule.warehouses,
          modesOfDelivery: Object.keys(rule.modesOfDelivery),
          processingStatuses: rule.readyWhen.processingStatuses,
        });
        result.mcf.candidates += candidates.length;
        for (const c of candidates) {
          const rec = await deps.records.getByOrder(c.company, c.salesOrderNumber);
          // Amazon has it, or a person must act first: not the safety net's business.
          if (rec && !["queued", "waiting", "creating"].includes(rec.status)) continue;
          await enqueueFulfillment(
            deps,
            { kind: "order", company: c.company, salesOrderNumber: c.salesOrderNumber, intent: "mcf", source: "catch-up" },
            `catch-up:${c.company}/${c.salesOrderNumber}`,
          );
          result.mcf.enqueued++;
        }
      }
    }
    if (deps.rules.shipments.enabled) {
      const started = deps.clock.now();
      const since =
        (await getWatermark(deps.state, "fbm-catchup")) ??
        new Date(started.getTime() - deps.rules.shipments.initialLookbackDays * 86_400_000);
      const slips = await deps.d365.packingSlipsPostedSince(new Date(since.getTime() - OVERLAP_MS));
      const amazon = slips.filter((s) => AMAZON_ORDER_ID.test(s.customersOrderReference ?? ""));
      result.shipments.packingSlips = amazon.length;
      const byOrder = new Map<string, typeof amazon>();
      for (const s of amazon)
        byOrder.set(`${s.company}|${s.salesOrderNumber}`, [...(byOrder.get(`${s.company}|${s.salesOrderNumber}`) ?? []), s]);
      for (const list of byOrder.values()) {
        const first = list[0]!;
        const entries = await deps.ledger.entries(first.customersOrderReference!);
        const open = list.some(
          (s) =>
            !entries.some(
              (e) =>
                e.packingSlipNumber.toUpperCase() === s.packingSlipNumber.toUpperCase() &&
                (DONE_PACKAGE.includes(e.status) || e.status === "needs-attention"),
            ),
        );
        if (!open) continue;
        await enqueueFulfillment(
          deps,
          { kind: "order", company: first.company, salesOrderNumber: first.salesOrderNumber, intent: "shipments", source: "catch-up" },
          `catch-up:${first.company}/${first.salesOrderNumber}:${list.map((s) => s.packingSlipNumber).join(",")}`,
        );
        result.shipments.enqueued++;
      }
      await setWatermark(deps.state, "fbm-catchup", undefined, started);
    }
    await run.finish({
      outcome: "succeeded",
      counts: {
        mcfCandidates: result.mcf.candidates,
        mcfEnqueued: result.mcf.enqueued,
        packingSlips: result.shipments.packingSlips,
        shipmentsEnqueued: result.shipments.enqueued,
      },
    });
    return result;
  } catch (err) {
    await run.finish({ outcome: "failed", error: err });
    throw err;
  }
}

export interface MonitorResult {
  changedAtAmazon: number;
  due: number;
  enqueued: number;
}

export async function monitorMcfOrders(deps: SafetyNetDeps): Promise<MonitorResult> {
  const run = await startRun(deps.state, { flow: "mcf-monitor" }, deps.clock);
  try {
    const started = deps.clock.now();
    const open = await deps.records.open();
    const result: MonitorResult = { changedAtAmazon: 0, due: 0, enqueued: 0 };
    if (open.length === 0) {
      await run.finish({ outcome: "skipped", counts: { open: 0 } });
      return result;
    }
    const since = (await getWatermark(deps.state, "mcf-monitor")) ?? new Date(started.getTime() - 86_400_000);
    const changed = await deps.amazon.listUpdatedSince(new Date(since.getTime() - OVERLAP_MS));
    const openIds = new Map(open.map((o) => [o.sellerFulfillmentOrderId, o]));
    const toSync = new Map<string, string>();
    for (const c of changed) {
      if (!openIds.has(c.sellerFulfillmentOrderId)) continue;
      const rec = await deps.records.get(c.sellerFulfillmentOrderId);
      if (rec && rec.amazonStatus !== c.status) {
        toSync.set(c.sellerFulfillmentOrderId, `${c.status}@${c.statusUpdatedAt ?? started.toISOString()}`);
        result.changedAtAmazon++;
      }
    }
    for (const o of open) {
      if (Date.parse(o.nextCheckAt) <= started.getTime() && !toSync.has(o.sellerFulfillmentOrderId)) {
        toSync.set(o.sellerFulfillmentOrderId, `due@${o.nextCheckAt}`);
        result.due++;
      }
    }
    for (const [id, stamp] of toSync) {
      await enqueueFulfillment(deps, { kind: "mcf-sync", sellerFulfillmentOrderId: id, source: "monitor" }, `monitor:${id}:${stamp}`);
      result.enqueued++;
    }
    await setWatermark(deps.state, "mcf-monitor", undefined, started);
    await run.finish({
      outcome: "succeeded",
      counts: { open: open.length, changedAtAmazon: result.changedAtAmazon, due: result.due, enqueued: result.enqueued },
    });
    return result;
  } catch (err) {
    await run.finish({ outcome: "failed", error: err });
    throw err;
  }
}
