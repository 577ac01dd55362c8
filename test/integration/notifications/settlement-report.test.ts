/**
 * A REPORT_PROCESSING_FINISHED notification for a settlement report, end to end on the local host: the
 * endpoint (POST /api/amazon/notifications, API key) validates it and queues it, the notification router
 * starts the settlement import through the Durable client, and the orchestration posts the journal in the
 * D365 simulator. The same notification again (or the same report under a new notification id) changes nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getSettlementRecord, instanceIdFor, listSettlementRecords } from "../../../src/flows/settlements/settlement-records";
import { startLocalHost, type LocalHost } from "../../../src/local/host";
import { loadAppAsync } from "../../../src/local/registry";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { loadConfig } from "../../../src/wiring/config";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { Dec } from "../../../src/platform/money";
import type { SecretStore } from "../../../src/platform/ports";
import { d365LedgerJournals } from "../../../src/wiring/adapters/ledger-journals";
import { spApiSettlementReports } from "../../../src/wiring/adapters/settlement-reports";
import { createApp, useApp } from "../../../src/wiring/app";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";
import { clientFor, startSim } from "../amazon/sim-client";
import { startHarness, type Harness } from "../d365/harness";

const KEY = "fake-notification-key-settlements";
const secrets: SecretStore = {
  async get(name) {
    if (name === "notification-api-key") return KEY;
    throw new Error(`no secret ${name}`);
  },
  async tryGet(name) {
    return name === "notification-api-key" ? KEY : undefined;
  },
};

let host: LocalHost;
let dir: string;
let d365: Harness;
let amazon: SpApiSimulator;
const state = new MemoryStateStore();

beforeAll(async () => {
  const registrations = await loadAppAsync(async () => {
    await import("../../../src/functions/amazon-notifications");
    await import("../../../src/functions/notification-router");
    await import("../../../src/functions/settlement-orchestration");
  });
  dir = mkdtempSync(join(tmpdir(), "notification-settlement-"));
  [d365, amazon] = await Promise.all([startHarness(), startSim({ timeScale: 1000 })]);
  host = await startLocalHost({
    port: 0,
    registrations,
    dataDir: dir,
    hubName: "NotificationSettlement",
    timeScale: 1000,
    schedules: false,
    busOptions: { timeScale: 1000 },
    log: () => undefined,
    app: false,
  });
  const settlements = { journals: d365LedgerJournals(d365.client), reports: spApiSettlementReports(clientFor(amazon)) };
  useApp(createApp(loadConfig({}), { state, blobs: new MemoryBlobStore(), bus: host.bus, secrets, ports: { settlements } }));
}, 60_000);

afterAll(async () => {
  useApp(undefined);
  await host?.stop();
  await Promise.all([d365?.sim.stop(), amazon?.stop()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sumOf = (xs: unknown[]) => xs.reduce<Dec>((a, b) => a.plus(new Dec(String(b ?? 0))), new Dec(0));

async function post(body: unknown): Promise<Response> {
  return fetch(`${host.url}/api/amazon/notifications`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    body: JSON.stringify(body),
  });
}

/**
 * The simulator publishes REPORT_PROCESSING_FINISHED when a requested report finishes (its seeded settlement
 * reports are scheduled by Amazon, so it publishes none for them). One requested order report gives the
 * notification as the simulator shapes it; the settlement notification is that one with the first seeded
 * settlement report's ids and type in its payload.
 */
async function simulatorNotifications(): Promise<{
  orderReport: Record<string, any>;
  settlement: Record<string, any>;
  reportId: string;
  settlementId: string;
}> {
  const client = clientFor(amazon);
  const orderReportId = await client.createReport({
    reportType: "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    marketplaceIds: ["ATVPDKIKX0DER"],
  });
  amazon.sim.advance(60_000);
  expect((await client.getReport(orderReportId)).processingStatus).toBe("DONE");
  const orderReport = amazon.sim
    .notifications()
    .find(
      (n: Record<string, any>) =>
        n.notificationType === "REPORT_PROCESSING_FINISHED" && n.payload.reportProcessingFinishedNotification.reportId === orderReportId,
    ) as Record<string, any> | undefined;
  expect(orderReport, "the simulator published the order report's notification").toBeDefined();

  const s = amazon.sim.data.settlements[0]!;
  const listed = await spApiSettlementReports(client).listSettlementReports(new Date(0));
  expect(listed.length).toBeGreaterThan(1);
  const report = listed.find((r) => String(r.reportDocumentId).endsWith(`settlement-${s.settlementId}`))!;
  expect(report, "the first seeded settlement's report is listed").toBeDefined();
  const settlement = {
    ...orderReport!,
    payload: {
      reportProcessingFinishedNotification: {
        ...orderReport!.payload.reportProcessingFinishedNotification,
        reportId: report.reportId,
        reportType: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
        processingStatus: "DONE",
        reportDocumentId: report.reportDocumentId,
      },
    },
    notificationMetadata: { ...orderReport!.notificationMetadata, notificationId: "0d4a7c1e-5f1b-4c11-9d35-settlement01" },
  };
  return { orderReport: orderReport!, settlement, reportId: report.reportId, settlementId: s.settlementId };
}

