/**
 * The local run's stand-in for F&O's Service Bus endpoint: every business event the D365 simulator sends
 * (its log, from the start) goes to the app's d365-events queue on the local host's bus, as F&O would send
 * it — the envelope as the message body, messageId = EventId. Only the local host and tests use this; in
 * Azure, F&O sends to Service Bus itself (docs/fulfillment.md, "Business events in F&O").
 */
import type { MessageBus } from "../platform/ports";
import type { BusinessEventLog, SimBusinessEvent } from "./d365-sim/business-events";

/**
 * How often the simulated D365 runs its "Post packing slip" batch job (Quantity = Deliver now) in the local
 * run: every minute of simulated time, as an admin would schedule it for MCF orders.
 */
export const DELIVER_NOW_BATCH_MS = 60_000;

export interface BusinessEventBridge {
  /** Events handed to the bus so far. */
  readonly sent: number;
  /** Resolves when every event handed over so far has been sent. */
  flush(): Promise<void>;
  stop(): void;
}

export function bridgeBusinessEvents(
  log: BusinessEventLog,
  bus: MessageBus,
  queue: string,
  options: { onError?: (err: unknown, event: SimBusinessEvent) => void } = {},
): BusinessEventBridge {
  let sent = 0;
  let chain: Promise<void> = Promise.resolve();
  const forward = (event: SimBusinessEvent) => {
    // In order, one at a time: F&O sends an endpoint's events in ControlNumber order.
    chain = chain.then(async () => {
      try {
        await bus.send(queue, { messageId: event.EventId, body: event, subject: event.BusinessEventId });
        sent++;
      } catch (err) {
        options.onError?.(err, event);
      }
    });
  };
  const unsubscribe = log.subscribe(forward, { replay: true });
  return {
    get sent() {
      return sent;
    },
    flush: () => chain,
    stop: unsubscribe,
  };
}
