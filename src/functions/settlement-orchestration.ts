import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import {
  analyzeStep,
  createLinesStep,
  dmfImportStep,
  ensureJournalStep,
  recordStatusStep,
  verifyStep,
} from "../flows/settlements/import-settlement";
import { ACTIVITY, SETTLEMENT_ORCHESTRATOR, settlementOrchestrator } from "../flows/settlements/orchestrator";
import { currentApp } from "../wiring/app";
import { settlementDeps } from "../wiring/settlements";

// One orchestration per settlement id: analyze, optionally wait for approval, create the D365 journal, verify.
df.app.orchestration(SETTLEMENT_ORCHESTRATOR, settlementOrchestrator);

const deps = (context: InvocationContext) => settlementDeps(currentApp(), context);

df.app.activity(ACTIVITY.analyze, { handler: (input, context) => analyzeStep(input as never, deps(context)) });
df.app.activity(ACTIVITY.record, { handler: (input, context) => recordStatusStep(input as never, deps(context)) });
df.app.activity(ACTIVITY.ensureJournal, { handler: (input, context) => ensureJournalStep(input as never, deps(context)) });
df.app.activity(ACTIVITY.createLines, { handler: (input, context) => createLinesStep(input as never, deps(context)) });
df.app.activity(ACTIVITY.verify, { handler: (input, context) => verifyStep(input as never, deps(context)) });
df.app.activity(ACTIVITY.dmfImport, { handler: (input, context) => dmfImportStep(input as never, deps(context)) });
