import { describe, expect, it } from "vitest";
import { StateOrderLedger } from "../../../src/flows/orders/ledger";
import { summarizeOrderLedger } from "../../../src/flows/orders/status-page";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { buildStatus } from "../../../src/platform/operations";
import type { MessageBus } from "../../../src/platform/ports";
import { MappingGapError } from "../../../src/platform/errors";
import { statusSections } from "../../../src/wiring/operations";

const quietBus: MessageBus = {
  send: async () => undefined,
  peekDeadLetters: async () => [],
  removeDeadLetter: async () => false,
};

async function seedLedger(state: MemoryStateStore) {
  const ledger = new StateOrderLedger(state);
  const now = new Date("2026-11-20T10:00:00Z");
  for (const id of ["111-0000001-0000001", "111-0000001-0000002", "111-0000001-0000003"]) {
    const s = await ledger.begin(id, now, 60_000);
    await s.finish({ status: "complete", salesOrderNumber: `SO-${id.slice(-1)}` });
  }
  const waiting = await ledger.begin("111-0000001-0000004", now, 60_000);
  await waiting.finish({ status: "waiting" });
  const gap = await ledger.begin("111-0000001-0000005", now, 60_000);
  await gap.fail(new MappingGapError("order.unknownSku", "SKU UNMAPPED-GADGET-01 has no ItemNumber"));
}

describe("the orders section of the status page", () => {
  it("counts orders by ledger status, so an admin sees what is done, what waits and what needs a mapping", async () => {
    const state = new MemoryStateStore();
    await seedLedger(state);
    const report = await buildStatus({ state, bus: quietBus, queues: ["order-import"], sections: statusSections });
    // The order parked for a mapping stays handed over (not applied) until a person replays it.
    expect(report.sections.orders).toEqual({
      total: 5,
      byStatus: { complete: 3, waiting: 1, "needs-mapping": 1 },
      partial: false,
      handedOverOpen: 1,
    });
  });

  it("says the counts are partial when the ledger is larger than the page reads", async () => {
    const state = new MemoryStateStore();
    await seedLedger(state);
    const summary = await summarizeOrderLedger(state, 2);
    expect(summary.partial).toBe(true);
    expect(summary.total).toBe(2);
  });
});

describe("the settlements section of the status page", () => {
  it("counts settlements by state, so finance sees what is created and what waits, and lists what needs a person", async () => {
    const { summarizeSettlements } = await import("../../../src/flows/settlements/status-page");
    const { updateSettlementRecord } = await import("../../../src/flows/settlements/settlement-records");
    const state = new MemoryStateStore();
    expect(await summarizeSettlements(state)).toEqual({ total: 0, byStatus: {}, needsAttention: [], reports: [] });
    const record =
      (settlementId: string, status: "created" | "needs-mapping", reasons: string[] = []) =>
      () => ({
        settlementId,
        status,
        instanceId: `settlement-${settlementId}`,
        createdAt: "2026-11-20T10:00:00.000Z",
        anomalies: [],
        unmapped: [],
        reasons,
      });
    await updateSettlementRecord(state, "24000042001", record("24000042001", "created") as never);
    await updateSettlementRecord(state, "24000042002", record("24000042002", "created") as never);
    await updateSettlementRecord(state, "24000042003", record("24000042003", "needs-mapping", ["1 combination has no rule"]) as never);
    expect(await summarizeSettlements(state)).toEqual({
      total: 3,
      byStatus: { created: 2, "needs-mapping": 1 },
      needsAttention: [{ settlementId: "24000042003", status: "needs-mapping", reason: "1 combination has no rule" }],
      reports: [],
    });
  });
});
