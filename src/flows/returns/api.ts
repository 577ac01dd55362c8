/**
 * The shapes the returns routes answer with, as zod schemas for the OpenAPI document (docs/power-automate.md):
 * `GET /api/returns` (ReturnList) and the returns sync, whose `POST /api/returns/sync` answers 202 and whose
 * status URL `GET /api/returns/sync` answers 202 while the sync runs and 200 with its result (ReturnsSyncStatus).
 */
import { z } from "zod";
import { IMPORT_STATUSES } from "./records";

const Money = z.string().meta({ description: "A decimal amount, e.g. -19.99" });

export const ReturnListItemView = z.object({
  kind: z.literal("return"),
  key: z.string().meta({ description: "The app's key of the return: channel|amazonOrderId|returnId" }),
  channel: z.enum(["FBA", "FBM", "MCF"]),
  amazonOrderId: z.string().meta({ title: "Amazon Order ID" }),
  returnId: z.string().meta({ description: "Amazon's return identity: license plate number, Amazon RMA ID or return authorization" }),
  marketplaceId: z.string().optional(),
  returnDate: z.string(),
  status: z.enum(IMPORT_STATUSES as [string, ...string[]]),
  dataAreaId: z.string().optional(),
  salesOrderNumber: z.string().optional(),
  returnOrderNumber: z.string().optional(),
  rmaNumber: z.string().optional().meta({ title: "RMA Number" }),
  reason: z.string(),
  reasonCode: z.string().optional(),
  warehouseId: z.string().optional(),
  lines: z.array(
    z.object({
      sku: z.string().meta({ title: "Seller SKU" }),
      quantity: z.number().int(),
      reason: z.string(),
      disposition: z.string().optional(),
      amazonStatus: z.string().optional(),
      itemNumber: z.string().optional(),
      dispositionCode: z.string().optional(),
    }),
  ),
  refund: z.object({
    state: z.enum(["refunded", "partly-refunded", "awaiting-refund", "no-refund", "not-expected"]),
    quantity: z.number(),
    amount: Money.optional(),
    currency: z.string().optional(),
    postedDates: z.array(z.string()),
  }),
  review: z.object({ reason: z.string(), description: z.string(), suggestion: z.unknown().optional() }).optional(),
  lastError: z.string().optional(),
});

export const RefundListItemView = z.object({
  kind: z.literal("refund"),
  key: z.string(),
  amazonOrderId: z.string().meta({ title: "Amazon Order ID" }),
  marketplaceId: z.string().optional(),
  postedDate: z.string(),
  currency: z.string(),
  refundedToBuyer: Money,
  state: z.enum(["matched", "partly-matched", "awaiting-return", "without-return"]),
  unmatchedQuantity: z.number(),
  matchedReturns: z.array(z.string()),
  items: z.array(z.object({ sku: z.string().optional(), quantity: z.number().optional(), refundedToBuyer: Money })),
});

export const ReturnList = z.object({
  status: z.string().nullable().meta({ description: "The filter asked for, or null for all" }),
  returns: z.array(ReturnListItemView),
  refunds: z.array(RefundListItemView),
  truncated: z.boolean().meta({ description: "True when more matched than `top`" }),
});

export const RETURN_LIST_EXAMPLE: z.infer<typeof ReturnList> = {
  status: "review",
  returns: [
    {
      kind: "return",
      key: "FBA|113-1234567-1234567|LPNRR123456789",
      channel: "FBA",
      amazonOrderId: "113-1234567-1234567",
      returnId: "LPNRR123456789",
      marketplaceId: "ATVPDKIKX0DER",
      returnDate: "2026-11-20T08:15:00.000Z",
      status: "needs-mapping",
      reason: "FOUND_BETTER_PRICE",
      lines: [{ sku: "DEMO-SPEAKER-BLK", quantity: 1, reason: "FOUND_BETTER_PRICE", disposition: "SELLABLE" }],
      refund: { state: "refunded", quantity: 1, amount: "-49.99", currency: "USD", postedDates: ["2026-11-18T10:00:00.000Z"] },
      review: {
        reason: "mapping-gap",
        description: "Amazon return reason FOUND_BETTER_PRICE has no D365 return reason code in mappings/returns.json",
      },
    },
  ],
  refunds: [],
  truncated: false,
};

const ReportOutcomeView = z.object({
  kind: z.enum(["fba", "fbm"]),
  marketplaceId: z.string(),
  reportId: z.string(),
  status: z.enum(["read", "no-data", "failed"]),
  rows: z.number().optional(),
  returns: z.number().optional(),
  newReturns: z.number().optional(),
  changedReturns: z.number().optional(),
  problems: z.array(z.object({ line: z.number(), message: z.string() }).loose()).optional(),
  problemCount: z.number().optional(),
});

export const ReturnsSyncResult = z.object({
  status: z.enum(["done", "partial"]),
  from: z.string(),
  to: z.string(),
  reports: z.array(ReportOutcomeView.loose()),
  mcf: z.object({ returns: z.number(), newReturns: z.number() }).optional(),
  refunds: z.object({ read: z.number(), newRefunds: z.number() }),
  matching: z.object({
    orders: z.number(),
    refunded: z.number(),
    awaitingRefund: z.number(),
    noRefund: z.number(),
    refundsWithoutReturn: z.number(),
  }),
  enqueued: z.number().meta({ description: "Returns handed to the import queue" }),
});

/** The status URL's answer: 202 while running (runtimeStatus Running), 200 with the result (or the last sync) after. */
export const ReturnsSyncStatus = z.object({
  instanceId: z.string(),
  runtimeStatus: z.string().meta({ description: "NotStarted, Running, Completed or Failed" }),
  step: z.unknown().optional(),
  error: z.string().optional(),
  result: ReturnsSyncResult.loose().optional(),
  lastSync: ReturnsSyncResult.extend({ trigger: z.string().optional(), finishedAt: z.string().optional() }).loose().optional(),
});

export const ReturnsSyncAccepted = z.object({
  instanceId: z.string(),
  started: z.boolean().meta({ description: "False when a sync was already running: poll its status URL" }),
  statusUrl: z.string(),
  message: z.string().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
});

const SYNC_RESULT_EXAMPLE: z.infer<typeof ReturnsSyncResult> = {
  status: "done",
  from: "2026-10-28T00:00:00.000Z",
  to: "2026-11-27T00:00:00.000Z",
  reports: [{ kind: "fba", marketplaceId: "ATVPDKIKX0DER", reportId: "50420000101", status: "read", rows: 5, returns: 4, newReturns: 4 }],
  refunds: { read: 6, newRefunds: 6 },
  matching: { orders: 4, refunded: 3, awaitingRefund: 1, noRefund: 0, refundsWithoutReturn: 1 },
  enqueued: 4,
};

export const RETURNS_SYNC_STATUS_EXAMPLE: z.infer<typeof ReturnsSyncStatus> = {
  instanceId: "returns-sync",
  runtimeStatus: "Completed",
  result: SYNC_RESULT_EXAMPLE,
};

export const RETURNS_SYNC_ACCEPTED_EXAMPLE: z.infer<typeof ReturnsSyncAccepted> = {
  instanceId: "returns-sync",
  started: true,
  statusUrl: "https://your-function-app.azurewebsites.net/api/returns/sync",
  from: "2026-10-28T00:00:00.000Z",
  to: "2026-11-27T00:00:00.000Z",
};
