import { describe, expect, it } from "vitest";
import { putFbaStock } from "../../../src/flows/inventory/fba-records";
import { pushInventory, reviewMessageId, settleFeed } from "../../../src/flows/inventory/push";
import { readPushed, takePushLease } from "../../../src/flows/inventory/push-records";
import { ThrottledError, UnavailableError } from "../../../src/platform/errors";
import { listParked } from "../../../src/platform/parked-messages";
import { getRun } from "../../../src/platform/run-records";
import { DE, inventoryMappings, pushDeps, REVIEW_QUEUE, stock, UK, US } from "./fakes";

const SKUS = Array.from({ length: 6 }, (_, i) => ({ sellerSku: `SKU-${i + 1}`, itemNumber: `I${i + 1}` }));
const FILE = {
  fbm: {
    defaults: { safetyStock: 0 },
    channels: [
      { marketplaceId: US, percent: 100 },
      { marketplaceId: UK, percent: 50 },
    ],
  },
};

function setup(options: Parameters<typeof pushDeps>[1] = {}) {
  const t = pushDeps(inventoryMappings(SKUS, FILE), options);
  t.d365.set("I1", "11", { available: "10" });
  t.d365.set("I2", "11", { available: "20" });
  return t;
}

describe("FBM push: only changes", () => {
  it("patches the changed SKUs of each marketplace, and a second run with nothing changed makes no SP-API call", async () => {
    const t = setup({ options: { feedThreshold: 10 } });
    const first = await pushInventory({ trigger: "timer" }, t.deps);
    expect(first.outcome).toBe("succeeded");
    // Six SKUs per marketplace (four without stock: 0), all new.
    expect(first.marketplaces.map((m) => [m.marketplaceId, m.path, m.changed, m.accepted])).toEqual([
      [US, "patch", 6, 6],
      [UK, "patch", 6, 6],
    ]);
    expect(t.amazon.quantities.get(`${US}/SKU-2`)).toBe(20);
    expect(t.amazon.quantities.get(`${UK}/SKU-2`)).toBe(10);
    expect(t.amazon.quantities.get(`${US}/SKU-5`)).toBe(0);
    const calls = t.amazon.calls();
    const second = await pushInventory({ trigger: "timer" }, t.deps);
    expect(t.amazon.calls() - calls).toBe(0);
    expect(second.marketplaces.map((m) => [m.unchanged, m.changed, m.path])).toEqual([
      [6, 0, "none"],
      [6, 0, "none"],
    ]);
    // One change in D365: one patch per marketplace, nothing else.
    t.d365.set("I1", "11", { available: "8" });
    await pushInventory({ trigger: "timer" }, t.deps);
    expect(t.amazon.patches.slice(-2).map((p) => [p.marketplaceId, p.update.sellerSku, p.update.quantity])).toEqual([
      [US, "SKU-1", 8],
      [UK, "SKU-1", 4],
    ]);
    expect(t.amazon.calls() - calls).toBe(2);
    expect((await getRun(t.state, "inventory-push", US))?.lastRun?.counts).toMatchObject({ skus: 6, changed: 1, accepted: 1 });
  });

  it("pushes nothing when D365 cannot be read: Amazon keeps the last pushed quantities, the run fails and an alert is raised", async () => {
    const t = setup({ options: { feedThreshold: 10 } });
    await pushInventory({ trigger: "timer" }, t.deps);
    const calls = t.amazon.calls();
    const before = await readPushed(t.state, US);
    t.d365.failWith = new UnavailableError("d365.unreachable", "D365 GET WarehousesOnHandV2 got no answer (ECONNREFUSED)");
    const r = await pushInventory({ trigger: "timer" }, t.deps);
    expect(r.outcome).toBe("failed");
    expect(r.error).toMatch(/nothing was pushed.*ECONNREFUSED/);
    expect(t.amazon.calls()).toBe(calls);
    expect(await readPushed(t.state, US)).toEqual(before);
    expect(t.telemetry.events("inventory.d365Unavailable")).toHaveLength(1);
    expect((await getRun(t.state, "inventory-push", US))?.lastRun?.outcome).toBe("failed");
  });

  it("stops as for an outage when a feeding warehouse answers with no row at all (a wrong warehouse or company would push zeros)", async () => {
    const t = setup();
    t.d365.rows = [];
    const r = await pushInventory({ trigger: "timer" }, t.deps);
    expect(r.outcome).toBe("failed");
    expect(r.error).toContain("usmf/11");
    expect(t.amazon.calls()).toBe(0);
  });

  it("never sends a quantity to a SKU Amazon lists as FBA in that marketplace", async () => {
    const t = setup({ options: { feedThreshold: 10 } });
    await putFbaStock(t.state, stock(US, "SKU-2", { fulfillable: 5 }), t.clock.now());
    const r = await pushInventory({ trigger: "timer" }, t.deps);
    expect(r.marketplaces[0]!.skippedFba).toEqual(["SKU-2"]);
    expect(t.amazon.patches.filter((p) => p.marketplaceId === US).map((p) => p.update.sellerSku)).not.toContain("SKU-2");
    expect(t.amazon.patches.filter((p) => p.marketplaceId === UK).map((p) => p.update.sellerSku)).toContain("SKU-2");
  });

  it("keeps what Amazon took when a later call fails, and sends only the rest next run", async () => {
    const t = setup({ options: { feedThreshold: 10 } });
    let n = 0;
    const patch = t.amazon.patch.bind(t.amazon);
    t.amazon.patch = async (mp, u) => {
      if (++n === 4) throw new ThrottledError("spapi.throttled", "quota", 1000);
      return patch(mp, u);
    };
    const first = await pushInventory({ trigger: "timer" }, t.deps);
    expect(first.marketplaces[0]).toMatchObject({ ok: false, accepted: 3 });
    expect(first.outcome).toBe("partial");
    t.amazon.patches.length = 0;
    await pushInventory({ trigger: "timer" }, t.deps);
    expect(t.amazon.patches.filter((p) => p.marketplaceId === US).map((p) => p.update.sellerSku)).toEqual(["SKU-4", "SKU-5", "SKU-6"]);
  });
});

