/**
 * Messages of the inventory queue (QUEUE_INVENTORY): work the HTTP API, D365 business events and replays of
 * review items hand over, so that HTTP answers at once (202 + Location) and a push never runs inside a request.
 *
 * - `push`: an FBM push of everything, one SKU or some items (`force` sends even unchanged quantities);
 * - `fba-reconcile`: the FBA reconciliation of all or some marketplaces.
 * `requestId` names the request record that GET /api/inventory/requests/{requestId} reports.
 * Bodies carry business keys only (SKUs, item numbers, marketplace ids).
 */
import { z } from "zod";
import type { OutgoingMessage } from "../../platform/ports";

const marketplaceIds = z
  .array(z.string().regex(/^[A-Z0-9]{10,16}$/, "must be an Amazon marketplace id"))
  .min(1)
  .optional();

export const PushMessage = z
  .object({
    kind: z.literal("push"),
    requestId: z.string().min(1).max(100).optional(),
    sellerSku: z.string().min(1).max(200).optional(),
    itemNumbers: z.array(z.string().min(1).max(20)).min(1).max(500).optional(),
    marketplaceIds,
    force: z.boolean().optional(),
    trigger: z.enum(["timer", "http", "event", "replay", "notification"]).default("http"),
  })
  .strict();

export const FbaReconcileMessage = z
  .object({
    kind: z.literal("fba-reconcile"),
    requestId: z.string().min(1).max(100).optional(),
    marketplaceIds,
  })
  .strict();

export const InventoryMessage = z.discriminatedUnion("kind", [PushMessage, FbaReconcileMessage]);
export type InventoryMessage = z.input<typeof InventoryMessage>;
export type ParsedInventoryMessage = z.output<typeof InventoryMessage>;

/** The message of a request (its id is the request id: Service Bus drops a second send of the same request). */
export function inventoryRequestMessage(body: InventoryMessage & { requestId: string }, scheduledEnqueueTime?: Date): OutgoingMessage {
  return {
    messageId: body.requestId,
    body,
    subject: body.kind,
    ...(scheduledEnqueueTime ? { scheduledEnqueueTime } : {}),
  };
}
