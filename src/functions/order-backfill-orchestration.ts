import * as df from "durable-functions";
import {
  BACKFILL_ACTIVITY,
  BACKFILL_ORCHESTRATOR,
  backfillOrchestrator,
  enqueueBackfillChunk,
  orderReportStatus,
  readOrderReport,
  requestOrderReport,
  type BackfillInput,
  type BackfillOrderRef,
} from "../flows/orders/backfill";
import { currentApp } from "../wiring/app";
import { backfillDeps } from "../wiring/orders";

// The order backfill: report -> poll -> read -> fan-out of enqueue activities (see flows/orders/backfill.ts).
df.app.orchestration(BACKFILL_ORCHESTRATOR, backfillOrchestrator);

df.app.activity(BACKFILL_ACTIVITY.requestReport, {
  handler: (input: BackfillInput, context) => requestOrderReport(input, backfillDeps(currentApp(), context)),
});
df.app.activity(BACKFILL_ACTIVITY.reportStatus, {
  handler: (input: { reportId: string }, context) => orderReportStatus(input, backfillDeps(currentApp(), context)),
});
df.app.activity(BACKFILL_ACTIVITY.readReport, {
  handler: (input: { reportDocumentId: string }, context) => readOrderReport(input, backfillDeps(currentApp(), context)),
});
df.app.activity(BACKFILL_ACTIVITY.enqueue, {
  handler: (orders: BackfillOrderRef[], context) => enqueueBackfillChunk(orders, backfillDeps(currentApp(), context)),
});
