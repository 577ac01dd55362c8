/**
 * Use case: one fulfillment request from the queue. An "order" request reads the D365 order once and does
 * what applies to it: an MCF order is sent to Amazon (or, once Amazon has it, followed: a D365-side trigger
 * may mean it was canceled), an FBM Amazon order gets its posted packing slips confirmed; an "mcf-sync"
 * request (an MCF notification, the monitor) follows an MCF order Amazon has.
 */
import { ThrottledError } from "../../platform/errors";
import type { DeliveryInfo, MessageBus } from "../../platform/ports";
import { type ConfirmCommand, confirmShipments, type ShipmentDeps, type ShipmentsOutcome } from "./confirm-shipments";
import type { FulfillmentRequest } from "./requests";
import { type McfDeps, type McfOutcome, sendToMcf, WITH_AMAZON } from "./send-to-mcf";
import { type SyncOutcome, syncMcfOrder } from "./sync-mcf-order";

export type FulfillmentDeps = McfDeps & ShipmentDeps & { shipmentsEnabled: boolean; bus: MessageBus };

export interface RequestOutcome {
  mcf?: McfOutcome | SyncOutcome;
  shipments?: ShipmentsOutcome;
  /** Another worker had the order: the request comes back at this time (a scheduled message). */
  deferredUntil?: string;
}

/** Longest wait before a request for a busy order comes back. */
const BUSY_RETRY_MS = 5_000;

/**
 * When another worker holds the order, the request is put back as a scheduled message (Service Bus redelivers
 * an abandoned message at once, which would only burn its delivery count); its id is derived from this
 * delivery's ("later<n>:<id>"), so a redelivery of this message does not schedule a second one.
 */
export async function handleFulfillmentRequest(
  request: FulfillmentRequest,
  delivery: Pick<DeliveryInfo, "messageId">,
  deps: FulfillmentDeps,
): Promise<RequestOutcome> {
  try {
    return await handle(request, delivery, deps);
  } catch (err) {
    if (!(err instanceof ThrottledError) || (err.code !== "mcf.busy" && err.code !== "fbm.busy")) throw err;
    const at = new Date(deps.clock.now().getTime() + Math.min(Math.max(err.retryAfterMs, 200), BUSY_RETRY_MS));
    const m = /^later(\d+):(.*)$/.exec(delivery.messageId);
    const next = `later${m ? Number(m[1]) + 1 : 1}:${m ? m[2] : delivery.messageId}`;
    await deps.bus.send(deps.queue, { ...fulfillmentMessageFor(request, next), scheduledEnqueueTime: at });
    deps.telemetry.log("info", "fulfillment.deferred", { messageId: delivery.messageId, until: at.toISOString(), code: err.code });
    return { deferredUntil: at.toISOString() };
  }
}

function fulfillmentMessageFor(request: FulfillmentRequest, messageId: string) {
  return { messageId: messageId.slice(0, 128), body: request, subject: request.kind };
}

async function handle(
  request: FulfillmentRequest,
  delivery: Pick<DeliveryInfo, "messageId">,
  deps: FulfillmentDeps,
): Promise<RequestOutcome> {
  const holder = delivery.messageId;
  if (request.kind === "mcf-sync") {
    return {
      mcf: await syncMcfOrder(
        {
          sellerFulfillmentOrderId: request.sellerFulfillmentOrderId,
          trigger: request.source === "notification" ? "amazon" : request.source === "monitor" ? "monitor" : "d365",
          ...(request.amazonShipmentId || request.finalStatus
            ? { notification: { amazonShipmentId: request.amazonShipmentId, finalStatus: request.finalStatus } }
            : {}),
          holder,
        },
        deps,
      ),
    };
  }
  const header = await deps.d365.getOrder(request.company, request.salesOrderNumber);
  const company = header?.company ?? request.company.toLowerCase();
  const out: RequestOutcome = {};
  if (request.intent !== "shipments") {
    const record = await deps.records.getByOrder(company, request.salesOrderNumber);
    out.mcf =
      record && WITH_AMAZON.includes(record.status) && record.status !== "creating"
        ? await syncMcfOrder(
            { sellerFulfillmentOrderId: record.sellerFulfillmentOrderId, trigger: "d365", header: header ?? null, holder },
            deps,
          )
        : await sendToMcf({ company, salesOrderNumber: request.salesOrderNumber, force: request.force, holder }, header, deps);
  }
  if (request.intent !== "mcf") {
    const cmd: ConfirmCommand = { company, salesOrderNumber: request.salesOrderNumber, force: request.force, holder };
    out.shipments = !header
      ? { outcome: "not-amazon", reason: `sales order ${request.salesOrderNumber} does not exist in ${company}` }
      : !deps.shipmentsEnabled
        ? { outcome: "not-amazon", reason: "FBM confirmation is switched off in mappings/fulfillment.json (shipments.enabled)" }
        : await confirmShipments(cmd, header, deps);
    await deps.ledger.noteChecked(company, request.salesOrderNumber, out.shipments);
  }
  return out;
}
