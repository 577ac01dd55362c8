import { beforeEach, describe, expect, it } from "vitest";
import { importReturn, returnMessageId } from "../../../src/flows/returns/import-return";
import type { AmazonReturn } from "../../../src/flows/returns/model";
import type { ImportReturnDeps } from "../../../src/flows/returns/ports";
import { ReturnStore } from "../../../src/flows/returns/records";
import { Mappings } from "../../../src/mapping/mappings";
import { ReturnMappings } from "../../../src/mapping/returns";
import { ManualClock } from "../../../src/platform/clock";
import { MappingGapError, NotFoundError, ThrottledError } from "../../../src/platform/errors";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { listParked, parkMessage } from "../../../src/platform/parked-messages";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { aSalesOrder, FakeD365Returns } from "./builders";

class RecordingBus implements MessageBus {
  readonly sent: OutgoingMessage[] = [];
  async send(_q: string, m: OutgoingMessage | OutgoingMessage[]) {
    this.sent.push(...(Array.isArray(m) ? m : [m]));
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

const ORDER = "111-4551906-4909697";
const RETURN: AmazonReturn = {
  key: `FBM|${ORDER}|DRGRFPGVZRMA`,
  channel: "FBM",
  amazonOrderId: ORDER,
  returnId: "DRGRFPGVZRMA",
  marketplaceId: "ATVPDKIKX0DER",
  returnDate: "2026-11-18T00:00:00.000Z",
  items: [
    { sku: "DEMO-CHARGER-65W", quantity: 1, reason: "DEFECTIVE" },
    { sku: "DEMO-SPEAKER-BLK", quantity: 2, reason: "DEFECTIVE" },
  ],
};
const cmd = { amazonOrderId: ORDER, key: RETURN.key, source: "test" };

let d365: FakeD365Returns;
let state: MemoryStateStore;
let bus: RecordingBus;
let clock: ManualClock;
let returnMappings: ReturnMappings;
let deps: ImportReturnDeps;
let store: ReturnStore;

beforeEach(async () => {
  d365 = new FakeD365Returns();
  d365.salesOrders.set(ORDER, aSalesOrder());
  state = new MemoryStateStore();
  bus = new RecordingBus();
  clock = new ManualClock("2026-11-27T12:00:00Z");
  returnMappings = ReturnMappings.load("mappings");
  deps = {
    d365,
    state,
    mappings: Mappings.load("mappings"),
    returnMappings: () => returnMappings,
    bus,
    queue: "return-import",
    clock,
    log: new MemoryTelemetry(),
    orderWaitMinutes: 60,
  };
  store = new ReturnStore(state, () => clock.now());
  await store.register(RETURN);
});

describe("importing one Amazon return", () => {
  it("creates one return order with a line per SKU and records its number", async () => {
    const result = await importReturn(cmd, deps);
    expect(result).toEqual({ outcome: "created", key: RETURN.key, returnOrderNumber: "000701", linesCreated: 2 });
    expect(d365.headers).toHaveLength(1);
    expect(d365.lines.map((l) => [l.ItemNumber, l.ReturnSalesQuantity, l.ReturnWarehouseId])).toEqual([
      ["D0006", -1, "13"],
      ["D0001", -2, "13"],
    ]);
    // No lookup of an existing return order on a first attempt: nothing can exist yet.
    expect(d365.calls).toEqual(["findSalesOrder", "createReturnOrder", "createReturnLines"]);
    const record = await store.get(ORDER, RETURN.key);
    expect(record).toMatchObject({
      status: "imported",
      returnOrderNumber: "000701",
      rmaNumber: "RMA-701",
      salesOrderNumber: "000123",
      reasonCode: "DEFECT",
    });
    expect(record?.lines?.map((l) => l.inventoryLotId)).toEqual(["LOT-1", "LOT-2"]);
  });

  it("does nothing, not even a D365 read, for a return already imported (a duplicate message or a replay)", async () => {
    await importReturn(cmd, deps);
    d365.calls.length = 0;
    expect(await importReturn({ ...cmd, source: "replay" }, deps)).toMatchObject({ outcome: "unchanged", returnOrderNumber: "000701" });
    expect(d365.calls).toEqual([]);
  });

  it("finds the header again after a crash between header and lines and adds only the lines: one return order", async () => {
    d365.crashAfterHeader = 1;
    await expect(importReturn(cmd, deps)).rejects.toThrow(/connection reset/);
    expect((await store.get(ORDER, RETURN.key))?.status).toBe("pending");
    const result = await importReturn(cmd, deps);
    expect(result).toMatchObject({ outcome: "completed", returnOrderNumber: "000701", linesCreated: 2 });
    expect(d365.headers).toHaveLength(1);
    expect(d365.lines).toHaveLength(2);
    expect(d365.calls).toContain("findReturnOrder");
  });

  it("resumes a return order whose lines failed, without a second header", async () => {
    d365.failLines = 1;
    await expect(importReturn(cmd, deps)).rejects.toThrow(/503/);
    expect((await store.get(ORDER, RETURN.key))?.status).toBe("header-created");
    await importReturn(cmd, deps);
    expect(d365.headers).toHaveLength(1);
    expect(d365.lines).toHaveLength(2);
  });

  it("adds only the missing line when Amazon later reports another SKU of the same RMA", async () => {
    await store.register({ ...RETURN, items: [RETURN.items[0]!] });
    const only = new ReturnStore(state, () => clock.now());
    await only.updateReturn(ORDER, RETURN.key, (r) => ({ ...r, items: [r.items[0]!] }));
    await importReturn(cmd, deps);
    expect(d365.lines).toHaveLength(1);
    await store.register(RETURN);
    expect((await store.get(ORDER, RETURN.key))?.status).toBe("header-created");
    await importReturn(cmd, deps);
    expect(d365.headers).toHaveLength(1);
    expect(d365.lines.map((l) => l.ExternalItemNumber)).toEqual(["DEMO-CHARGER-65W", "DEMO-SPEAKER-BLK"]);
  });

  it("stops an unknown reason as needs-mapping before anything is written, and imports it after the mapping is added", async () => {
    await store.updateReturn(ORDER, RETURN.key, (r) => ({ ...r, items: r.items.map((i) => ({ ...i, reason: "FOUND_BETTER_PRICE" })) }));
    const err = await importReturn(cmd, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MappingGapError);
    expect((err as MappingGapError).suggestion).toEqual({ file: "returns.json", add: { reasons: { FOUND_BETTER_PRICE: "UNWANTED" } } });
    expect(d365.headers).toEqual([]);
    expect(await store.get(ORDER, RETURN.key)).toMatchObject({ status: "needs-mapping", review: { reason: "needs-mapping" } });
    // The admin adds the code; the queue adapter had parked the message; the replay imports it and clears the review.
    await parkMessage(state, {
      queue: "return-import",
      messageId: returnMessageId(RETURN.key),
      body: cmd,
      reason: "mapping-gap",
      description: "x",
    });
    returnMappings = ReturnMappings.parse({
      ...returnMappings.file,
      reasons: { ...returnMappings.file.reasons, FOUND_BETTER_PRICE: "UNWANTED" },
    });
    expect(await importReturn({ ...cmd, source: "replay" }, deps)).toMatchObject({ outcome: "created" });
    expect(d365.headers[0]?.CustomerReturnReasonCode).toBe("UNWANTED");
    expect(await listParked(state, { queue: "return-import" })).toEqual([]);
    expect((await store.get(ORDER, RETURN.key))?.review).toBeUndefined();
  });

  it("waits for the orders flow when D365 has no sales order yet: the message comes back later", async () => {
    d365.salesOrders.clear();
    const result = await importReturn(cmd, deps);
    expect(result.outcome).toBe("waiting-for-order");
    expect(bus.sent).toHaveLength(1);
    expect(bus.sent[0]!.body).toEqual({ amazonOrderId: ORDER, key: RETURN.key, source: "wait-for-order" });
    expect(bus.sent[0]!.scheduledEnqueueTime!.getTime() - clock.now().getTime()).toBe(5_000);
    const record = await store.get(ORDER, RETURN.key);
    expect(record).toMatchObject({ status: "waiting-for-order", orderMissingSince: "2026-11-27T12:00:00.000Z" });
    // The sales order arrives: the next delivery imports the return.
    d365.salesOrders.set(ORDER, aSalesOrder());
    clock.advance(5_000);
    expect((await importReturn(cmd, deps)).outcome).toBe("created");
    expect((await store.get(ORDER, RETURN.key))?.orderMissingSince).toBeUndefined();
  });

  it("after the wait, says which Amazon order D365 lacks and what to do (a review item)", async () => {
    d365.salesOrders.clear();
    await importReturn(cmd, deps);
    clock.advance(61 * 60_000);
    const err = await importReturn(cmd, deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toContain(`CustomersOrderReference ${ORDER}`);
    expect((err as NotFoundError).message).toContain("replay");
    expect((await store.get(ORDER, RETURN.key))?.status).toBe("needs-order");
    expect(d365.headers).toEqual([]);
  });

  it("keeps a second worker off a return another worker is importing", async () => {
    await store.begin(ORDER, RETURN.key, 60_000, "other-worker");
    await expect(importReturn({ ...cmd, holder: "me" }, deps)).rejects.toBeInstanceOf(ThrottledError);
    expect(d365.calls).toEqual([]);
    // The redelivery of the same message (same holder) takes the lease over at once.
    expect((await importReturn({ ...cmd, holder: "other-worker" }, deps)).outcome).toBe("created");
  });

  it("refuses a return it has never read", async () => {
    await expect(importReturn({ amazonOrderId: ORDER, key: "FBA|nope|LPN" }, deps)).rejects.toBeInstanceOf(NotFoundError);
  });
});