describe("FBM push: refusals become review items", () => {
  it("parks a refused SKU with Amazon's code and message, does not resend the same quantity, resends a new one, and clears the item once Amazon takes it", async () => {
    const t = setup({ options: { feedThreshold: 10 } });
    t.amazon.refuse.set(`${US}/SKU-1`, { code: "90000900", message: "The listing SKU-1 is blocked in this marketplace" });
    const r = await pushInventory({ trigger: "timer" }, t.deps);
    expect(r.marketplaces[0]!.refused).toEqual([
      { sellerSku: "SKU-1", quantity: 10, code: "90000900", message: "The listing SKU-1 is blocked in this marketplace" },
    ]);
    const parked = await listParked(t.state, { queue: REVIEW_QUEUE });
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({
      messageId: reviewMessageId(US, "SKU-1"),
      reason: "amazon-refused",
      code: "90000900",
      body: { kind: "push", sellerSku: "SKU-1", marketplaceIds: [US], force: true },
    });
    expect(parked[0]!.description).toContain("blocked in this marketplace");

    const calls = t.amazon.calls();
    const again = await pushInventory({ trigger: "timer" }, t.deps);
    expect(again.marketplaces[0]!.heldBack).toBe(1);
    expect(t.amazon.calls()).toBe(calls);

    t.amazon.refuse.clear();
    t.d365.set("I1", "11", { available: "11" });
    await pushInventory({ trigger: "timer" }, t.deps);
    expect(t.amazon.quantities.get(`${US}/SKU-1`)).toBe(11);
    expect(await listParked(t.state, { queue: REVIEW_QUEUE })).toEqual([]);
    expect((await readPushed(t.state, US, ["SKU-1"])).get("SKU-1")).toMatchObject({ quantity: 11, via: "patch" });
  });

  it("a single-SKU sync (or the replay of its review item) sends the quantity even when nothing changed", async () => {
    const t = setup({ options: { feedThreshold: 10 } });
    await pushInventory({ trigger: "timer" }, t.deps);
    const calls = t.amazon.calls();
    const one = await pushInventory({ sellerSku: "SKU-2", force: true, trigger: "http" }, t.deps);
    expect(t.amazon.calls() - calls).toBe(2);
    expect(one.marketplaces.map((m) => [m.marketplaceId, m.quantities])).toEqual([
      [US, [{ sellerSku: "SKU-2", quantity: 20, pool: "20" }]],
      [UK, [{ sellerSku: "SKU-2", quantity: 10, pool: "20" }]],
    ]);
    // It read D365 for that item only.
    expect(t.d365.reads.at(-1)?.itemNumbers).toEqual(["I2"]);
    await expect(pushInventory({ sellerSku: "NOPE", trigger: "http" }, t.deps)).rejects.toThrow("not in mappings/sku-crossref.json");
  });

  it("previews one SKU: Amazon validates the quantities (VALIDATION_PREVIEW), nothing changes on Amazon or in state", async () => {
    const t = setup({ options: { feedThreshold: 10 } });
    t.amazon.refuse.set(`${UK}/SKU-1`, { code: "90000900", message: "blocked" });
    const r = await pushInventory({ sellerSku: "SKU-1", force: true, preview: true, trigger: "http" }, t.deps);
    expect(r.marketplaces.map((m) => [m.marketplaceId, m.accepted, m.refused.map((x) => x.code)])).toEqual([
      [US, 1, []],
      [UK, 0, ["90000900"]],
    ]);
    expect(t.amazon.patches.every((p) => p.preview)).toBe(true);
    expect(t.amazon.quantities.size).toBe(0);
    expect((await readPushed(t.state, US)).size).toBe(0);
    expect(await listParked(t.state, { queue: REVIEW_QUEUE })).toEqual([]);
    await expect(pushInventory({ preview: true, trigger: "http" }, t.deps)).rejects.toThrow("one SKU");
  });
});

