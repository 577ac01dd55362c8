/**
 * The orders API's JSON shapes (POST /api/orders/{amazonOrderId}/sync, /api/orders/sync, /api/orders/backfill),
 * as zod schemas: the OpenAPI document is drawn from them and the API tests parse the answers with them.
 */
import { z } from "zod";

const OUTCOMES = ["created", "completed", "unchanged", "updated", "waiting", "canceled", "cancel-flagged", "skipped"] as const;

/** What importOrder returns (ImportOutcome in import-order.ts). */
export const ImportOutcomeView = z
  .object({
    outcome: z.enum(OUTCOMES).meta({
      description:
        "created: a new sales order; completed: missing lines added; unchanged: already in D365; updated: status changed; " +
        "waiting: Amazon has not released it (Pending); canceled / cancel-flagged: canceled in Amazon; skipped: not for D365 (e.g. MCF)",
    }),
    amazonOrderId: z.string().meta({ title: "Amazon Order ID" }),
    salesOrderNumber: z.string().optional().meta({ title: "Sales Order Number", description: "The D365 sales order (SalesOrderNumber)" }),
    linesCreated: z.number().int(),
    amazonStatus: z.string().optional().meta({ description: "The order's status in Amazon (OrderStatus)" }),
  })
  .meta({ description: "What became of the order" });

export const IMPORT_OUTCOME_EXAMPLE: z.infer<typeof ImportOutcomeView> = {
  outcome: "created",
  amazonOrderId: "113-1234567-1234567",
  salesOrderNumber: "000739",
  linesCreated: 2,
  amazonStatus: "Unshipped",
};

/** One marketplace's pass of the catch-up (CatchUpResult in catch-up.ts). */
export const CatchUpResultView = z.object({
  marketplaceId: z.string().meta({ title: "Marketplace ID" }),
  from: z.string(),
  to: z.string(),
  seen: z.number().int().meta({ description: "Orders Amazon changed in the period" }),
  enqueued: z.number().int().meta({ description: "Orders sent to the import queue" }),
  skipped: z.number().int().meta({ description: "Orders already imported at that update" }),
  ok: z.boolean(),
  error: z.string().optional(),
});

export const CatchUpAnswer = z.object({ results: z.array(CatchUpResultView) });

export const CATCH_UP_EXAMPLE: z.infer<typeof CatchUpAnswer> = {
  results: [
    {
      marketplaceId: "ATVPDKIKX0DER",
      from: "2025-03-17T06:00:00.000Z",
      to: "2025-03-17T06:15:00.000Z",
      seen: 12,
      enqueued: 3,
      skipped: 9,
      ok: true,
    },
  ],
};

/** The backfill's result (BackfillOutput in backfill.ts). */
export const BackfillOutputView = z.object({
  reportId: z.string().meta({ title: "Report ID" }),
  status: z.enum(["done", "failed"]),
  orders: z.number().int().meta({ description: "Orders in the report" }),
  enqueued: z.number().int(),
  skipped: z.number().int(),
  error: z.string().optional(),
});
