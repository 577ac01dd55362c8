/** A bulk import's orders come from its blob; one entry that does not read never parks the rest of the group. */
import { describe, expect, it } from "vitest";
import { BULK_CONTAINER } from "../../../src/flows/orders/hand-over";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import { createApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { loadBulkOrders } from "../../../src/wiring/orders";
import { MemoryBlobStore } from "../../fixtures/settlements/fakes";

describe("loadBulkOrders", () => {
  it("reads every order of the blob; an entry whose known order does not read goes without it, a broken one is left out", async () => {
    const blobs = new MemoryBlobStore();
    const app = createApp(loadConfig({}), { blobs, state: new MemoryStateStore() });
    const good = {
      amazonOrderId: "113-1234567-1234567",
      lastUpdate: "2026-11-20T10:00:00Z",
      source: "catch-up",
      known: { from: "listing", order: { amazonOrderId: "113-1234567-1234567", status: "Unshipped", lastUpdate: "2026-11-20T10:00:00Z" } },
    };
    const oddStatus = {
      ...good,
      amazonOrderId: "113-1234567-1234568",
      known: { ...good.known, order: { ...good.known.order, status: "ON_HOLD" } },
    };
    const broken = { amazonOrderId: "not an order id" };
    await blobs.put(BULK_CONTAINER, "catch-up/x.json", new TextEncoder().encode(JSON.stringify({ orders: [good, oddStatus, broken] })));
    const orders = await loadBulkOrders(app, {
      bulk: { container: BULK_CONTAINER, name: "catch-up/x.json" },
      orders: 3,
      source: "catch-up",
    });
    expect(orders.map((o) => [o.amazonOrderId, !!o.known])).toEqual([
      ["113-1234567-1234567", true],
      ["113-1234567-1234568", false],
    ]);
  });

  it("a missing blob is a clear error (its orders' hand-overs are swept one by one)", async () => {
    const app = createApp(loadConfig({}), { blobs: new MemoryBlobStore(), state: new MemoryStateStore() });
    await expect(loadBulkOrders(app, { bulk: { container: BULK_CONTAINER, name: "gone.json" }, orders: 1 })).rejects.toMatchObject({
      code: "orders.bulkMissing",
    });
  });
});
