import iconv from "iconv-lite";
import { beforeEach, describe, expect, it } from "vitest";
import { listReturns } from "../../../src/flows/returns/list-returns";
import type { RefundEvent } from "../../../src/flows/returns/model";
import type { SyncDeps } from "../../../src/flows/returns/ports";
import { ReturnStore } from "../../../src/flows/returns/records";
import { summarizeReturns } from "../../../src/flows/returns/status-page";
import {
  enqueueStep,
  finishStep,
  matchStep,
  RETURNS_FLOW,
  RETURNS_SYNC_INSTANCE,
  readReportStep,
  refundsStep,
  type SyncOptions,
  type SyncStarter,
  startReturnsSync,
  storeReportStep,
} from "../../../src/flows/returns/sync";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { getRun, getWatermark, setWatermark } from "../../../src/platform/run-records";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { anFbaRow, fbaReport } from "./builders";

class RecordingBus implements MessageBus {
  readonly sent: OutgoingMessage[] = [];
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

const NOW = new Date("2026-11-27T12:00:00Z");
let state: MemoryStateStore;
let blobs: MemoryBlobStore;
let bus: RecordingBus;
let clock: ManualClock;
let documents: Map<string, Uint8Array>;
let refunds: RefundEvent[];
let deps: SyncDeps;

beforeEach(() => {
  state = new MemoryStateStore();
  blobs = new MemoryBlobStore();
  bus = new RecordingBus();
  clock = new ManualClock(NOW);
  documents = new Map();
  refunds = [];
  deps = {
    reports: {
      requestReport: async (q) => `R-${q.kind}-${q.marketplaceId}`,
      reportStatus: async () => ({ processingStatus: "DONE", reportDocumentId: "DOC" }),
      downloadReport: async (id) => documents.get(id)!,
    },
    refunds: { refunds: async () => refunds },
    state,
    blobs,
    bus,
    queue: "return-import",
    clock,
    log: new MemoryTelemetry(),
    reviewAfterDays: 14,
  };
});

async function readReport(rows: ReturnType<typeof anFbaRow>[], reportId = "R1") {
  documents.set("DOC", iconv.encode(fbaReport(rows), "win1252"));
  const stored = await storeReportStep({ reportId, reportDocumentId: "DOC" }, deps);
  return readReportStep({ kind: "fba", marketplaceId: "ATVPDKIKX0DER", reportId, blobName: stored.blobName }, deps);
}

describe("the returns sync's steps", () => {
  it("keeps the downloaded report in a blob and reads it from there: the orchestration carries only its name and counts", async () => {
    const outcome = await readReport([
      anFbaRow({ "license-plate-number": "LPN1" }),
      anFbaRow({ "license-plate-number": "LPN2", quantity: "x" }),
    ]);
    expect(outcome).toMatchObject({ status: "read", rows: 2, returns: 1, newReturns: 1, problemCount: 1, problems: [{ line: 3 }] });
    expect(JSON.stringify(outcome).length).toBeLessThan(500);
    const names = [...blobs.blobs.keys()];
    expect(names.some((n) => n.includes("reports/R1/"))).toBe(true);
  });

  it("records each return once across re-runs and overlapping reports", async () => {
    await readReport([anFbaRow({ "license-plate-number": "LPN1" }), anFbaRow({ "license-plate-number": "LPN2" })]);
    const again = await readReport([anFbaRow({ "license-plate-number": "LPN2" }), anFbaRow({ "license-plate-number": "LPN3" })], "R2");
    expect(again).toMatchObject({ returns: 2, newReturns: 1 });
    const all = await listReturns(state, { top: 100 });
    expect(all.returns.map((r) => r.returnId)).toEqual(["LPN1", "LPN2", "LPN3"]);
  });

  it("enqueues every return D365 does not have in full, with one stable message id per return", async () => {
    await readReport([anFbaRow({ "license-plate-number": "LPN1" }), anFbaRow({ "license-plate-number": "LPN2" })]);
    const store = new ReturnStore(state, () => clock.now());
    await store.updateReturn("111-0000001-0000001", "FBA|111-0000001-0000001|LPN2", (r) => ({ ...r, status: "imported" }));
    expect(await enqueueStep({ at: NOW.toISOString() }, deps)).toEqual({ enqueued: 1 });
    await enqueueStep({ at: NOW.toISOString() }, deps);
    expect(bus.sent.map((m) => m.messageId)).toEqual([bus.sent[0]!.messageId, bus.sent[0]!.messageId]);
    expect(bus.sent[0]!.body).toEqual({ amazonOrderId: "111-0000001-0000001", key: "FBA|111-0000001-0000001|LPN1", source: "sync" });
  });

  it("records refunds once and matches them to the returns of their order", async () => {
    await readReport([anFbaRow({ "license-plate-number": "LPN1", quantity: "2", "return-date": "2026-11-20T10:00:00+00:00" })]);
    refunds = [
      {
        key: "refund-1",
        amazonOrderId: "111-0000001-0000001",
        postedDate: "2026-11-18T08:00:00.000Z",
        currency: "USD",
        refundedToBuyer: "-108.22",
        total: "-100.00",
        items: [{ sku: "DEMO-SPEAKER-BLK", quantity: 2, refundedToBuyer: "-108.22" }],
      },
      {
        key: "refund-2",
        amazonOrderId: "999-0000009-0000009",
        postedDate: "2026-11-01T08:00:00.000Z",
        currency: "USD",
        refundedToBuyer: "-5.00",
        total: "-4.00",
        items: [{ sku: "DEMO-HEADPHONES", quantity: 1, refundedToBuyer: "-5.00" }],
      },
    ];
    expect(await refundsStep({ from: "2026-10-01T00:00:00Z", to: NOW.toISOString() }, deps)).toEqual({ read: 2, newRefunds: 2 });
    expect(await refundsStep({ from: "2026-10-01T00:00:00Z", to: NOW.toISOString() }, deps)).toEqual({ read: 2, newRefunds: 0 });
    const m = await matchStep({ at: NOW.toISOString() }, deps);
    expect(m).toEqual({ orders: 2, refunded: 1, awaitingRefund: 0, noRefund: 0, refundsWithoutReturn: 1 });
    const review = await listReturns(state, { status: "review", top: 100 });
    expect(review.returns).toEqual([]);
    expect(review.refunds.map((f) => [f.amazonOrderId, f.state])).toEqual([["999-0000009-0000009", "without-return"]]);
    const refunded = await listReturns(state, { status: "refunded", top: 100 });
    expect(refunded.returns[0]?.refund).toEqual({
      state: "refunded",
      quantity: 2,
      amount: "-108.22",
      currency: "USD",
      postedDates: ["2026-11-18T08:00:00.000Z"],
    });
  });

  it("moves the watermark and records the run only when every report was read", async () => {
    const input = {
      from: "2026-10-28T00:00:00.000Z",
      to: "2026-11-27T11:57:00.000Z",
      refundsFrom: "2026-09-28T00:00:00.000Z",
      marketplaceIds: ["ATVPDKIKX0DER"],
      kinds: ["fba" as const],
      mcf: false,
      pollMs: 60_000,
      maxPolls: 10,
      trigger: "test",
    };
    const output = {
      status: "partial" as const,
      from: input.from,
      to: input.to,
      reports: [{ kind: "fba" as const, marketplaceId: "ATVPDKIKX0DER", reportId: "R1", status: "failed" as const, error: "FATAL" }],
      refunds: { read: 0, newRefunds: 0 },
      matching: { orders: 0, refunded: 0, awaitingRefund: 0, noRefund: 0, refundsWithoutReturn: 0 },
      enqueued: 0,
    };
    await finishStep({ input, output, startedAt: NOW.toISOString() }, deps);
    expect(await getWatermark(state, RETURNS_FLOW)).toBeUndefined();
    expect((await getRun(state, RETURNS_FLOW))?.lastRun?.outcome).toBe("partial");
    await finishStep(
      {
        input,
        output: { ...output, status: "done", reports: [{ ...output.reports[0]!, status: "read", error: undefined }] },
        startedAt: NOW.toISOString(),
      },
      deps,
    );
    expect((await getWatermark(state, RETURNS_FLOW))?.toISOString()).toBe(input.to);
    expect((await summarizeReturns(state)).lastSync).toMatchObject({ status: "done", trigger: "test" });
  });
});

describe("starting a returns sync", () => {
  const options: SyncOptions = {
    marketplaceIds: ["ATVPDKIKX0DER"],
    kinds: ["fba", "fbm"],
    mcf: true,
    initialLookbackDays: 30,
    overlapDays: 3,
    refundLookbackDays: 30,
    pollMs: 60_000,
    maxPolls: 120,
  };
  function starter(status?: string): SyncStarter & { started: unknown[]; purged: number } {
    const s = {
      started: [] as unknown[],
      purged: 0,
      runtimeStatus: async () => status,
      startNew: async (_name: string, _id: string, input: unknown) => {
        s.started.push(input);
      },
      purge: async () => {
        s.purged++;
      },
    };
    return s;
  }

  it("reads 30 days on a first run, refunds 30 days more, up to three minutes ago", async () => {
    const s = starter();
    const outcome = await startReturnsSync({ trigger: "timer" }, s, deps, options);
    expect(outcome.started).toBe(true);
    expect(outcome.instanceId).toBe(RETURNS_SYNC_INSTANCE);
    expect(outcome.input).toMatchObject({
      from: "2026-10-28T12:00:00.000Z",
      to: "2026-11-27T11:57:00.000Z",
      refundsFrom: "2026-09-28T12:00:00.000Z",
    });
  });

  it("then from the watermark less the overlap, refunds from the same time", async () => {
    await setWatermark(state, RETURNS_FLOW, undefined, new Date("2026-11-26T11:57:00Z"));
    const outcome = await startReturnsSync({ trigger: "timer" }, starter("Completed"), deps, options);
    expect(outcome.input).toMatchObject({ from: "2026-11-23T11:57:00.000Z", refundsFrom: "2026-11-23T11:57:00.000Z" });
  });

  it("answers with the running sync instead of starting a second one", async () => {
    const s = starter("Running");
    expect(await startReturnsSync({ trigger: "http", since: new Date("2026-10-01T00:00:00Z") }, s, deps, options)).toEqual({
      instanceId: RETURNS_SYNC_INSTANCE,
      started: false,
    });
    expect(s.started).toEqual([]);
  });
});
