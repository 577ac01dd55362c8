/**
 * The settlement API's JSON shapes (GET /api/settlements, GET /api/settlements/{id}, POST .../import and
 * .../approve), as zod schemas: the OpenAPI document is drawn from them and the API tests parse the answers
 * with them. `publicRecord` (settlement-records.ts) produces a SettlementView.
 */
import { z } from "zod";
import { SETTLEMENT_STATUSES } from "./settlement-records";

const Decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .meta({ description: "A decimal amount as a string (exact)" });

export const SettlementIdParam = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/)
  .meta({ title: "Settlement ID", description: "The Amazon settlement id (digits), e.g. 24000042001" });

export const SettlementView = z
  .object({
    settlementId: z.string(),
    status: z.enum(SETTLEMENT_STATUSES).meta({
      description:
        "pending or running: the import goes on; needs-mapping: a mapping rule is missing (see unmapped); " +
        "awaiting-approval: waits for Approve settlement; created: the journal is complete in D365, verified and released to " +
        "the posting job; posted: D365 posted it; needs-attention: fix D365 first (see reasons); conflict: a person decides " +
        "(see conflict, Resolve settlement conflict); failed: see reasons",
    }),
    instanceId: z.string().meta({ title: "Orchestration ID" }),
    reportId: z.string().optional(),
    sha256: z.string().optional().meta({ title: "File SHA-256" }),
    currency: z.string().optional(),
    minorUnit: z.number().int().optional().meta({ description: "Decimals of the currency's minor unit" }),
    marketplace: z.string().optional(),
    company: z.string().optional().meta({ title: "Legal entity", description: "The D365 legal entity (dataAreaId) of the journal" }),
    timeZone: z.string().optional().meta({ title: "Time zone", description: "The books' time zone of the month-end split" }),
    startDate: z.string().optional(),
    endDate: z.string().optional(),
    depositDate: z.string().optional(),
    totalAmount: Decimal.optional().meta({ description: "The deposit Amazon reports (total-amount)" }),
    sumOfAmounts: Decimal.optional().meta({ description: "The sum of every row's amount; equals totalAmount when reconciled" }),
    rowCount: z.number().int().optional(),
    reconciled: z.boolean().optional(),
    journalDescription: z.string().optional(),
    lineCount: z.number().int().optional().meta({ title: "Journal Lines", description: "Lines of the journal to create" }),
    journalBatchNumber: z
      .string()
      .optional()
      .meta({ title: "Journal Number", description: "The D365 general journal (JournalBatchNumber)" }),
    journalName: z.string().optional(),
    linesCreated: z.number().int().optional(),
    totalDebit: Decimal.optional(),
    totalCredit: Decimal.optional(),
    verifiedAt: z.string().optional().meta({ description: "When the journal was verified and released to the posting job" }),
    postedAt: z.string().optional().meta({ description: "When the app read back that D365 posted the journal" }),
    dmf: z
      .object({
        executionId: z.string(),
        attempt: z.number().int(),
        placeholder: z.string(),
        phase: z.enum(["prepared", "submitted", "finished"]),
        status: z.string().optional(),
        preparedAt: z.string(),
        submittedAt: z.string().optional(),
        errors: z.array(z.string()).optional(),
      })
      .optional()
      .meta({ title: "DMF import", description: "The DMF execution of a large journal (one per settlement, file and attempt)" }),
    conflict: z
      .object({
        kind: z.enum(["posted-before-verified", "duplicate-journals"]),
        journals: z.array(z.string()),
        detail: z.string(),
        suggestion: z.string(),
      })
      .optional()
      .meta({ description: "Why a person must decide, and how (status conflict)" }),
    supersededJournals: z.array(z.string()).optional().meta({ description: "Journals a person set aside" }),
    resolvedBy: z.string().optional(),
    anomalies: z.array(
      z.object({
        code: z.string(),
        severity: z.enum(["info", "warning"]),
        message: z.string(),
        value: z.string().optional(),
        expected: z.string().optional(),
      }),
    ),
    unmapped: z.array(
      z.object({
        combination: z.string(),
        total: Decimal,
        rowCount: z.number().int(),
        suggestedRule: z.unknown().optional(),
      }),
    ),
    reasons: z.array(z.string()),
    approvedBy: z.string().optional(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ description: "A settlement's import: status, reconciliation, journal and anomalies" });

export type SettlementView = z.infer<typeof SettlementView>;

export const SETTLEMENT_EXAMPLE: SettlementView = {
  settlementId: "24000042001",
  status: "created",
  instanceId: "settlement-24000042001",
  reportId: "50001019123",
  currency: "USD",
  minorUnit: 2,
  marketplace: "Amazon.com",
  company: "usmf",
  timeZone: "America/Los_Angeles",
  startDate: "2025-03-01T00:00:00.000Z",
  endDate: "2025-03-15T00:00:00.000Z",
  depositDate: "2025-03-17T00:00:00.000Z",
  totalAmount: "1234.56",
  sumOfAmounts: "1234.56",
  rowCount: 412,
  reconciled: true,
  journalDescription: "Amazon settlement 24000042001 USD",
  journalName: "GenJrn",
  lineCount: 14,
  journalBatchNumber: "00501",
  linesCreated: 14,
  totalDebit: "2890.12",
  totalCredit: "2890.12",
  verifiedAt: "2025-03-17T06:01:12.000Z",
  anomalies: [],
  unmapped: [],
  reasons: [],
  createdAt: "2025-03-17T06:00:00.000Z",
  updatedAt: "2025-03-17T06:01:12.000Z",
};

/** A settlement report seen but not started: being fetched, or failed with the reason (tried again by the next poll). */
export const PendingReport = z.object({
  reportId: z.string(),
  status: z.enum(["fetching", "failed"]),
  seenAt: z.string(),
  attempts: z.number().int(),
  error: z.string().optional(),
  failedAt: z.string().optional(),
  retry: z.string().optional(),
});

export const SettlementList = z.object({
  settlements: z.array(SettlementView),
  reports: z
    .array(PendingReport)
    .optional()
    .meta({ description: "Settlement reports seen but not started, with the reason when they failed" }),
});

/** What POST /api/settlements/{id}/approve answers (202, Location: the settlement). */
export const ApprovalAccepted = z.object({
  settlementId: z.string(),
  approved: z.literal(true),
  statusUrl: z.string().meta({ title: "Status URL" }),
});

/**
 * What POST /api/settlements/import answers while the import runs (202): for a file or a settlement id, the
 * settlement (Location: the settlement); for a report id, the report being fetched (Location: the report's status).
 */
export const ImportAccepted = z.object({
  settlementId: z.string().optional(),
  reportId: z.string().optional(),
  instanceId: z.string().optional().meta({ title: "Orchestration ID" }),
  started: z.boolean().optional().meta({ description: "False when the same settlement's import was already running or done" }),
  status: z.string().optional().meta({ description: "fetching: the report is being downloaded" }),
  statusUrl: z.string().meta({ title: "Status URL" }),
  record: SettlementView.optional(),
});

export const ReportIdParam = z
  .string()
  .min(1)
  .max(64)
  .meta({ title: "Report ID", description: "The SP-API report id of a settlement report" });

/** GET /api/settlements/reports/{reportId}: the report imported by id, and its settlement once known. */
export const ReportImportView = z.object({
  reportId: z.string(),
  status: z.string().meta({ description: "fetching, failed, or the settlement's status" }),
  settlementId: z.string().optional(),
  settlement: SettlementView.optional(),
  error: z.string().optional(),
  failedAt: z.string().optional(),
  attempts: z.number().int().optional(),
  retry: z.string().optional(),
  message: z.string().optional(),
});

export const REPORT_IMPORT_EXAMPLE = {
  reportId: "50001019123",
  settlementId: "24000042001",
  status: "created",
  settlement: SETTLEMENT_EXAMPLE,
};

/** POST /api/settlements/{id}/resolve: a person's decision on a settlement in conflict. */
export const ResolveBody = z
  .object({
    action: z.enum(["new-journal", "accept"]).meta({
      description:
        "new-journal: set the conflicting journals aside and create the journal again; accept: keep the journal as it is in D365",
    }),
    journalBatchNumber: z
      .string()
      .min(1)
      .max(20)
      .optional()
      .meta({ title: "Journal to keep", description: "For accept, when there are two" }),
    resolvedBy: z.string().min(1).max(100).optional().meta({ title: "Resolved by" }),
  })
  .strict();
