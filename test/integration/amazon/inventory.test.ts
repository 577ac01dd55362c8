/**
 * Inventory through the connector against the simulator: FBA summaries with the seeded quantities (and the
 * two SKUs that deliberately differ from D365), the 30-second nextToken, FBM quantities changed by patch and by
 * JSON_LISTINGS_FEED (processing states, processing report, the seeded bad SKU, cancel, FATAL, the feed-type
 * quota), and inventory notifications.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { quantityMessages, type SpApiClient } from "../../../src/amazon";
import { DEMO_FBA_DISCREPANCIES, DEMO_FBA_STOCK } from "../../../src/local/demo-fba-stock";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor, control, startSim } from "./sim-client";

const US = "ATVPDKIKX0DER";
const UK = "A1F83G8C2ARO7P";
const DE = "A1PA6795UKMFR9";

describe("FBA inventory summaries", () => {
  let sim: SpApiSimulator;
  let client: SpApiClient;
  beforeAll(async () => {
    // 30× real time: 30 simulated seconds (the token's life) are one real second.
    sim = await startSim({ timeScale: 30, inventoryPageSize: 2 });
    client = clientFor(sim, { maxRetries: 0 });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it("reports every seeded quantity per marketplace, across pages, and the two rows that differ from D365 by the documented amounts", async () => {
    for (const mp of [US, UK, DE]) {
      const rows = await client.fbaInventory.summaries({ marketplaceId: mp });
      const seeded = DEMO_FBA_STOCK.filter((s) => s.marketplaceId === mp);
      expect(rows.map((r) => r.sellerSku).sort()).toEqual(seeded.map((s) => s.sku).sort());
      for (const s of seeded) {
        const r = rows.find((x) => x.sellerSku === s.sku)!;
        expect(
          [r.fulfillable, r.inboundWorking, r.inboundShipped, r.inboundReceiving, r.reserved, r.unfulfillable, r.researching],
          s.sku,
        ).toEqual([s.fulfillable, s.inboundWorking, s.inboundShipped, s.inboundReceiving, s.reserved, s.unfulfillable, s.researching]);
        expect(r.fnSku).toMatch(/^X0DEMO/);
      }
      const differing = rows.filter((r) => {
        const d365 = seeded.find((s) => s.sku === r.sellerSku)!.d365OnHand;
        return (
          d365 !== r.fulfillable ||
          d365 !== r.fulfillable + r.reserved + r.unfulfillable ||
          d365 !== r.fulfillable + r.reserved + r.unfulfillable + r.researching
        );
      });
      expect(differing.map((r) => r.sellerSku)).toEqual(DEMO_FBA_DISCREPANCIES.filter((d) => d.marketplaceId === mp).map((d) => d.sku));
      for (const d of DEMO_FBA_DISCREPANCIES.filter((x) => x.marketplaceId === mp)) {
        const r = rows.find((x) => x.sellerSku === d.sku)!;
        expect(d.d365OnHand - (r.fulfillable + r.reserved + r.unfulfillable)).toBe(d.difference);
      }
    }
    expect(sim.sim.requestCounts().counts.getInventorySummaries).toBe(9);
  });

  it("starts again from the first page, once, when a nextToken expired after 30 seconds, and counts no row twice", async () => {
    sim.sim.reset();
    // Each of the next two calls answers 1.1 s later: 33 simulated seconds at this time scale.
    sim.sim.addFaults({ operation: "getInventorySummaries", latencyMs: 1100, count: 2 });
    const rows = await client.fbaInventory.summaries({ marketplaceId: US });
    expect(rows.map((r) => r.sellerSku).sort()).toEqual(
      DEMO_FBA_STOCK.filter((s) => s.marketplaceId === US)
        .map((s) => s.sku)
        .sort(),
    );
    const log = sim.sim.requests().filter((r) => r.operation === "getInventorySummaries");
    expect(log.map((r) => r.status)).toEqual([200, 400, 200, 200, 200]);
    expect(JSON.stringify(log[1].response)).toContain("expired");
  });

  it("notifies FBA_INVENTORY_AVAILABILITY_CHANGES when stock changes (control endpoint), and the next read shows it", async () => {
    const r = await control(sim, "POST", "/_control/inventory", {
      marketplaceId: UK,
      sku: "DEMO-HEADPHONES",
      fulfillable: 3,
      unfulfillable: 2,
    });
    expect(r.status).toBe(200);
    const n = sim.sim.notifications("FBA_INVENTORY_AVAILABILITY_CHANGES").pop() as any;
    expect(n.Payload).toMatchObject({
      SKU: "DEMO-HEADPHONES",
      FulfillmentInventoryByMarketplace: [{ MarketplaceId: UK, FulfillmentInventory: { Fulfillable: 3, Unfulfillable: 2 } }],
    });
    const row = (await client.fbaInventory.summaries({ marketplaceId: UK, sellerSkus: ["DEMO-HEADPHONES"] }))[0];
    expect([row.fulfillable, row.unfulfillable]).toEqual([3, 2]);
    expect((await control(sim, "POST", "/_control/inventory", { marketplaceId: UK, sku: "NOPE", fulfillable: 1 })).status).toBe(400);
    expect((await control(sim, "GET", "/_control/inventory?marketplaceId=DE")).json.discrepancies).toHaveLength(2);
  });
});

describe("FBM quantities by patch and by JSON_LISTINGS_FEED", () => {
  let sim: SpApiSimulator;
  let client: SpApiClient;
  beforeAll(async () => {
    // Real time: the feed states are driven by advance() alone.
    sim = await startSim({ timeScale: 1 });
    client = clientFor(sim, { maxRetries: 0 });
  });
  afterAll(async () => {
    await sim?.stop();
  });
  const fbmQuantity = async (sku: string, mp: string) =>
    (await client.listings.get(sku, [mp], ["fulfillmentAvailability"]))!.fulfillmentAvailability?.[0].quantity;

  it("sets the quantity by patch (replace, merge keeps the lead time, VALIDATION_PREVIEW changes nothing) and refuses the seeded bad listing", async () => {
    expect(
      (
        await client.listings.setFulfillmentQuantity("DEMO-CABLE-USBC-2M", {
          marketplaceId: US,
          quantity: 12,
          productType: "PRODUCT",
          leadTimeToShipMaxDays: 3,
        })
      ).status,
    ).toBe("ACCEPTED");
    await client.listings.setFulfillmentQuantity("DEMO-CABLE-USBC-2M", {
      marketplaceId: US,
      quantity: 8,
      productType: "PRODUCT",
      op: "merge",
    });
    const attrs = (await client.listings.get("DEMO-CABLE-USBC-2M", [US], ["attributes"]))!.attributes!.fulfillment_availability as any[];
    expect(attrs[0]).toMatchObject({ fulfillment_channel_code: "DEFAULT", quantity: 8, lead_time_to_ship_max_days: 3 });
    const preview = await client.listings.setFulfillmentQuantity("DEMO-CABLE-USBC-2M", {
      marketplaceId: US,
      quantity: 99,
      productType: "PRODUCT",
      mode: "VALIDATION_PREVIEW",
    });
    expect(preview.status).toBe("VALID");
    expect(await fbmQuantity("DEMO-CABLE-USBC-2M", US)).toBe(8);
    const bad = await client.listings.setFulfillmentQuantity("DEMO-KEYBOARD-DE", {
      marketplaceId: US,
      quantity: 5,
      productType: "PRODUCT",
    });
    expect(bad.status).toBe("INVALID");
    expect(bad.issues?.[0]).toMatchObject({ code: "90000900", severity: "ERROR", message: expect.stringContaining("is blocked") });
    expect(
      (await client.listings.setFulfillmentQuantity("DEMO-KEYBOARD-DE", { marketplaceId: UK, quantity: 5, productType: "PRODUCT" })).status,
    ).toBe("ACCEPTED");
    await expect(
      client.listings.setFulfillmentQuantity("DEMO-BAG-15", { marketplaceId: US, quantity: -1, productType: "PRODUCT" }),
    ).rejects.toThrow("non-negative");
  });

  it("runs a quantity feed IN_QUEUE → IN_PROGRESS → DONE, applies the accepted messages, reports the bad SKU with Amazon's message, notifies once", async () => {
    const messages = quantityMessages([
      { sku: "DEMO-BAG-15", quantity: 31, productType: "PRODUCT" },
      { sku: "DEMO-KEYBOARD-DE", quantity: 4, productType: "PRODUCT" },
      { sku: "NOT-LISTED-SKU", quantity: 2, productType: "PRODUCT" },
    ]);
    const feedId = await client.listingsFeed.submit(messages, [US, DE]);
    expect((await client.listingsFeed.status(feedId)).processingStatus).toBe("IN_QUEUE");
    sim.sim.advance(3_000);
    expect((await client.listingsFeed.status(feedId)).processingStatus).toBe("IN_PROGRESS");
    expect(await fbmQuantity("DEMO-BAG-15", US)).not.toBe(31);
    sim.sim.advance(8_000);
    const feed = await client.listingsFeed.wait(feedId, { intervalMs: 10 });
    expect(feed.processingStatus).toBe("DONE");
    const outcome = await client.listingsFeed.report(feed, messages);
    expect(outcome.report?.summary).toMatchObject({ messagesProcessed: 3, messagesAccepted: 1, messagesInvalid: 2 });
    expect(outcome.messages.map((m) => [m.sku, m.accepted, m.issues.map((i) => i.code)])).toEqual([
      ["DEMO-BAG-15", true, []],
      ["DEMO-KEYBOARD-DE", false, ["90000900"]],
      ["NOT-LISTED-SKU", false, ["4000003", "4000003"]], // one per marketplace of the feed
    ]);
    expect(await fbmQuantity("DEMO-BAG-15", US)).toBe(31);
    expect(await fbmQuantity("DEMO-BAG-15", DE)).toBe(31);
    expect(await fbmQuantity("DEMO-KEYBOARD-DE", DE)).not.toBe(4);
    const done = sim.sim
      .notifications("FEED_PROCESSING_FINISHED")
      .filter((n: any) => n.payload.feedProcessingFinishedNotification.feedId === feedId);
    expect(done.map((n: any) => n.payload.feedProcessingFinishedNotification.processingStatus)).toEqual(["DONE"]);
  });

  it("cancels a feed while IN_QUEUE (nothing applied), refuses to cancel later, and ends an unreadable feed FATAL with the reason", async () => {
    const queued = await client.listingsFeed.submit(quantityMessages([{ sku: "DEMO-BAG-15", quantity: 2, productType: "PRODUCT" }]), [US]);
    await client.listingsFeed.cancel(queued);
    sim.sim.advance(11_000);
    const cancelled = await client.listingsFeed.report(queued);
    expect(cancelled).toMatchObject({ processingStatus: "CANCELLED", report: undefined });
    expect(await fbmQuantity("DEMO-BAG-15", US)).toBe(31);
    await expect(client.listingsFeed.cancel(queued)).resolves.toBeUndefined();
    const bad = await client.submitFeed({
      feedType: "JSON_LISTINGS_FEED",
      marketplaceIds: [US],
      contentType: "application/json",
      content: '{"header":{"sellerId":"SOMEONE-ELSE","version":"2.0"},"messages":[]}',
    });
    sim.sim.advance(3_000);
    await expect(client.listingsFeed.cancel(bad)).rejects.toThrow("only feeds IN_QUEUE can be cancelled");
    sim.sim.advance(8_000);
    const fatal = await client.listingsFeed.report(bad);
    expect(fatal.processingStatus).toBe("FATAL");
    expect(fatal.report?.issues[0].message).toContain("header.sellerId");
    expect((await control(sim, "POST", "/_control/feeds/outcome", { status: "FATAL" })).status).toBe(200);
    const forced = await client.listingsFeed.submit(quantityMessages([{ sku: "DEMO-BAG-15", quantity: 2, productType: "PRODUCT" }]), [US]);
    sim.sim.advance(11_000);
    expect((await client.listingsFeed.status(forced)).processingStatus).toBe("FATAL");
    expect((await control(sim, "GET", "/_control/feeds")).json.feeds.map((f: any) => f.processingStatus)).toEqual([
      "DONE",
      "CANCELLED",
      "FATAL",
      "FATAL",
    ]);
  });

  it("takes 10,000 quantity updates in one feed (the bulk path) and applies every one", async () => {
    expect((await control(sim, "POST", "/_control/listings/bulk", { count: 10_000 })).json.added).toBe(10_000);
    const fresh = clientFor(sim, { maxRetries: 0 });
    const updates = Array.from({ length: 10_000 }, (_, i) => ({
      sku: `BULK-${String(i + 1).padStart(5, "0")}`,
      quantity: i % 50,
      productType: "PRODUCT",
    }));
    const messages = quantityMessages(updates);
    const started = Date.now();
    const feedId = await fresh.listingsFeed.submit(messages, [US]);
    sim.sim.advance(11_000);
    const outcome = await fresh.listingsFeed.report(await fresh.listingsFeed.wait(feedId, { intervalMs: 10 }), messages);
    const ms = Date.now() - started;
    expect(outcome.report?.summary).toMatchObject({ messagesProcessed: 10_000, messagesAccepted: 10_000, messagesInvalid: 0 });
    expect(sim.sim.listings.find("A2DEMOSELLER01", "BULK-09999", US)?.quantity).toBe(9998 % 50);
    const calls = sim.sim
      .requests()
      .filter((r) => r.at >= new Date(started).toISOString())
      .map((r) => r.operation);
    expect(calls).toEqual(["createFeedDocument", "createFeed", "getFeed", "getFeedDocument"]);
    console.log(`listings feed: 10,000 messages submitted, processed and reported in ${ms} ms with ${calls.length} SP-API calls`);
  });

  it("limits JSON_LISTINGS_FEED to five feeds per five minutes on top of createFeed's own quota", async () => {
    sim.sim.advance(300_000);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const doc = await client.createFeedDocument("application/json");
      await client.uploadFeedDocument(
        doc.url,
        '{"header":{"sellerId":"A2DEMOSELLER01","version":"2.0"},"messages":[]}',
        "application/json",
      );
      const r = await client
        .call("createFeed", z.any(), {
          body: { feedType: "JSON_LISTINGS_FEED", marketplaceIds: [US], inputFeedDocumentId: doc.feedDocumentId },
        })
        .then(() => 202)
        .catch((e) => e.details?.status ?? 0);
      statuses.push(r);
    }
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
  });
});
