/**
 * The fulfillment request message (queue QUEUE_FULFILLMENT): every trigger of the flow — a D365 business
 * event, the catch-up timer, the HTTP endpoints, an MCF notification, a replay — says only which order to look
 * at, and the one consumer reads the current state from D365 and Amazon and decides. Duplicates are
 * therefore harmless: the message ids below let Service Bus drop the obvious ones, and the use cases are
 * idempotent for the rest.
 */
import { z } from "zod";
import type { MessageBus, OutgoingMessage } from "../../platform/ports";
import type { McfRecords } from "./mcf-records";
import type { McfStatus } from "./model";

const OrderRef = {
  company: z.string().trim().min(1).max(8),
  salesOrderNumber: z.string().trim().min(1).max(40),
};

export const FulfillmentRequest = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("order"),
      ...OrderRef,
      /** mcf: only MCF; shipments: only FBM confirmation; absent: whichever applies. */
      intent: z.enum(["mcf", "shipments"]).optional(),
      source: z.enum(["business-event", "catch-up", "http", "replay", "monitor"]),
      /** Look again even when the record says a person must act first (a replay after the fix). */
      force: z.boolean().optional(),
      eventId: z.string().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("mcf-sync"),
      sellerFulfillmentOrderId: z.string().min(1).max(40),
      source: z.enum(["notification", "monitor", "http"]),
      /** What the notification said: a shipment, a final status (so a sync can see it knows them already). */
      amazonShipmentId: z.string().max(64).optional(),
      finalStatus: z.enum(["COMPLETE", "COMPLETE_PARTIALLED", "CANCELLED", "UNFULFILLABLE", "INVALID"]).optional(),
    })
    .strict(),
]);
export type FulfillmentRequest = z.infer<typeof FulfillmentRequest>;
export type OrderRequest = Extract<FulfillmentRequest, { kind: "order" }>;

/** Message id: the trigger's own key (the EventId, the notification id), else the order and a time stamp. */
export function fulfillmentMessage(request: FulfillmentRequest, key: string): OutgoingMessage {
  const subject = request.kind === "order" ? `${request.company}/${request.salesOrderNumber}` : request.sellerFulfillmentOrderId;
  return {
    messageId: `${request.kind}:${key}`.slice(0, 128),
    body: request,
    subject: request.kind,
    applicationProperties: { order: subject, source: request.source },
  };
}

export async function enqueueFulfillment(
  deps: { bus: MessageBus; queue: string },
  request: FulfillmentRequest,
  key: string,
): Promise<{ messageId: string }> {
  const message = fulfillmentMessage(request, key);
  await deps.bus.send(deps.queue, message);
  return { messageId: message.messageId };
}

/** The request a review item replays: look at the order again, past the "needs attention" stop. */
export function replayRequest(company: string, salesOrderNumber: string, intent?: "mcf" | "shipments"): OrderRequest {
  return { kind: "order", company, salesOrderNumber, source: "replay", force: true, ...(intent ? { intent } : {}) };
}

/** Amazon's final order statuses as notifications spell them (either casing, letters only) -> the flow's. */
const FINAL_IN_NOTIFICATION: Record<
  string,
  Extract<McfStatus, "COMPLETE" | "COMPLETE_PARTIALLED" | "CANCELLED" | "UNFULFILLABLE" | "INVALID">
> = {
  COMPLETE: "COMPLETE",
  COMPLETEPARTIALLED: "COMPLETE_PARTIALLED",
  COMPLETEPARTIAL: "COMPLETE_PARTIALLED",
  CANCELLED: "CANCELLED",
  UNFULFILLABLE: "UNFULFILLABLE",
  INVALID: "INVALID",
};

/**
 * An MCF notification: follow the order when the app sent it and the notification can change what the app
 * brings back (a shipment it has not seen, a final status it does not have, a cancelled shipment) — one
 * request per notification id. The steps in between (Received, Planning, Processing; a shipment created) are
 * left to those. Undefined for MCF orders the app does not know (created in Seller Central or by another
 * system) and for skipped steps.
 */
export async function followMcfOrder(
  change: { sellerFulfillmentOrderId: string; eventType?: string; status?: string; amazonShipmentId?: string },
  notificationId: string,
  deps: { records: Pick<McfRecords, "get">; bus: MessageBus; queue: string },
): Promise<{ messageId: string } | undefined> {
  const status = (change.status ?? "").toUpperCase().replace(/[^A-Z]/g, "");
  const event = change.eventType?.toLowerCase();
  const matters =
    event === undefined ? status === "CANCELLED" : event === "shipment" || (event === "order" && status in FINAL_IN_NOTIFICATION);
  if (!matters) return undefined;
  const sellerFulfillmentOrderId = change.sellerFulfillmentOrderId;
  const record = await deps.records.get(sellerFulfillmentOrderId);
  if (!record) return undefined;
  // Nothing new for the record: a shipment it has, the final status it has.
  if (event === "shipment" && change.amazonShipmentId && record.packages.some((p) => p.amazonShipmentId === change.amazonShipmentId))
    return undefined;
  if (event === "order" && FINAL_IN_NOTIFICATION[status] === record.amazonStatus) return undefined;
  const finalStatus = event === "order" ? FINAL_IN_NOTIFICATION[status] : undefined;
  return enqueueFulfillment(
    deps,
    {
      kind: "mcf-sync",
      sellerFulfillmentOrderId,
      source: "notification",
      ...(event === "shipment" && change.amazonShipmentId ? { amazonShipmentId: change.amazonShipmentId } : {}),
      ...(finalStatus ? { finalStatus } : {}),
    },
    `notification:${notificationId}`,
  );
}
