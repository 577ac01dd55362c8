/**
 * Use case: one D365 business event from the d365-events queue -> the sales order it names, handed to the
 * targets the wiring gives (the fulfillment flow: "look at this order": send it to MCF, confirm its FBM
 * packing slips). Which events name a sales order, and in which contract field, is configuration
 * (mappings/fulfillment.json "businessEvents"): F&O documents "Invoice is created from a sales order"
 * (SalesInvoicePostedBusinessEvent, field SalesOrderId) but no "sales order confirmed" or "packing slip
 * posted" event, so admins use change-based alerts sent as business events (BusinessEventsAlertEvent, key in
 * KeyValue1) or events of their own (docs/fulfillment.md).
 *
 * - Events no rule names (the test message F&O sends on activation, other flows' events) are completed and
 *   logged: nothing to do.
 * - An event seen before (same EventId: F&O's resend, a redelivery after the duplicate-detection window) is
 *   completed without calling anything; the EventId is recorded only after the target took the order, so a
 *   failure in between retries.
 */
import type { BusinessEventRule } from "../../mapping/fulfillment";
import type { Clock } from "../../platform/clock";
import type { StateEntity, StateStore } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";
import type { Telemetry } from "../../platform/telemetry";
import type { BusinessEvent } from "./envelope";

export const D365_EVENTS_TABLE = "d365events";

export interface SalesOrderEventRef {
  company: string;
  salesOrderNumber: string;
  eventId: string;
  businessEventId: string;
}

/** Where events go; built by the wiring. */
export interface BusinessEventTargets {
  /** Events that name a sales order (mappings/fulfillment.json businessEvents). */
  salesOrder(ref: SalesOrderEventRef): Promise<{ messageId: string }>;
  /**
   * Events that say on-hand changed (the inventory flow's INVENTORY_D365_EVENT_IDS): `accepts` is asked first,
   * `handle` queues the inventory push. Absent: such events fall to the sales order rules.
   */
  inventory?: {
    accepts(e: BusinessEvent): boolean;
    handle(e: BusinessEvent): Promise<unknown>;
  };
}

export interface RouteEventDeps {
  rules: readonly BusinessEventRule[];
  targets: BusinessEventTargets;
  state: StateStore;
  clock: Clock;
  telemetry: Telemetry;
}

export type RouteEventResult =
  | { routed: "sales-order"; company: string; salesOrderNumber: string; messageId: string }
  | { routed: "inventory"; businessEventId: string; outcome: unknown }
  | { routed: "duplicate"; eventId: string }
  | { routed: "ignored"; businessEventId: string; reason: string };

interface SeenRow extends StateEntity {
  businessEventId: string;
  controlNumber?: number;
  salesOrderNumber?: string;
  company?: string;
  receivedAt: Date;
}

function field(e: BusinessEvent, name: string): string | undefined {
  const v = (e as Record<string, unknown>)[name];
  if (v === undefined || v === null) return undefined;
  const s = String(v).trim();
  return s === "" ? undefined : s;
}

/** The sales order an event names under the first rule that matches it. */
export function salesOrderOf(
  e: BusinessEvent,
  rules: readonly BusinessEventRule[],
): { company: string; salesOrderNumber: string } | { reason: string } {
  const candidates = rules.filter((r) => r.businessEventId.toLowerCase() === e.BusinessEventId.toLowerCase());
  if (candidates.length === 0) return { reason: `no rule in mappings/fulfillment.json businessEvents names ${e.BusinessEventId}` };
  const rule = candidates.find((r) =>
    Object.entries(r.when ?? {}).every(([k, v]) => (field(e, k) ?? "").toLowerCase() === v.toLowerCase()),
  );
  if (!rule) return { reason: `${e.BusinessEventId}: no rule's "when" matches this event` };
  const salesOrderNumber = field(e, rule.salesOrderField);
  const company = (rule.legalEntityField ? field(e, rule.legalEntityField) : undefined) ?? field(e, "BusinessEventLegalEntity");
  // The test message F&O sends when an event is activated carries empty contract fields.
  if (!salesOrderNumber) return { reason: `${e.BusinessEventId}: ${rule.salesOrderField} is empty (a test message?)` };
  if (!company) return { reason: `${e.BusinessEventId}: no legal entity in ${rule.legalEntityField ?? "BusinessEventLegalEntity"}` };
  return { company: company.toLowerCase(), salesOrderNumber };
}

export async function routeBusinessEvent(e: BusinessEvent, deps: RouteEventDeps): Promise<RouteEventResult> {
  const key = { partitionKey: safeKey(e.EventId), rowKey: "event" };
  if (await deps.state.get<SeenRow>(D365_EVENTS_TABLE, key.partitionKey, key.rowKey)) {
    deps.telemetry.log("info", "d365Event.duplicate", {
      eventId: e.EventId,
      businessEventId: e.BusinessEventId,
      controlNumber: e.ControlNumber,
    });
    return { routed: "duplicate", eventId: e.EventId };
  }
  if (deps.targets.inventory?.accepts(e)) {
    const outcome = await deps.targets.inventory.handle(e);
    await deps.state.upsert(D365_EVENTS_TABLE, {
      ...key,
      businessEventId: e.BusinessEventId,
      controlNumber: e.ControlNumber,
      receivedAt: deps.clock.now(),
    } satisfies SeenRow);
    deps.telemetry.event("d365Event.routed", {
      eventId: e.EventId,
      businessEventId: e.BusinessEventId,
      controlNumber: e.ControlNumber,
      target: "inventory",
    });
    return { routed: "inventory", businessEventId: e.BusinessEventId, outcome };
  }
  const target = salesOrderOf(e, deps.rules);
  if ("reason" in target) {
    deps.telemetry.log("info", "d365Event.ignored", { eventId: e.EventId, businessEventId: e.BusinessEventId, reason: target.reason });
    return { routed: "ignored", businessEventId: e.BusinessEventId, reason: target.reason };
  }
  const { messageId } = await deps.targets.salesOrder({ ...target, eventId: e.EventId, businessEventId: e.BusinessEventId });
  await deps.state.upsert(D365_EVENTS_TABLE, {
    ...key,
    businessEventId: e.BusinessEventId,
    controlNumber: e.ControlNumber,
    salesOrderNumber: target.salesOrderNumber,
    company: target.company,
    receivedAt: deps.clock.now(),
  } satisfies SeenRow);
  deps.telemetry.event("d365Event.routed", {
    eventId: e.EventId,
    businessEventId: e.BusinessEventId,
    controlNumber: e.ControlNumber,
    company: target.company,
    salesOrderNumber: target.salesOrderNumber,
  });
  return { routed: "sales-order", ...target, messageId };
}

/** Events received (for the status page): how many, and the highest ControlNumber seen. */
export async function summarizeBusinessEvents(
  state: StateStore,
  limit = 20_000,
): Promise<{ received: number; lastControlNumber?: number; partial: boolean }> {
  let received = 0;
  let last: number | undefined;
  for await (const row of state.query<SeenRow>(D365_EVENTS_TABLE)) {
    if (received >= limit) return { received, ...(last !== undefined ? { lastControlNumber: last } : {}), partial: true };
    received++;
    const n = row.entity.controlNumber;
    if (typeof n === "number" && (last === undefined || n > last)) last = n;
  }
  return { received, ...(last !== undefined ? { lastControlNumber: last } : {}), partial: false };
}
