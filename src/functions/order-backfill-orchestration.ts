import * as df from "durable-functions";
import {
  BACKFILL_ACTIVITY,
  BACKFILL_ORCHESTRATOR,
  ORDER_REPORT_TYPE,
  backfillOrchestrator,
  enqueueBackfillChunk,
  parseOrderReport,
  type BackfillInput,
  type BackfillOrderRef,
} from "../flows/orders/backfill";
import { StateOrderLedger } from "../flows/orders/ledger";
import { runtime } from "../runtime";

// The order backfill: report -> poll -> read -> fan-out of enqueue activities (see flows/orders/backfill.ts).
df.app.orchestration(BACKFILL_ORCHESTRATOR, backfillOrchestrator);

df.app.activity(BACKFILL_ACTIVITY.requestReport, {
  handler: async (input: BackfillInput) => {
    const reportId = await runtime().amazon.createReport({
      reportType: ORDER_REPORT_TYPE,
      marketplaceIds: input.marketplaceIds,
      dataStartTime: input.from,
      dataEndTime: input.to,
    });
    return { reportId };
  },
});

df.app.activity(BACKFILL_ACTIVITY.reportStatus, {
  handler: async (input: { reportId: string }) => {
    const r = await runtime().amazon.getReport(input.reportId);
    return { processingStatus: r.processingStatus, reportDocumentId: r.reportDocumentId };
  },
});

df.app.activity(BACKFILL_ACTIVITY.readReport, {
  handler: async (input: { reportDocumentId: string }) =>
    parseOrderReport((await runtime().amazon.downloadReportDocument(input.reportDocumentId)).text),
});

df.app.activity(BACKFILL_ACTIVITY.enqueue, {
  handler: async (orders: BackfillOrderRef[], context) => {
    const rt = runtime();
    return enqueueBackfillChunk(orders, {
      bus: rt.bus,
      queue: rt.config.QUEUE_ORDER_IMPORT,
      ledger: new StateOrderLedger(rt.state),
      clock: rt.clock,
      telemetry: rt.telemetry(context),
    });
  },
});
