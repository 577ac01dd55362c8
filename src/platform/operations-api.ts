/**
 * The operations API's JSON shapes (GET /api/status, GET /api/deadletters, the replay endpoints and
 * GET /api/health), as zod schemas: the OpenAPI document is drawn from them and the API tests parse the
 * answers with them. The handlers are in operations.ts and health.ts.
 */
import { z } from "zod";

const Timestamp = z.string().meta({ description: "ISO 8601 time" });
const Counts = z.record(z.string(), z.number());

export const RunScopeView = z.object({
  scope: z.string().meta({ description: "What the run covered: a marketplace id, a settlement id, or all" }),
  lastRun: z
    .object({
      startedAt: Timestamp,
      finishedAt: Timestamp,
      durationMs: z.number().meta({ title: "Duration (ms)" }),
      outcome: z.enum(["succeeded", "partial", "failed", "skipped"]),
      counts: Counts,
      error: z.string().optional(),
    })
    .optional(),
  runningSince: Timestamp.optional(),
  lastSuccessAt: Timestamp.optional(),
  lastFailureAt: Timestamp.optional(),
  runs: Counts.meta({ description: "How many runs ended with each outcome" }),
  totals: Counts.meta({ description: "The sum of every run's counts" }),
  watermark: Timestamp.optional().meta({ description: "Where the next run starts reading" }),
  watermarkUpdatedAt: Timestamp.optional(),
});

export const StatusView = z
  .object({
    status: z
      .enum(["ok", "attention"])
      .meta({ description: "attention: parked or dead-lettered messages, a failed run, or a queue error" }),
    generatedAt: Timestamp,
    flows: z.array(z.object({ flow: z.string(), scopes: z.array(RunScopeView) })),
    queues: z.array(
      z.object({
        queue: z.string(),
        parked: z.number().int(),
        deadLettered: z.number().int().optional(),
        deadLetteredCapped: z.boolean().optional(),
        active: z.number().int().optional(),
        error: z.string().optional(),
      }),
    ),
    parkedTotal: z.number().int(),
    deadLetteredTotal: z.number().int(),
    sections: z
      .record(z.string(), z.unknown())
      .meta({ description: "One section per flow (orders by status, settlements by status, ...)" }),
  })
  .meta({ description: "What flowed, what waits and what needs a person" });

export const STATUS_EXAMPLE: z.infer<typeof StatusView> = {
  status: "ok",
  generatedAt: "2025-03-17T06:05:00.000Z",
  flows: [
    {
      flow: "orders.catchUp",
      scopes: [
        {
          scope: "ATVPDKIKX0DER",
          lastRun: {
            startedAt: "2025-03-17T06:00:00.000Z",
            finishedAt: "2025-03-17T06:00:02.000Z",
            durationMs: 2000,
            outcome: "succeeded",
            counts: { seen: 12, enqueued: 3 },
          },
          runs: { succeeded: 96, partial: 0, failed: 0, skipped: 0 },
          totals: { seen: 1150, enqueued: 310 },
          watermark: "2025-03-17T05:58:00.000Z",
        },
      ],
    },
  ],
  queues: [{ queue: "order-import", parked: 0, deadLettered: 0, active: 0 }],
  parkedTotal: 0,
  deadLetteredTotal: 0,
  sections: { orders: { total: 310, byStatus: { complete: 305, waiting: 5 }, partial: false } },
};

export const ParkedMessageView = z.object({
  queue: z.string(),
  messageId: z.string().meta({ title: "Message ID" }),
  body: z.unknown(),
  reason: z.string().meta({ description: "invalid-message, validation, mapping-gap, not-found, conflict" }),
  description: z.string(),
  code: z.string().optional(),
  where: z.string().optional(),
  suggestion: z.unknown().optional().meta({ description: "For a mapping gap: the rule that would fix it" }),
  parkedAt: Timestamp,
  firstParkedAt: Timestamp,
  timesParked: z.number().int(),
});

export const DeadLetteredMessageView = z.object({
  queue: z.string(),
  messageId: z.string().meta({ title: "Message ID" }),
  sequenceNumber: z.string(),
  body: z.unknown(),
  subject: z.string().optional(),
  deadLetterReason: z.string().optional(),
  deadLetterErrorDescription: z.string().optional(),
  deliveryCount: z.number().int(),
  enqueuedTime: Timestamp.optional(),
  applicationProperties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const DeadLetterListingView = z
  .object({
    parked: z.array(ParkedMessageView),
    deadLettered: z.array(DeadLetteredMessageView),
    errors: z.array(z.object({ queue: z.string(), error: z.string() })),
  })
  .meta({ description: "Messages that need a person, with their reasons" });

export const DEAD_LETTERS_EXAMPLE: z.infer<typeof DeadLetterListingView> = {
  parked: [
    {
      queue: "order-import",
      messageId: "113-1234567-1234567:2025-03-17T05:00:00Z",
      body: { amazonOrderId: "113-1234567-1234567" },
      reason: "mapping-gap",
      description: "No item for SKU WIDGET-XL in mappings/sku-crossref.json",
      code: "mapping.sku",
      suggestion: { sku: "WIDGET-XL", itemNumber: "?" },
      parkedAt: "2025-03-17T05:01:00.000Z",
      firstParkedAt: "2025-03-17T05:01:00.000Z",
      timesParked: 1,
    },
  ],
  deadLettered: [],
  errors: [],
};

export const ReplayReportView = z
  .object({
    queue: z.string(),
    replayed: z.array(
      z.object({
        queue: z.string(),
        messageId: z.string(),
        newMessageId: z.string().meta({ title: "New Message ID" }),
        source: z.enum(["parked", "dead-letter"]),
      }),
    ),
    failed: z.array(z.object({ messageId: z.string(), source: z.enum(["parked", "dead-letter"]), error: z.string() })),
  })
  .meta({ description: "What was sent again, and what could not be" });

export const REPLAY_EXAMPLE: z.infer<typeof ReplayReportView> = {
  queue: "order-import",
  replayed: [
    {
      queue: "order-import",
      messageId: "113-1234567-1234567:2025-03-17T05:00:00Z",
      newMessageId: "113-1234567-1234567:2025-03-17T05:00:00Z:replay:1",
      source: "parked",
    },
  ],
  failed: [],
};

export const HealthView = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  ok: z.boolean(),
  checks: z.array(
    z.object({ name: z.string(), ok: z.boolean(), ms: z.number().meta({ title: "Time (ms)" }), detail: z.string().optional() }),
  ),
});

export const HEALTH_EXAMPLE: z.infer<typeof HealthView> = {
  status: "healthy",
  ok: true,
  checks: [
    { name: "state", ok: true, ms: 12 },
    { name: "d365", ok: true, ms: 140, detail: "token for https://contoso.operations.dynamics.com" },
  ],
};
