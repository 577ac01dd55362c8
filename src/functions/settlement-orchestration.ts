import type { InvocationContext } from "@azure/functions";
import {
  analyzeStep,
  createLinesStep,
  dmfPollStep,
  dmfSubmitStep,
  dmfTimedOutStep,
  prepareJournalStep,
  recordStatusStep,
  verifyStep,
} from "../flows/settlements/import-steps";
import { settlementActivities, settlementOrchestration } from "../flows/settlements/orchestration";
import { registerActivities, registerOrchestration } from "../platform/durable";
import { currentApp } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";

// One orchestration per settlement id: analyze, optionally wait for approval, create the D365 journal on hold, verify, release.
registerOrchestration(settlementOrchestration);

const deps = (context: InvocationContext) => settlementDeps(currentApp(), context);

registerActivities(settlementActivities, {
  analyze: (input, context) => analyzeStep(input, deps(context)),
  record: (input, context) => recordStatusStep(input, deps(context)),
  prepare: (input, context) => prepareJournalStep(input, deps(context)),
  createLines: (input, context) => createLinesStep(input, deps(context)),
  dmfSubmit: (input, context) => dmfSubmitStep(input, deps(context)),
  dmfPoll: (input, context) => dmfPollStep(input, deps(context)),
  dmfTimedOut: (input, context) => dmfTimedOutStep(input, deps(context)),
  verify: (input, context) => verifyStep(input, deps(context)),
});
