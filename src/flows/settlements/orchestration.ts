/**
 * The durable orchestration of one settlement (instance id `settlement-<id>`, so starting twice is
 * harmless). Deterministic: no clock, no I/O, no settings here; all of that happens in the activities
 * (import-settlement.ts), whose results the Durable runtime replays.
 *
 *   analyze -> [needs-mapping | failed: stop] -> [wait for "approval"] -> ensure journal header
 *   -> create lines in chunks (each skips lines D365 has already), or one DMF package for a large journal
 *   -> read back and verify
 */
import {
  activity,
  call,
  type DurableContext,
  type DurableGenerator,
  orchestration,
  type RetryPolicy,
  waitForEvent,
} from "../../platform/durable";
import type {
  AnalyzeStepInput,
  AnalyzeStepResult,
  CreateLinesInput,
  DmfImportInput,
  EnsureJournalInput,
  RecordStatusInput,
  VerifyInput,
} from "./import-steps";
import type { SettlementRecord } from "./settlement-records";

/** The orchestration's activities: one table, used to register them and to call them. */
export const settlementActivities = {
  analyze: activity<AnalyzeStepInput, AnalyzeStepResult>("settlementAnalyze"),
  record: activity<RecordStatusInput, void>("settlementRecordStatus"),
  ensureJournal: activity<EnsureJournalInput, { journalBatchNumber: string; created: boolean }>("settlementEnsureJournal"),
  createLines: activity<CreateLinesInput, { created: number; skipped: number }>("settlementCreateLines"),
  verify: activity<VerifyInput, SettlementRecord>("settlementVerify"),
  dmfImport: activity<DmfImportInput, { journalBatchNumber: string; imported: boolean; filled: number }>("settlementDmfImport"),
} as const;

export const APPROVAL_EVENT = "approval";

export interface SettlementOrchestrationInput {
  settlementId: string;
  blobName: string;
  sha256: string;
  reportId?: string;
  requireApproval: boolean;
  journalName: string;
  /** Journal lines per createLines activity (each activity sends them in $batch changesets). */
  linesPerActivity: number;
  detailed?: boolean;
}

export interface SettlementOrchestrationOutput {
  settlementId: string;
  status: SettlementRecord["status"];
  journalBatchNumber?: string;
  lineCount: number;
  alreadyPosted?: boolean;
}

const RETRY: RetryPolicy = { firstRetryMs: 5_000, maxAttempts: 4, backoffCoefficient: 2 };

export const settlementOrchestration = orchestration<SettlementOrchestrationInput, SettlementOrchestrationOutput>(
  "settlementOrchestrator",
  function* (context, input) {
    try {
      return yield* importOne(context, input);
    } catch (err) {
      // An activity failed after its retries: the record says so (instead of "running" forever) and a new
      // import of the settlement starts over; what D365 already has is found again, never duplicated.
      const reason = err instanceof Error ? err.message : String(err);
      yield* call(context, settlementActivities.record, {
        settlementId: input.settlementId,
        status: "failed",
        reason: reason.slice(0, 500),
      });
      throw err;
    }
  },
);

function* importOne(context: DurableContext, input: SettlementOrchestrationInput): DurableGenerator<SettlementOrchestrationOutput> {
  const id = input.settlementId;
  const steps = settlementActivities;

  context.df.setCustomStatus({ step: "analyze" });
  const analysis = yield* call(
    context,
    steps.analyze,
    { settlementId: id, blobName: input.blobName, sha256: input.sha256, reportId: input.reportId, detailed: input.detailed },
    RETRY,
  );
  if (analysis.alreadyPosted) {
    return {
      settlementId: id,
      status: "posted",
      journalBatchNumber: analysis.journalBatchNumber,
      lineCount: analysis.lineCount,
      alreadyPosted: true,
    };
  }
  if (!analysis.postable) return { settlementId: id, status: analysis.status, lineCount: 0 };

  if (input.requireApproval) {
    yield* call(context, steps.record, { settlementId: id, status: "awaiting-approval" });
    context.df.setCustomStatus({ step: "awaiting-approval" });
    const approval = yield* waitForEvent<{ approvedBy?: string } | null>(context, APPROVAL_EVENT);
    yield* call(context, steps.record, { settlementId: id, status: "running", approvedBy: approval?.approvedBy ?? "unknown" });
  }

  let journalBatchNumber: string;
  if (analysis.dmfFromLines > 0 && analysis.lineCount >= analysis.dmfFromLines) {
    context.df.setCustomStatus({ step: "dmf", lines: analysis.lineCount });
    const dmf = { settlementId: id, journalName: input.journalName, definitionGroup: analysis.dmfDefinitionGroup };
    ({ journalBatchNumber } = yield* call(context, steps.dmfImport, dmf, RETRY));
  } else {
    context.df.setCustomStatus({ step: "journal" });
    ({ journalBatchNumber } = yield* call(context, steps.ensureJournal, { settlementId: id, journalName: input.journalName }, RETRY));
    const size = Math.max(1, input.linesPerActivity);
    for (let from = 0; from < analysis.lineCount; from += size) {
      context.df.setCustomStatus({ step: "lines", from, of: analysis.lineCount });
      const to = Math.min(analysis.lineCount, from + size);
      yield* call(context, steps.createLines, { settlementId: id, journalBatchNumber, from, to }, RETRY);
    }
  }
  context.df.setCustomStatus({ step: "verify" });
  const record = yield* call(context, steps.verify, { settlementId: id, journalBatchNumber }, RETRY);
  return { settlementId: id, status: record.status, journalBatchNumber, lineCount: analysis.lineCount };
}
