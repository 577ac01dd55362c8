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
        "awaiting-approval: waits for Approve settlement; posted: the journal was created and checked; failed: see reasons",
    }),
    instanceId: z.string().meta({ title: "Orchestration ID" }),
    reportId: z.string().optional(),
    sha256: z.string().optional().meta({ title: "File SHA-256" }),
    currency: z.string().optional(),
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
    linesCreated: z.number().int().optional(),
    totalDebit: Decimal.optional(),
    totalCredit: Decimal.optional(),
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
  status: "posted",
  instanceId: "settlement-24000042001",
  reportId: "50001019123",
  currency: "USD",
  startDate: "2025-03-01T00:00:00.000Z",
  endDate: "2025-03-15T00:00:00.000Z",
  depositDate: "2025-03-17T00:00:00.000Z",
  totalAmount: "1234.56",
  sumOfAmounts: "1234.56",
  rowCount: 412,
  reconciled: true,
  journalDescription: "Amazon settlement 24000042001 USD 2025-03-01..2025-03-15",
  lineCount: 14,
  journalBatchNumber: "00501",
  linesCreated: 14,
  totalDebit: "2890.12",
  totalCredit: "2890.12",
  anomalies: [],
  unmapped: [],
  reasons: [],
  createdAt: "2025-03-17T06:00:00.000Z",
  updatedAt: "2025-03-17T06:01:12.000Z",
};

export const SettlementList = z.object({ settlements: z.array(SettlementView) });

/** What POST /api/settlements/{id}/approve answers (202, Location: the settlement). */
export const ApprovalAccepted = z.object({
  settlementId: z.string(),
  approved: z.literal(true),
  statusUrl: z.string().meta({ title: "Status URL" }),
});

/** What POST /api/settlements/import answers while the import runs (202, Location: the settlement). */
export const ImportAccepted = z.object({
  settlementId: z.string(),
  instanceId: z.string().meta({ title: "Orchestration ID" }),
  started: z.boolean().meta({ description: "False when the same settlement's import was already running or done" }),
  statusUrl: z.string().meta({ title: "Status URL" }),
  record: SettlementView.optional(),
});
