import type { InvocationContext } from "@azure/functions";
import {
  backfillActivities,
  backfillOrchestration,
  handOverBackfillSlice,
  orderReportStatus,
  requestOrderReport,
  storeOrderReport,
} from "../flows/orders/backfill";
import { registerActivities, registerOrchestration } from "../platform/durable";
import { currentApp } from "../wiring/app";
import { backfillDeps } from "../wiring/orders";

// The order backfill: report -> poll -> store the orders in a blob -> fan-out of hand-over activities (flows/orders/backfill.ts).
registerOrchestration(backfillOrchestration);

const deps = (context: InvocationContext) => backfillDeps(currentApp(), context);

registerActivities(backfillActivities, {
  requestReport: (input, context) => requestOrderReport(input, deps(context)),
  reportStatus: (input, context) => orderReportStatus(input, deps(context)),
  storeReport: (input, context) => storeOrderReport(input, deps(context)),
  handOver: (slice, context) => handOverBackfillSlice(slice, deps(context)),
});
