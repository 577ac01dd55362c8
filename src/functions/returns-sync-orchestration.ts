import type { InvocationContext } from "@azure/functions";
import {
  enqueueStep,
  failedStep,
  finishStep,
  matchStep,
  mcfReturnsStep,
  readReportStep,
  refundsStep,
  reportStatusStep,
  requestReportStep,
  returnsSyncActivities,
  returnsSyncOrchestration,
  storeReportStep,
} from "../flows/returns/sync";
import { registerActivities, registerOrchestration } from "../platform/durable";
import { currentApp } from "../wiring/app";
import { syncDeps } from "../wiring/returns";

// The returns sync: reports -> poll -> store and read -> MCF returns -> refunds -> match -> enqueue imports.
registerOrchestration(returnsSyncOrchestration);

const deps = (context: InvocationContext) => syncDeps(currentApp(), context);

registerActivities(returnsSyncActivities, {
  requestReport: (input, context) => requestReportStep(input, deps(context)),
  reportStatus: (input, context) => reportStatusStep(input, deps(context)),
  storeReport: (input, context) => storeReportStep(input, deps(context)),
  readReport: (input, context) => readReportStep(input, deps(context)),
  mcfReturns: (input, context) => mcfReturnsStep(input, deps(context)),
  refunds: (input, context) => refundsStep(input, deps(context)),
  match: (input, context) => matchStep(input, deps(context)),
  enqueue: (input, context) => enqueueStep(input, deps(context)),
  finish: (input, context) => finishStep(input, deps(context)),
  failed: (input, context) => failedStep(input, deps(context)),
});
