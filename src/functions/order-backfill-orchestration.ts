import type { InvocationContext } from "@azure/functions";
import {
  backfillActivities,
  backfillOrchestration,
  enqueueBackfillChunk,
  orderReportStatus,
  readOrderReport,
  requestOrderReport,
} from "../flows/orders/backfill";
import { registerActivities, registerOrchestration } from "../platform/durable";
import { currentApp } from "../wiring/app";
import { backfillDeps } from "../wiring/orders";

// The order backfill: report -> poll -> read -> fan-out of enqueue activities (see flows/orders/backfill.ts).
registerOrchestration(backfillOrchestration);

const deps = (context: InvocationContext) => backfillDeps(currentApp(), context);

registerActivities(backfillActivities, {
  requestReport: (input, context) => requestOrderReport(input, deps(context)),
  reportStatus: (input, context) => orderReportStatus(input, deps(context)),
  readReport: (input, context) => readOrderReport(input, deps(context)),
  enqueue: (orders, context) => enqueueBackfillChunk(orders, deps(context)),
});
