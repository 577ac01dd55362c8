import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { lockLostAfterMs, MemoryServiceBus, type ReceivedMessage, type SettlementEvent } from "../../../src/local/memory-bus";

const buses: MemoryServiceBus[] = [];
function bus(opts: ConstructorParameters<typeof MemoryServiceBus>[0] = {}) {
  const b = new MemoryServiceBus({ ...opts });
  buses.push(b);
  return b;
}
afterEach(async () => {
  await Promise.all(buses.splice(0).map((b) => b.close()));
});

describe("the in-memory Service Bus", () => {
  it("delivers a JSON body parsed, with messageId, deliveryCount and application properties", async () => {
    const b = bus();
    const got: ReceivedMessage[] = [];
    b.subscribe("orders", (m) => {
      got.push(m);
    });
    await b.send("orders", { messageId: "m-1", body: { orderId: "111-222", qty: 2 }, applicationProperties: { Kind: "order" } });
    await b.drain();
    expect(got).toHaveLength(1);
    expect(got[0]!.body).toEqual({ orderId: "111-222", qty: 2 });
    expect(got[0]!.messageId).toBe("m-1");
    expect(got[0]!.deliveryCount).toBe(1);
    expect(got[0]!.applicationProperties).toEqual({ Kind: "order" });
    expect(await b.countActive("orders")).toBe(0);
  });

  it("redelivers a message whose handler throws and dead-letters it after maxDeliveryCount deliveries with the reason and the error", async () => {
    const b = bus({ maxDeliveryCount: 3 });
    const counts: number[] = [];
    b.subscribe("orders", (m) => {
      counts.push(m.deliveryCount);
      throw new Error("unknown SKU ABC-1");
    });
    await b.send("orders", { messageId: "poison", body: { sku: "ABC-1" } });
    await b.drain();
    expect(counts).toEqual([1, 2, 3]);
    const dead = await b.peekDeadLetters("orders");
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({
      messageId: "poison",
      deadLetterReason: "MaxDeliveryCountExceeded",
      deadLetterErrorDescription: "unknown SKU ABC-1",
      deliveryCount: 3,
      body: { sku: "ABC-1" },
    });
    expect(await b.countActive("orders")).toBe(0);
    expect(await b.removeDeadLetter("orders", dead[0]!.sequenceNumber)).toBe(true);
    expect(await b.removeDeadLetter("orders", dead[0]!.sequenceNumber)).toBe(false);
    expect(await b.peekDeadLetters("orders")).toHaveLength(0);
  });

  it("completes a message that succeeds on a later delivery without dead-lettering it", async () => {
    const b = bus({ maxDeliveryCount: 5 });
    let calls = 0;
    b.subscribe("q", () => {
      calls++;
      if (calls < 3) throw new Error("D365 unavailable");
    });
    await b.send("q", { messageId: "flaky", body: "x" });
    await b.drain();
    expect(calls).toBe(3);
    expect(await b.peekDeadLetters("q")).toHaveLength(0);
    expect(b.stats).toMatchObject({ completed: 1, abandoned: 2, deadLettered: 0 });
  });

  it("drops a second message with the same messageId inside the duplicate detection window", async () => {
    let now = 1_000_000;
    const b = bus({ duplicateDetectionWindowMs: 10 * 60_000, now: () => now });
    const bodies: unknown[] = [];
    b.subscribe("q", (m) => {
      bodies.push(m.body);
    });
    await b.send("q", { messageId: "order-1@v1", body: 1 });
    await b.send("q", [
      { messageId: "order-1@v1", body: 2 },
      { messageId: "order-2@v1", body: 3 },
    ]);
    await b.drain();
    expect(bodies).toEqual([1, 3]);
    expect(b.stats.duplicatesDropped).toBe(1);
    now += 11 * 60_000; // outside the window the same id is a new message
    await b.send("q", { messageId: "order-1@v1", body: 4 });
    await b.drain();
    expect(bodies).toEqual([1, 3, 4]);
  });

  it("holds a scheduled message until its enqueue time and drain waits for it", async () => {
    const b = bus();
    const deliveredAt: number[] = [];
    b.subscribe("q", () => {
      deliveredAt.push(Date.now());
    });
    const sentAt = Date.now();
    await b.send("q", { messageId: "later", body: {}, scheduledEnqueueTime: new Date(sentAt + 150) });
    expect(await b.countActive("q")).toBe(0);
    expect(await b.countScheduled("q")).toBe(1);
    await new Promise((r) => setTimeout(r, 30));
    expect(deliveredAt).toHaveLength(0);
    await b.drain();
    expect(deliveredAt).toHaveLength(1);
    expect(deliveredAt[0]! - sentAt).toBeGreaterThanOrEqual(140);
  });

  it("runs no more handlers at once than its concurrency", async () => {
    const b = bus({ concurrency: 2 });
    let running = 0;
    let peak = 0;
    b.subscribe("q", async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 10));
      running--;
    });
    await b.send(
      "q",
      Array.from({ length: 8 }, (_, i) => ({ messageId: `m${i}`, body: i })),
    );
    await b.drain();
    expect(peak).toBe(2);
    expect(b.stats.completed).toBe(8);
  });

  it("keeps messages of a queue nobody listens to, and counts them as active", async () => {
    const b = bus();
    await b.send("unheard", { messageId: "a", body: 1 });
    await b.drain();
    expect(await b.countActive("unheard")).toBe(1);
  });

  it("stops renewing a lock after maxAutoLockRenewal and delivers the message again while the first run goes on, as Service Bus does", async () => {
    // lock 40 ms, renewed every 20 ms for 100 ms: the last renewal (at 80 ms) holds until 120 ms.
    expect(lockLostAfterMs(40, 100)).toBe(120);
    const events: SettlementEvent[] = [];
    const b = bus({ lockDurationMs: 40, maxAutoLockRenewalMs: 100, onSettled: (e) => events.push(e) });
    const runs: { deliveryCount: number; startedAt: number; finishedAt?: number }[] = [];
    const t0 = Date.now();
    b.subscribe("orders", async (m) => {
      const run: (typeof runs)[number] = { deliveryCount: m.deliveryCount, startedAt: Date.now() - t0 };
      runs.push(run);
      if (m.deliveryCount === 1) await new Promise((r) => setTimeout(r, 400)); // longer than the lock is renewed
      run.finishedAt = Date.now() - t0;
    });
    await b.send("orders", { messageId: "slow-order", body: { amazonOrderId: "111-1" } });
    await b.drain();

    expect(runs.map((r) => r.deliveryCount)).toEqual([1, 2]);
    // The second delivery started after the lock was lost and before the first run had finished.
    expect(runs[1]!.startedAt).toBeGreaterThanOrEqual(110);
    expect(runs[1]!.startedAt).toBeLessThan(runs[0]!.finishedAt!);
    expect(events.map((e) => [e.outcome, e.deliveryCount])).toEqual([
      ["lockExpired", 1],
      ["completed", 2],
    ]);
    // The first run's completion came after its lock was gone: it settled nothing (MessageLockLost).
    expect(b.stats).toMatchObject({ completed: 1, abandoned: 0, lockExpired: 1, deadLettered: 0 });
    expect(await b.countActive("orders")).toBe(0);
  });

  it("delivers a long run once when the lock is renewed for longer than the run lasts", async () => {
    const b = bus({ lockDurationMs: 40, maxAutoLockRenewalMs: 2000 });
    const counts: number[] = [];
    b.subscribe("orders", async (m) => {
      counts.push(m.deliveryCount);
      await new Promise((r) => setTimeout(r, 300));
    });
    await b.send("orders", { messageId: "renewed", body: {} });
    await b.drain();
    expect(counts).toEqual([1]);
    expect(b.stats).toMatchObject({ completed: 1, lockExpired: 0 });
  });

  it("dead-letters a message whose lock runs out on its last delivery", async () => {
    const b = bus({ lockDurationMs: 20, maxAutoLockRenewalMs: 0, maxDeliveryCount: 1 });
    b.subscribe("orders", async () => {
      await new Promise((r) => setTimeout(r, 150));
    });
    await b.send("orders", { messageId: "too-slow", body: {} });
    await b.drain();
    const dead = await b.peekDeadLetters("orders");
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ messageId: "too-slow", deadLetterReason: "MaxDeliveryCountExceeded" });
    expect(dead[0]!.deadLetterErrorDescription).toContain("lock expired");
    expect(b.stats.completed).toBe(0);
  });

  it("computes when the host's renewals end like Azure.Messaging.ServiceBus (renew 10 s before expiry, until the renewal window is over)", () => {
    expect(lockLostAfterMs(60_000, 0)).toBe(60_000); // no renewal: the first lock
    expect(lockLostAfterMs(60_000, 5 * 60_000)).toBe(250_000 + 60_000); // renewed every 50 s, last at 250 s
    expect(lockLostAfterMs(60_000, 30 * 60_000)).toBe(1_800_000 - 50_000 + 60_000); // renewal at 1750 s holds to 1810 s
    expect(lockLostAfterMs(60_000, 30 * 60_000)).toBeGreaterThanOrEqual(30 * 60_000);
  });

  it("redelivers an abandoned message at once, as Service Bus does (a retry that must wait is a scheduled copy)", async () => {
    const b = bus({ maxDeliveryCount: 3 });
    const at: number[] = [];
    b.subscribe("q", () => {
      at.push(Date.now());
      throw new Error("D365 unavailable");
    });
    await b.send("q", { messageId: "spins", body: {} });
    await b.drain();
    expect(at).toHaveLength(3);
    expect(at[2]! - at[0]!).toBeLessThan(100);
    expect(await b.peekDeadLetters("q")).toHaveLength(1);
  });

  it("brings a scheduled message forward by its time scale, and nothing else", async () => {
    const b = bus({ timeScale: 100 });
    const deliveredAt: number[] = [];
    b.subscribe("q", () => {
      deliveredAt.push(Date.now());
    });
    const sentAt = Date.now();
    await b.send("q", { messageId: "in-10-s", body: {}, scheduledEnqueueTime: new Date(sentAt + 10_000) });
    expect(await b.countScheduled("q")).toBe(1);
    await b.drain();
    expect(deliveredAt).toHaveLength(1);
    expect(deliveredAt[0]! - sentAt).toBeGreaterThanOrEqual(90);
    expect(deliveredAt[0]! - sentAt).toBeLessThan(2000);
  });
});

