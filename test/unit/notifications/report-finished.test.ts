import { describe, expect, it } from "vitest";
import { routeNotification } from "../../../src/flows/notifications/router";
import { type Notification, readNotifications, validateNotification } from "../../../src/flows/notifications/validate";
import { enqueueOrderChange } from "../../../src/flows/orders/messages";
import { isFinishedSettlementReport } from "../../../src/flows/settlements/import-settlement";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";

class RecordingBus implements MessageBus {
  readonly sent: { queue: string; message: OutgoingMessage }[] = [];
  async send(queue: string, messages: OutgoingMessage | OutgoingMessage[]) {
    for (const m of Array.isArray(messages) ? messages : [messages]) this.sent.push({ queue, message: m });
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

/** Shaped like the example of Amazon's published schema (schemas/notifications/ReportProcessingFinishedNotification.json). */
function reportFinished(reportType: string, processingStatus = "DONE", notificationId = "d0e9e693-c3ad-4373-979f-ed4ec98dd746") {
  return {
    notificationVersion: "2020-09-04",
    notificationType: "REPORT_PROCESSING_FINISHED",
    payloadVersion: "2020-09-04",
    eventTime: "2020-07-14T03:35:13.214Z",
    payload: {
      reportProcessingFinishedNotification: {
        sellerId: "A3TH9S8BH6GOGM",
        accountId: "amzn1.merchant.o.A3TH9S8BH6GOGM",
        reportId: "54517018502",
        reportType,
        processingStatus,
        reportDocumentId: "amzn1.tortuga.3.edbcd0d8-3434-8222-1234-52ad8ade1208.REP4567URI9BMZ",
      },
    },
    notificationMetadata: {
      applicationId: "amzn1.sellerapps.app.aacccfff-4455-4b7c-4422-664ecacdd336",
      subscriptionId: "subscription-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746",
      publishTime: "2020-07-13T19:42:04.284Z",
      notificationId,
    },
  };
}

/** The notification as the queue's door hands it to the router: validated against the published schema, typed. */
function typed(raw: unknown): Notification {
  const r = validateNotification(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.value;
}

function deps(seen = new Set<string>()) {
  const calls: string[] = [];
  const bus = new RecordingBus();
  const telemetry = new MemoryTelemetry();
  return {
    calls,
    bus,
    telemetry,
    route: {
      telemetry,
      targets: {
        orderChanged: (change: Parameters<typeof enqueueOrderChange>[0], id: string) =>
          enqueueOrderChange(change, id, { bus, queue: "order-import" }),
        settlementReport: {
          accepts: isFinishedSettlementReport,
          start: async (reportId: string) => {
            calls.push(reportId);
            if (seen.has(reportId)) return undefined;
            seen.add(reportId);
            return { settlementId: "24000042000", instanceId: "settlement-24000042000", started: true };
          },
        },
      },
    },
  };
}

describe("REPORT_PROCESSING_FINISHED in the notification router", () => {
  it("ignores a finished report of another type: nothing started, nothing sent, logged", async () => {
    const d = deps();
    const out = await routeNotification(typed(reportFinished("GET_FLAT_FILE_ACTIONABLE_ORDER_DATA")), d.route);
    expect(out).toEqual({
      routed: "ignored",
      notificationType: "REPORT_PROCESSING_FINISHED",
      reportType: "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA",
    });
    expect(d.calls).toEqual([]);
    expect(d.bus.sent).toEqual([]);
  });

  it("ignores a settlement report that did not finish DONE", async () => {
    const d = deps();
    for (const status of ["CANCELLED", "FATAL"]) {
      const out = await routeNotification(typed(reportFinished("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", status)), d.route);
      expect(out.routed).toBe("ignored");
    }
    expect(d.calls).toEqual([]);
  });

  it("starts the import of a finished settlement report by its report id, once", async () => {
    const d = deps();
    const n = typed(reportFinished("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"));
    expect(await routeNotification(n, d.route)).toEqual({
      routed: "settlement-import",
      reportId: "54517018502",
      settlementId: "24000042000",
      instanceId: "settlement-24000042000",
      started: true,
    });
    expect(await routeNotification(n, d.route)).toEqual({ routed: "settlement-import", reportId: "54517018502", started: false });
    expect(d.calls).toEqual(["54517018502", "54517018502"]);
    expect(d.bus.sent).toEqual([]);
  });

  it("without a settlement starter, a settlement report is logged and completed", async () => {
    const d = deps();
    const withoutStarter = { ...d.route, targets: { orderChanged: d.route.targets.orderChanged } };
    const out = await routeNotification(typed(reportFinished("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2")), withoutStarter);
    expect(out.routed).toBe("ignored");
  });
});

describe("REPORT_PROCESSING_FINISHED at the endpoint", () => {
  it("accepts Amazon's example and checks it against the published schema (camelCase keys)", () => {
    const ok = readNotifications(reportFinished("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2"));
    expect(ok.issues).toEqual([]);
    expect(ok.accepted.map((a) => [a.notificationId, a.notificationType])).toEqual([
      ["d0e9e693-c3ad-4373-979f-ed4ec98dd746", "REPORT_PROCESSING_FINISHED"],
    ]);

    const n = reportFinished("GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2", "FINISHED");
    delete (n.payload.reportProcessingFinishedNotification as Partial<typeof n.payload.reportProcessingFinishedNotification>).reportId;
    const bad = readNotifications(n);
    expect(bad.accepted).toEqual([]);
    expect(bad.issues.map((i) => i.path).sort()).toEqual([
      "$.payload.reportProcessingFinishedNotification.processingStatus",
      "$.payload.reportProcessingFinishedNotification.reportId",
    ]);
  });
});
