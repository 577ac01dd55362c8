/**
 * A D365 F&O business event as it arrives on the d365-events queue: F&O's envelope (BusinessEventId,
 * BusinessEventLegalEntity, ContextRecordSubject, ControlNumber, EventId, EventTime as WCF "/Date(ms)/",
 * EventTimeIso8601, InitiatingUserAADObjectId, MajorVersion, MinorVersion, ParentContextRecordSubjects)
 * followed by the event's own contract fields, which stay in the object as they came. The Service Bus
 * message id is the EventId.
 *
 * Business events are notifications, not data: the app reads the record they name from D365 again.
 */
import { z } from "zod";

/** F&O's Service Bus adapter may put a DataContract string preamble before the JSON; keep only the object. */
function unwrap(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const start = value.indexOf("{");
  const end = value.lastIndexOf("}");
  if (start < 0 || end <= start) return value;
  try {
    return JSON.parse(value.slice(start, end + 1));
  } catch {
    return value;
  }
}

export const BusinessEventEnvelope = z.preprocess(
  unwrap,
  z.looseObject({
    BusinessEventId: z.string().min(1, { error: "the event names no BusinessEventId" }),
    EventId: z.string().min(1),
    ControlNumber: z.number().int().nonnegative().optional(),
    BusinessEventLegalEntity: z.string().optional(),
    EventTime: z.string().optional(),
    EventTimeIso8601: z.string().optional(),
    MajorVersion: z.number().optional(),
    MinorVersion: z.number().optional(),
  }),
);
export type BusinessEvent = z.infer<typeof BusinessEventEnvelope>;

/** When the event happened: EventTimeIso8601, else the WCF date in EventTime ("/Date(1637246655000)/"). */
export function eventTimeOf(e: BusinessEvent): Date | undefined {
  if (e.EventTimeIso8601) {
    const d = new Date(e.EventTimeIso8601);
    if (!Number.isNaN(d.getTime())) return d;
  }
  const m = /^\/Date\((-?\d+)(?:[+-]\d{4})?\)\/$/.exec(e.EventTime ?? "");
  return m ? new Date(Number(m[1])) : undefined;
}
