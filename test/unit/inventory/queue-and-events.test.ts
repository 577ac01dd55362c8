import { describe, expect, it } from "vitest";
import { onD365InventoryEvent } from "../../../src/flows/inventory/d365-events";
import { handleInventoryMessage } from "../../../src/flows/inventory/handle-message";
import { InventoryMessage } from "../../../src/flows/inventory/messages";
import { takePushLease } from "../../../src/flows/inventory/push-records";
import { getInventoryRequest, requestInventoryWork } from "../../../src/flows/inventory/requests";
import { ManualClock } from "../../../src/platform/clock";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { inventoryMappings, pushDeps, RecordingBus, reconcileDeps, US } from "./fakes";

const mappings = () => inventoryMappings([{ sellerSku: "SKU-1", itemNumber: "I1" }], { fbm: { channels: [{ marketplaceId: US }] } });

describe("D365 business events that mean on-hand changed", () => {
  const deps = (clock = new ManualClock("2026-03-02T10:00:20Z")) => {
    const bus = new RecordingBus();
    return {
      bus,
      clock,
      deps: { bus, clock, options: { eventIds: ["InventOnhandChangedEvent"], debounceMs: 60_000, queue: "inventory-sync" } },
    };
  };

  it("queues a push of the event's item at the end of its window, with an id Service Bus deduplicates within the window", async () => {
    const t = deps();
    const event = { BusinessEventId: "InventOnhandChangedEvent", EventId: "E-1", BusinessEventLegalEntity: "usmf", ItemNumber: "D0005" };
    const out = await onD365InventoryEvent(event, t.deps);
    expect(out).toEqual({
      status: "queued",
      messageId: "inventory-event:D0005:2026-03-02T10:01:00.000Z",
      itemNumbers: ["D0005"],
      at: "2026-03-02T10:01:00.000Z",
    });
    t.clock.advance(30_000);
    await onD365InventoryEvent({ ...event, EventId: "E-2" }, t.deps);
    expect(t.bus.sent.map((s) => s.message.messageId)).toEqual([
      out.status === "queued" ? out.messageId : "",
      out.status === "queued" ? out.messageId : "",
    ]);
    expect(t.bus.sent[0]!.message).toMatchObject({
      scheduledEnqueueTime: new Date("2026-03-02T10:01:00Z"),
      body: { kind: "push", trigger: "event", itemNumbers: ["D0005"] },
    });
    expect(InventoryMessage.safeParse(t.bus.sent[0]!.message.body).success).toBe(true);
  });

  it("pushes everything when the event names no item (ItemId is read too), and ignores other events", async () => {
    const t = deps();
    expect(await onD365InventoryEvent({ BusinessEventId: "InventOnhandChangedEvent", EventId: "E-3" }, t.deps)).toMatchObject({
      status: "queued",
      messageId: "inventory-event:*:2026-03-02T10:01:00.000Z",
    });
    expect(
      await onD365InventoryEvent({ BusinessEventId: "InventOnhandChangedEvent", EventId: "E-4", ItemId: "D0006" }, t.deps),
    ).toMatchObject({
      itemNumbers: ["D0006"],
    });
    expect(await onD365InventoryEvent({ BusinessEventId: "SalesInvoicePostedBusinessEvent", EventId: "E-5" }, t.deps)).toEqual({
      status: "ignored",
      businessEventId: "SalesInvoicePostedBusinessEvent",
    });
    expect(t.bus.sent).toHaveLength(2);
  });
});

describe("the inventory queue", () => {
  it("runs a requested push and records its result on the request (what the Location URL shows)", async () => {
    const push = pushDeps(mappings(), { options: { feedThreshold: 10 } });
    push.d365.set("I1", "11", { available: "4" });
    const bus = new RecordingBus();
    const queued = await requestInventoryWork(
      { kind: "push", trigger: "http" },
      { state: push.state, bus, queue: "inventory-sync", clock: push.clock },
    );
    expect(queued.status).toBe("queued");
    const message = InventoryMessage.parse(bus.sent[0]!.message.body);
    expect(bus.sent[0]!.message.messageId).toBe(queued.requestId);
    const deps = {
      push: () => push.deps,
      reconcile: () => reconcileDeps(mappings(), push.state).deps,
      state: push.state,
      bus,
      queue: "inventory-sync",
      clock: push.clock,
      telemetry: new MemoryTelemetry(),
    };
    await handleInventoryMessage(message, queued.requestId, deps);
    const done = await getInventoryRequest(push.state, queued.requestId);
    expect(done).toMatchObject({ status: "done", result: { outcome: "succeeded", marketplaces: [{ marketplaceId: US, accepted: 1 }] } });
    await expect(getInventoryRequest(push.state, "push-unknown")).rejects.toThrow("No inventory request");
  });

  it("puts a full push back on the queue a minute later while another holds the lease (a scheduled message, not an abandon)", async () => {
    const push = pushDeps(mappings());
    push.d365.set("I1", "11", { available: "4" });
    await takePushLease(push.state, "timer", 600_000, push.clock);
    const bus = new RecordingBus();
    const deps = {
      push: () => push.deps,
      reconcile: () => reconcileDeps(mappings(), push.state).deps,
      state: push.state,
      bus,
      queue: "inventory-sync",
      clock: push.clock,
      telemetry: new MemoryTelemetry(),
    };
    const out = await handleInventoryMessage(InventoryMessage.parse({ kind: "push", requestId: "push-1" }), "push-1", deps);
    expect(out).toEqual({ rescheduled: `push-1:busy:${Math.floor((push.clock.now().getTime() + 60_000) / 60_000)}` });
    expect(bus.sent[0]!.message).toMatchObject({
      scheduledEnqueueTime: new Date(push.clock.now().getTime() + 60_000),
      body: { kind: "push" },
    });
    expect(push.amazon.calls()).toBe(0);
  });
});
