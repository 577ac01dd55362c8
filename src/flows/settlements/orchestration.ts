/**
 * The durable orchestration of one settlement (instance id `settlement-<id>`, so starting twice is
 * harmless). Deterministic: no clock, no I/O, no settings here; all of that happens in the activities
 * (import-steps.ts), whose results the Durable runtime replays.
 *
 *   analyze -> [needs-mapping | failed: stop] -> [wait for "approval"]
 *   -> prepare the journal (journal name and ledger periods checked; found or created ON HOLD)
 *   -> [large journal: submit one DMF package, poll that execution on durable timers, prepare again]
 *   -> create the missing lines in chunks (by key) -> verify line by line and release to the posting job
 *
 * Any step may stop the import for a person (needs-attention, conflict): the orchestration then ends with that
 * status instead of retrying in a loop.
 */
import {
  activity,
  call,
  type DurableContext,
  type DurableGenerator,
  orchestration,
  type RetryPolicy,
  sleep,
  waitForEvent,
} from "../../platform/durable";
import type {
  AnalyzeStepInput,
  AnalyzeStepResult,
  CreateLinesInput,
  CreateLinesResult,
  DmfPollInput,
  DmfPollResult,
  DmfSubmitInput,
  DmfSubmitResult,
  PrepareInput,
  PrepareResult,
  RecordStatusInput,
  VerifyInput,
} from "./import-steps";
import type { SettlementRecord } from "./settlement-records";

/** The orchestration's activities: one table, used to register them and to call them. */
export const settlementActivities = {
  analyze: activity<AnalyzeStepInput, AnalyzeStepResult>("settlementAnalyze"),
  record: activity<RecordStatusInput, void>("settlementRecordStatus"),
  prepare: activity<PrepareInput, PrepareResult>("settlementPrepareJournal"),
  createLines: activity<CreateLinesInput, CreateLinesResult>("settlementCreateLines"),
  dmfSubmit: activity<DmfSubmitInput, DmfSubmitResult>("settlementDmfSubmit"),
  dmfPoll: activity<DmfPollInput, DmfPollResult>("settlementDmfPoll"),
  dmfTimedOut: activity<DmfPollInput & { waitedMs: number }, void>("settlementDmfTimedOut"),
  verify: activity<VerifyInput, SettlementRecord>("settlementVerify"),
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

/** Polls of a DMF execution: the first at once, then 5 s doubling to a minute between polls, for at most 6 hours. */
export const DMF_POLL = { firstMs: 5_000, maxMs: 60_000, giveUpAfterMs: 6 * 3600_000 };

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
      status: analysis.status,
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

  const viaDmf = analysis.dmfFromLines > 0 && analysis.lineCount >= analysis.dmfFromLines;
  context.df.setCustomStatus({ step: "journal" });
  let prepared = yield* call(context, steps.prepare, { settlementId: id, journalName: input.journalName, viaDmf }, RETRY);
  if (prepared.outcome === "dmf") {
    context.df.setCustomStatus({ step: "dmf", lines: analysis.lineCount });
    const dmf = { settlementId: id, journalName: input.journalName, definitionGroup: analysis.dmfDefinitionGroup };
    const submitted = yield* call(context, steps.dmfSubmit, dmf, RETRY);
    if (submitted.outcome === "poll") {
      let waited = 0;
      let delay = DMF_POLL.firstMs;
      for (;;) {
        const poll = yield* call(context, steps.dmfPoll, { settlementId: id }, RETRY);
        if (poll.done) break;
        if (waited >= DMF_POLL.giveUpAfterMs) {
          yield* call(context, steps.dmfTimedOut, { settlementId: id, waitedMs: waited }, RETRY);
          return { settlementId: id, status: "needs-attention", lineCount: analysis.lineCount };
        }
        context.df.setCustomStatus({ step: "dmf", execution: submitted.executionId, status: poll.status });
        yield* sleep(context, delay);
        waited += delay;
        delay = Math.min(delay * 2, DMF_POLL.maxMs);
      }
    }
    prepared = yield* call(context, steps.prepare, { settlementId: id, journalName: input.journalName, afterDmf: true }, RETRY);
  }
  if (prepared.outcome === "stop") return { settlementId: id, status: prepared.status, lineCount: analysis.lineCount };
  if (prepared.outcome === "dmf") throw new Error(`settlement ${id}: the journal was to be imported through DMF twice`);

  const journalBatchNumber = prepared.journalBatchNumber;
  if (prepared.outcome === "fill") {
    const size = Math.max(1, input.linesPerActivity);
    for (let from = 0; from < prepared.lineCount; from += size) {
      context.df.setCustomStatus({ step: "lines", from, of: prepared.lineCount });
      const to = Math.min(prepared.lineCount, from + size);
      const r = yield* call(context, steps.createLines, { settlementId: id, journalBatchNumber, from, to }, RETRY);
      if (r.stopped) return { settlementId: id, status: r.stopped, journalBatchNumber, lineCount: analysis.lineCount };
    }
  }
  context.df.setCustomStatus({ step: "verify" });
  const record = yield* call(context, steps.verify, { settlementId: id, journalBatchNumber }, RETRY);
  return { settlementId: id, status: record.status, journalBatchNumber, lineCount: analysis.lineCount };
}