describe("the in-memory Service Bus with a journal on disk", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const folder = () => {
    const d = mkdtempSync(join(tmpdir(), "bus-journal-"));
    dirs.push(d);
    return d;
  };

  it("finds every queued, scheduled and dead-lettered message again after the process is gone", async () => {
    const dir = folder();
    const first = bus({ persistDir: dir, maxDeliveryCount: 1 });
    first.subscribe("poison", () => {
      throw new Error("unknown SKU ABC-1");
    });
    await first.send("orders", [
      { messageId: "o-1", body: { amazonOrderId: "111-1" }, applicationProperties: { source: "notification" } },
      { messageId: "o-2", body: { amazonOrderId: "111-2" } },
    ]);
    await first.send("orders", {
      messageId: "o-later",
      body: { amazonOrderId: "111-3" },
      scheduledEnqueueTime: new Date(Date.now() + 60_000),
    });
    await first.send("poison", { messageId: "p-1", body: { sku: "ABC-1" } });
    await first.drain();
    // No close(): a killed process does not close anything.

    const second = bus({ persistDir: dir });
    expect(await second.countActive("orders")).toBe(2);
    expect(await second.countScheduled("orders")).toBe(1);
    const dead = await second.peekDeadLetters("poison");
    expect(dead.map((d) => [d.messageId, d.deadLetterErrorDescription])).toEqual([["p-1", "unknown SKU ABC-1"]]);
    // The duplicate detection history survives too: a sender that retries after the crash adds nothing.
    await second.send("orders", { messageId: "o-1", body: { amazonOrderId: "111-1" } });
    expect(second.stats.duplicatesDropped).toBe(1);
    const got: ReceivedMessage[] = [];
    second.subscribe("orders", (m) => {
      got.push(m);
    });
    await second.drain();
    expect(got.map((m) => m.messageId).sort()).toEqual(["o-1", "o-2"]);
    expect(got.find((m) => m.messageId === "o-1")!.applicationProperties).toEqual({ source: "notification" });
    expect(await second.removeDeadLetter("poison", dead[0]!.sequenceNumber)).toBe(true);

    // What the second process completed and removed stays done for a third.
    const third = bus({ persistDir: dir });
    expect(await third.countActive("orders")).toBe(0);
    expect(await third.countScheduled("orders")).toBe(1);
    expect(await third.peekDeadLetters("poison")).toEqual([]);
  });

  it("delivers a message again, its delivery counted, when the process died while its handler ran", async () => {
    const dir = folder();
    // Not closed at the end: close() would wait for the handler, which a killed process never finishes.
    const first = new MemoryServiceBus({ persistDir: dir });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    first.subscribe("orders", async () => {
      started();
      await new Promise(() => undefined); // never finishes: the process is killed meanwhile
    });
    await first.send("orders", { messageId: "half-done", body: {} });
    await running;

    const second = bus({ persistDir: dir });
    const counts: number[] = [];
    second.subscribe("orders", (m) => {
      counts.push(m.deliveryCount);
    });
    await second.drain();
    expect(counts).toEqual([2]);
  });

  it("skips a last line torn by a crash and keeps everything before it; a long journal is compacted to one snapshot", async () => {
    const dir = folder();
    const first = bus({ persistDir: dir });
    first.subscribe("q", () => undefined);
    // 3,000 messages sent and completed: about 9,000 journal lines, compacted on the way.
    for (let i = 0; i < 30; i++)
      await first.send(
        "q",
        Array.from({ length: 100 }, (_, j) => ({ messageId: `m-${i}-${j}`, body: j })),
      );
    await first.drain();
    await first.send("q-unheard", { messageId: "kept", body: { n: 1 } });
    const journal = join(dir, "journal.jsonl");
    expect(readFileSync(journal, "utf8").split("\n").length).toBeLessThan(5000);
    appendFileSync(journal, '{"t":"send","m":{"queue":"q-unheard","messageId":"torn"');

    const second = bus({ persistDir: dir });
    expect(await second.countActive("q-unheard")).toBe(1);
    expect(await second.countActive("q")).toBe(0);
    const got: unknown[] = [];
    second.subscribe("q-unheard", (m) => {
      got.push(m.body);
    });
    await second.drain();
    expect(got).toEqual([{ n: 1 }]);
  });
});