describe("REPORT_PROCESSING_FINISHED for a settlement report on the notification endpoint", () => {
  let seeded: Awaited<ReturnType<typeof simulatorNotifications>>;

  it("completes a finished report of another type without importing anything", async () => {
    seeded = await simulatorNotifications();
    const res = await post(seeded.orderReport);
    expect(res.status).toBe(202);
    const summary = await host.drain({ timeoutMs: 30_000 });
    expect(summary.failures).toEqual([]);
    expect(summary.invocations["notification-router"]).toEqual({ ok: 1, failed: 0 });
    expect(summary.orchestrations.instances).toEqual([]);
    expect(await listSettlementRecords(state)).toEqual([]);
    expect(d365.sim.rows("LedgerJournalHeaders").filter((h) => String(h.Description).startsWith("Amazon settlement"))).toEqual([]);
  });

  it("starts that settlement's import, which posts its balanced journal in D365", async () => {
    const { settlement: notification, settlementId } = seeded;
    const res = await post(notification);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: [{ notificationId: notification.notificationMetadata.notificationId, notificationType: "REPORT_PROCESSING_FINISHED" }],
    });

    const summary = await host.drain({ timeoutMs: 30_000 });
    expect(summary.failures).toEqual([]);
    expect(summary.invocations["notification-router"]).toEqual({ ok: 2, failed: 0 });
    const status = host.durable.getStatus(instanceIdFor(settlementId));
    expect(status?.runtimeStatus, JSON.stringify(status?.output)).toBe("Completed");

    const record = (await getSettlementRecord(state, settlementId))!;
    expect(record, "a settlement record").toBeDefined();
    expect(record.status, record.reasons.join("; ")).toBe("created");
    expect(record.reportId).toBe(seeded.reportId);
    const header = d365.sim.rows("LedgerJournalHeaders").find((h) => h.JournalBatchNumber === record.journalBatchNumber);
    expect(header?.Description).toBe(`Amazon settlement ${settlementId} ${record.currency}`);
    const lines = d365.sim.rows("LedgerJournalLines").filter((l) => l.JournalBatchNumber === record.journalBatchNumber);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines).toHaveLength(record.lineCount!);
    expect(sumOf(lines.map((l) => l.DebitAmount)).eq(sumOf(lines.map((l) => l.CreditAmount)))).toBe(true);
    // Only the notified report was imported: the other seeded settlements wait for the poller.
    expect((await listSettlementRecords(state)).map((r) => r.settlementId)).toEqual([settlementId]);
  });

  it("changes nothing on the same notification again, or the same report under a new notification id", async () => {
    const { settlement: notification, settlementId } = seeded;
    const headers = d365.sim.rows("LedgerJournalHeaders").length;
    const lines = d365.sim.rows("LedgerJournalLines").length;
    const downloads = amazon.sim.requestCounts().counts.getReportDocument ?? 0;
    const before = (await getSettlementRecord(state, settlementId))!;
    const instancesBefore = host.durable.summary().instances.length;

    const dropped = host.bus.stats.duplicatesDropped;
    expect((await post(notification)).status).toBe(202);
    // The same notification id again: Service Bus duplicate detection drops it (the endpoint answers 202).
    expect(host.bus.stats.duplicatesDropped).toBe(dropped + 1);
    // The same report under a new notification id reaches the router, which has started this report already.
    const redelivered = {
      ...notification,
      notificationMetadata: { ...notification.notificationMetadata, notificationId: "retry-0000-0000-0000-000000000001" },
    };
    expect((await post(redelivered)).status).toBe(202);
    const summary = await host.drain({ timeoutMs: 30_000 });
    expect(summary.failures).toEqual([]);
    expect(summary.invocations["notification-router"]).toEqual({ ok: 3, failed: 0 });
    // No orchestration ran again: the settlement's instance is the only one and it finished before this test.
    expect(summary.orchestrations.instances).toHaveLength(instancesBefore);
    expect(host.durable.getStatus(instanceIdFor(settlementId))?.runtimeStatus).toBe("Completed");

    expect(d365.sim.rows("LedgerJournalHeaders")).toHaveLength(headers);
    expect(d365.sim.rows("LedgerJournalLines")).toHaveLength(lines);
    expect(amazon.sim.requestCounts().counts.getReportDocument ?? 0).toBe(downloads);
    const after = (await getSettlementRecord(state, settlementId))!;
    expect(after.status).toBe("created");
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(after.journalBatchNumber).toBe(before.journalBatchNumber);
  });
});