describe("FBM push: the feed path", () => {
  it("sends more changes than the threshold as one feed per marketplace and records what Amazon accepted and refused", async () => {
    const t = setup({ options: { feedThreshold: 3 } });
    t.amazon.refuse.set(`${US}/SKU-3`, { code: "4000003", message: "SKU-3 has no listing" });
    const r = await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(r.marketplaces[0]).toMatchObject({
      path: "feed",
      changed: 6,
      accepted: 5,
      feed: { feedId: "FEED-1", status: "DONE", messages: 6 },
    });
    expect(t.amazon.patches).toEqual([]);
    expect(t.amazon.feeds).toHaveLength(1);
    expect((await readPushed(t.state, US)).get("SKU-2")).toMatchObject({ quantity: 20, via: "feed", feedId: "FEED-1" });
    expect((await listParked(t.state, { queue: REVIEW_QUEUE })).map((p) => [p.messageId, p.code])).toEqual([
      [reviewMessageId(US, "SKU-3"), "4000003"],
    ]);
  });

  it("leaves every last-pushed quantity as it was when Amazon refuses the whole feed, so the next run sends it again", async () => {
    const t = setup({ options: { feedThreshold: 3 } });
    t.amazon.nextFeedStatus = "FATAL";
    const r = await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(r.marketplaces[0]).toMatchObject({ ok: false, accepted: 0, feed: { status: "FATAL" } });
    expect(r.marketplaces[0]!.error).toMatch(/FATAL.*sent again next run/);
    expect((await readPushed(t.state, US)).size).toBe(0);
    expect(t.telemetry.events("inventory.feedRejected")).toHaveLength(1);
    t.amazon.nextFeedStatus = "DONE";
    const again = await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(again.marketplaces[0]).toMatchObject({ changed: 6, accepted: 6, feed: { feedId: "FEED-2", status: "DONE" } });
  });

  it("leaves a feed that is still processing to the next run (or its notification), which applies it before sending anything new", async () => {
    const t = setup({ options: { feedThreshold: 3, feedWaitMs: 10_000, feedPollMs: 5_000 } });
    t.amazon.feedReadsUntilDone = 10;
    const r = await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(r.marketplaces[0]!.feed).toMatchObject({ feedId: "FEED-1", status: "pending" });
    expect((await readPushed(t.state, US)).size).toBe(0);
    // Still processing at the next run: the marketplace waits, no second feed.
    t.amazon.feedReadsUntilDone = 1;
    const next = await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(next.marketplaces[0]!.waitingForFeed).toBe("FEED-1");
    expect(t.amazon.feeds).toHaveLength(1);
    // FEED_PROCESSING_FINISHED: the feed is applied; another flow's feed id is not the push's.
    expect(await settleFeed("SOMEONE-ELSES", t.deps)).toBeUndefined();
    expect(await settleFeed("FEED-1", t.deps)).toMatchObject({ status: "settled", accepted: 6 });
    expect((await readPushed(t.state, US)).get("SKU-1")?.quantity).toBe(10);
    const calls = t.amazon.calls();
    await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(t.amazon.calls()).toBe(calls);
  });

  it("sends a feed again when the run stopped right after Amazon took it (absolute quantities: a second feed is harmless)", async () => {
    const t = setup({ options: { feedThreshold: 3 } });
    const put = t.deps.blobs.put.bind(t.deps.blobs);
    let failOnce = true;
    t.deps.blobs.put = async (...args) => {
      if (failOnce) {
        failOnce = false;
        throw new UnavailableError("blobs.unavailable", "storage went away");
      }
      return put(...args);
    };
    const r = await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(r.marketplaces[0]).toMatchObject({ ok: false, accepted: 0 });
    expect((await readPushed(t.state, US)).size).toBe(0);
    const again = await pushInventory({ trigger: "timer", marketplaceIds: [US] }, t.deps);
    expect(again.marketplaces[0]).toMatchObject({ ok: true, accepted: 6, feed: { feedId: "FEED-2" } });
    // Both feeds carried the same absolute quantities; Amazon ends where D365 says.
    expect(t.amazon.feeds[0]!.updates).toEqual(t.amazon.feeds[1]!.updates);
    expect(t.amazon.quantities.get(`${US}/SKU-2`)).toBe(20);
    expect((await readPushed(t.state, US)).get("SKU-2")?.quantity).toBe(20);
  });

  it("splits more than 10,000 changes into feeds of at most 10,000 messages", async () => {
    const skus = Array.from({ length: 10_050 }, (_, i) => ({ sellerSku: `B-${i}`, itemNumber: `B${i}` }));
    const t = pushDeps(inventoryMappings(skus, { fbm: { channels: [{ marketplaceId: DE }], emptyWarehouse: "allow" } }), {
      options: { feedThreshold: 20 },
    });
    const r = await pushInventory({ trigger: "timer" }, t.deps);
    expect(t.amazon.feeds.map((f) => f.updates.length)).toEqual([10_000, 50]);
    expect(r.marketplaces[0]!.accepted).toBe(10_050);
  });
});

describe("FBM push: one full push at a time", () => {
  it("skips a full push while another holds the lease, and runs once the lease is released or expired", async () => {
    const t = setup();
    const held = await takePushLease(t.state, "other", 60_000, t.clock);
    expect("release" in held).toBe(true);
    const r = await pushInventory({ trigger: "http" }, t.deps);
    expect(r).toMatchObject({ outcome: "skipped", busySince: "2026-03-02T10:00:00.000Z" });
    expect(t.amazon.calls()).toBe(0);
    t.clock.advance(61_000);
    expect((await pushInventory({ trigger: "http" }, t.deps)).outcome).toBe("succeeded");
  });

  it("does nothing without inventory.json (the flow is not configured)", async () => {
    const t = pushDeps(inventoryMappings(SKUS, undefined));
    expect((await pushInventory({ trigger: "timer" }, t.deps)).outcome).toBe("not-configured");
    expect(t.d365.reads).toEqual([]);
  });
});
