/**
 * Business events the simulated F&O sends, in F&O's envelope: BusinessEventId, BusinessEventLegalEntity,
 * ContextRecordSubject, ControlNumber (increasing, with gaps), EventId (a GUID), EventTime (WCF
 * "/Date(ms)/"), EventTimeIso8601, InitiatingUserAADObjectId, MajorVersion, MinorVersion,
 * ParentContextRecordSubjects, then the event's contract fields (docs/fulfillment.md shows both contracts
 * the demo uses). Events are sent when the transaction that caused them commits (SimStore.afterCommit), as
 * F&O does.
 *
 * The simulator cannot reach the app's Service Bus: it keeps every event in a log that anyone can read
 * (GET /_control/business-events?after=<ControlNumber>) or subscribe to; the local run feeds the log into
 * the app's d365-events queue with a small bridge (src/local/d365-events-bridge.ts).
 */
import { randomUUID } from "node:crypto";
import type { SimStore } from "./store";

/** One business event as F&O serialises it on its Service Bus endpoint. */
export type SimBusinessEvent = {
  BusinessEventId: string;
  BusinessEventLegalEntity: string;
  ContextRecordSubject: string;
  ControlNumber: number;
  EventId: string;
  EventTime: string;
  EventTimeIso8601: string;
  InitiatingUserAADObjectId: string;
  MajorVersion: number;
  MinorVersion: number;
  ParentContextRecordSubjects: string[];
} & Record<string, unknown>;

export type BusinessEventListener = (event: SimBusinessEvent) => void;

/** The demo company's integration user (an obviously fake Entra object id). */
const DEMO_USER = "{00000000-0000-4000-8000-00000000D365}";
const LOG_LIMIT = 5000;

export class BusinessEventLog {
  private events: SimBusinessEvent[] = [];
  private listeners = new Set<BusinessEventListener>();
  private control = 5637144576;

  constructor(private readonly now: () => Date) {}

  /** Records an event and hands it to every subscriber. */
  emit(businessEventId: string, legalEntity: string, contract: Record<string, unknown>): SimBusinessEvent {
    const at = this.now();
    // ControlNumber: increasing with gaps (F&O numbers every event of the environment, sent or not).
    this.control += 1 + (this.events.length % 3);
    const event: SimBusinessEvent = {
      ...contract,
      BusinessEventId: businessEventId,
      BusinessEventLegalEntity: legalEntity.toUpperCase(),
      ContextRecordSubject: "",
      ControlNumber: this.control,
      EventId: randomUUID().toUpperCase(),
      EventTime: `/Date(${at.getTime()})/`,
      EventTimeIso8601: at.toISOString().replace(/(\.\d{3})Z$/, "$10000Z"),
      InitiatingUserAADObjectId: DEMO_USER,
      MajorVersion: 0,
      MinorVersion: 0,
      ParentContextRecordSubjects: [],
    };
    this.events.push(event);
    if (this.events.length > LOG_LIMIT) this.events = this.events.slice(-LOG_LIMIT / 2);
    for (const l of this.listeners) l(event);
    return event;
  }

  /** Events with a ControlNumber above `after` (all when absent), oldest first. */
  list(after?: number): SimBusinessEvent[] {
    return this.events.filter((e) => after === undefined || e.ControlNumber > after);
  }

  /** Subscribes; with `replay`, the events already in the log are handed over first. Returns the unsubscribe. */
  subscribe(listener: BusinessEventListener, options: { replay?: boolean } = {}): () => void {
    if (options.replay) for (const e of this.events) listener(e);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets the events (a simulator reset); subscribers stay. */
  clear(): void {
    this.events = [];
  }
}

const logs = new WeakMap<SimStore, BusinessEventLog>();

/** The business event log of a simulator's store (one per simulator). */
export function businessEventsOf(store: SimStore, now: () => Date = () => new Date()): BusinessEventLog {
  let log = logs.get(store);
  if (!log) logs.set(store, (log = new BusinessEventLog(now)));
  return log;
}

/**
 * An alert sent as a business event (BusinessEventsAlertEvent): a change-based alert rule with "Send
 * externally" on. KeyValue1 is the record's key (SalesId for SalesTable and CustPackingSlipJour).
 */
export function alertEvent(
  store: SimStore,
  company: string,
  alert: {
    ruleId: string;
    tableName: string;
    tableLabel: string;
    fieldName?: string;
    fieldLabel?: string;
    keyValue: string;
    subject: string;
  },
): void {
  store.afterCommit(() => {
    businessEventsOf(store).emit("BusinessEventsAlertEvent", company, {
      DataAreaId: company.toLowerCase(),
      RuleId: alert.ruleId,
      TableName: alert.tableName,
      TableLabel: alert.tableLabel,
      FieldName: alert.fieldName ?? "",
      FieldLabel: alert.fieldLabel ?? "",
      KeyValue1: alert.keyValue,
      KeyValue2: "",
      Subject: alert.subject,
      Message: alert.subject,
      MessageDetails: "",
      Email: "",
      Link: "",
    });
  });
}
