/**
 * Use case: a D365 business event that means on-hand changed queues a push. F&O has no documented standard
 * "on-hand changed" event; what the customer uses (a custom event, an alert sent as a business event, a data
 * event) is configured by its BusinessEventId (INVENTORY_D365_EVENT_IDS). The item comes from the event's contract
 * (`ItemNumber` or `ItemId`); without one, everything is pushed (only changes go to Amazon anyway).
 *
 * Events come in bursts (every posting of a busy item): the push message is scheduled at the end of a window
 * (INVENTORY_EVENT_DEBOUNCE_SECONDS) and its id names the item and the window, so Service Bus duplicate detection
 * keeps one push per item per window, which reads D365 after the burst.
 */
import type { Clock } from "../../platform/clock";
import type { MessageBus } from "../../platform/ports";
import type { InventoryMessage } from "./messages";

/** The envelope fields every F&O business event carries, and the contract's other fields. */
export interface D365BusinessEvent {
  BusinessEventId: string;
  BusinessEventLegalEntity?: string;
  EventId: string;
  [field: string]: unknown;
}

export interface InventoryEventDeps {
  bus: MessageBus;
  clock: Clock;
  options: {
    /** The BusinessEventIds that mean on-hand changed (INVENTORY_D365_EVENT_IDS). */
    eventIds: readonly string[];
    debounceMs: number;
    queue: string;
  };
}

export type InventoryEventOutcome =
  | { status: "ignored"; businessEventId: string }
  | { status: "queued"; messageId: string; itemNumbers?: string[]; at: string };

/** The flow's entry in a D365 business event dispatch table. */
export interface D365InventoryEventTarget {
  accepts(event: Pick<D365BusinessEvent, "BusinessEventId">): boolean;
  handle(event: D365BusinessEvent): Promise<InventoryEventOutcome>;
}

/** True when the event is one the inventory push listens to (the d365-events dispatcher asks first). */
export function isInventoryEvent(event: Pick<D365BusinessEvent, "BusinessEventId">, eventIds: readonly string[]): boolean {
  return eventIds.includes(event.BusinessEventId);
}

function itemOf(event: D365BusinessEvent): string | undefined {
  for (const field of ["ItemNumber", "ItemId", "itemNumber", "ItemNum"]) {
    const v = event[field];
    if (typeof v === "string" && v.trim()) return v.trim();
  }
  return undefined;
}

export async function onD365InventoryEvent(event: D365BusinessEvent, deps: InventoryEventDeps): Promise<InventoryEventOutcome> {
  if (!isInventoryEvent(event, deps.options.eventIds)) return { status: "ignored", businessEventId: event.BusinessEventId };
  const item = itemOf(event);
  const window = Math.max(1, deps.options.debounceMs);
  const at = new Date(Math.ceil((deps.clock.now().getTime() + 1) / window) * window);
  const messageId = `inventory-event:${item ?? "*"}:${at.toISOString()}`;
  const body: InventoryMessage = { kind: "push", trigger: "event", ...(item ? { itemNumbers: [item] } : {}) };
  await deps.bus.send(deps.options.queue, { messageId, body, subject: "push", scheduledEnqueueTime: at });
  return { status: "queued", messageId, ...(item ? { itemNumbers: [item] } : {}), at: at.toISOString() };
}
