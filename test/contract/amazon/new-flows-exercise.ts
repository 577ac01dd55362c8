/**
 * Calls every operation the fulfillment, inventory, returns and products flows use — successes and Amazon's
 * refusals — so that spapi-models.test.ts checks each request and answer against the published models.
 */
import { z } from "zod";
import { quantityMessages, type SpApiClient } from "../../../src/amazon";
import { DEMO_BARCODES, upcOf, gtin14Of } from "../../../src/local/demo-barcodes";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor } from "../../integration/amazon/sim-client";

const US = "ATVPDKIKX0DER";
const UK = "A1F83G8C2ARO7P";
const DE = "A1PA6795UKMFR9";

export const DEMO_ADDRESS = {
  name: "Test Recipient",
  addressLine1: "1 Test Street",
  city: "Seattle",
  stateOrRegion: "WA",
  postalCode: "98101",
  countryCode: "US",
};

async function rejects(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch {
    return;
  }
  throw new Error("expected the call to be refused");
}

export async function exerciseNewFlows(client: SpApiClient, sim: SpApiSimulator): Promise<void> {
  const since = new Date(Date.now() - 60 * 86_400_000);
  const client2026 = clientFor(sim, { maxRetries: 0, mcfApi: "2026-07-04" });
  const items = [
    { lineId: "1", sku: "DEMO-SPEAKER-BLK", quantity: 2, declaredValue: { currencyCode: "USD", amount: "49.99" } },
    { lineId: "2", sku: "DEMO-CABLE-USBC-1M", quantity: 1 },
  ];
  const orderDate = new Date();
  const order = (id: string, extra: Record<string, unknown> = {}) => ({
    sellerFulfillmentOrderId: id,
    marketplaceId: US,
    displayableOrderId: id,
    displayableOrderDate: orderDate,
    displayableOrderComment: "Thank you for your order",
    shippingSpeed: "Standard" as const,
    destination: DEMO_ADDRESS,
    items,
    ...extra,
  });

  // --- MCF 2020-07-01 ---------------------------------------------------------------------------------
  await client.mcf.preview({ marketplaceId: US, destination: DEMO_ADDRESS, items });
  await client.mcf.preview({
    marketplaceId: US,
    destination: { ...DEMO_ADDRESS, postalCode: "00000" },
    items: [
      { lineId: "1", sku: "DEMO-STAND-ALU", quantity: 1 },
      { lineId: "2", sku: "NO-SUCH-SKU", quantity: 1 },
    ],
    shippingSpeeds: ["Standard", "ScheduledDelivery"],
  });
  await client.mcf.create(order("MCF-NF-1"));
  await client.mcf.create(order("MCF-NF-1")); // the same request again is accepted
  await client.mcf.create(
    order("MCF-NF-2", { fulfillmentPolicy: "FillAllAvailable", items: [...items, { lineId: "3", sku: "DEMO-STAND-ALU", quantity: 1 }] }),
  );
  await client.mcf.create(order("MCF-NF-3", { items: [{ lineId: "1", sku: "DEMO-STAND-ALU", quantity: 1 }] }));
  // On hold, so that it can still be cancelled however slowly this runs (time runs 1000× faster here).
  await client.mcf.create(order("MCF-NF-4", { fulfillmentAction: "Hold" }));
  await rejects(client.mcf.create(order("MCF-NF-1", { displayableOrderComment: "different" })));
  await rejects(client.mcf.create(order("MCF-NF-5", { destination: { ...DEMO_ADDRESS, postalCode: "00000" } })));
  await rejects(client.mcf.create(order("MCF-NF-6", { items: [{ lineId: "1", sku: "DEMO-CABLE-USBC-2M", quantity: 1 }] })));
  await client.mcf.get("MCF-NF-1");
  await client.mcf.cancel("MCF-NF-4");
  sim.sim.advance(95_000);
  await client.mcf.get("MCF-NF-1");
  await client.mcf.get("MCF-NF-2");
  await client.mcf.get("MCF-NF-3");
  await client.mcf.get("NO-SUCH-ORDER");
  await client.mcf.listUpdatedSince(since);
  await rejects(client.mcf.cancel("MCF-NF-1"));
  const done = (await client.mcf.get("MCF-NF-1"))!;
  for (const s of done.shipments) for (const p of s.packages) await client.mcf.tracking(p);
  await client.mcf.tracking({ packageId: "999999" });
  await client.mcf.returnReasonCodes("DEMO-SPEAKER-BLK", { marketplaceId: US, sellerFulfillmentOrderId: "MCF-NF-1" });
  const shipment = done.shipments.find((s) => s.items.some((i) => i.lineId === "1"))!;
  await client.mcf.createReturn("MCF-NF-1", [
    {
      sellerReturnItemId: "R1",
      lineId: "1",
      amazonShipmentId: shipment.amazonShipmentId,
      returnReasonCode: "CR-DEFECTIVE",
      returnComment: "Broken",
    },
    { sellerReturnItemId: "R2", lineId: "1", amazonShipmentId: "NO-SHIPMENT", returnReasonCode: "CR-DEFECTIVE" },
  ]);
  sim.sim.advance(70_000);
  await client.mcf.get("MCF-NF-1");
  await client.mcf.get("DEMO-MCF-1001");

  // --- MCF 2026-07-04 ---------------------------------------------------------------------------------
  await client2026.mcf.preview({ marketplaceId: US, destination: DEMO_ADDRESS, items });
  await client2026.mcf.preview({
    marketplaceId: US,
    destination: { ...DEMO_ADDRESS, postalCode: "00000" },
    items: [{ lineId: "1", sku: "DEMO-STAND-ALU", quantity: 1 }],
  });
  await client2026.mcf.create(order("MCF-NF-26-1"));
  await client2026.mcf.create(
    order("MCF-NF-26-2", {
      fulfillmentAction: "Hold",
      fulfillmentPolicy: "FillAllAvailable",
      items: [...items, { lineId: "3", sku: "DEMO-STAND-ALU", quantity: 1 }],
    }),
  );
  await rejects(client2026.mcf.create(order("MCF-NF-26-3", { destination: { ...DEMO_ADDRESS, postalCode: "00000" } })));
  await client2026.mcf.get("MCF-NF-26-1");
  await client2026.mcf.cancel("MCF-NF-26-2");
  sim.sim.advance(95_000);
  const o26 = (await client2026.mcf.get("MCF-NF-26-1"))!;
  await client2026.mcf.tracking({ packageId: o26.shipments[0].packages[0].packageId, sellerFulfillmentOrderId: "MCF-NF-26-1" });
  await client2026.mcf.listUpdatedSince(since);
  await client2026.mcf.get("NO-SUCH-ORDER");
  await rejects(client2026.mcf.cancel("MCF-NF-26-1"));

  // --- FBM shipment confirmation ----------------------------------------------------------------------
  const fbm = sim.sim.data.orders.find(
    (o) => o.status === "Unshipped" && o.fulfillmentChannel === "MFN" && o.items.some((i) => i.quantity >= 2),
  )!;
  const line = fbm.items.find((i) => i.quantity >= 2)!;
  const confirm = (ref: string, extra: Record<string, unknown> = {}) =>
    client.confirmShipment(fbm.amazonOrderId, {
      marketplaceId: fbm.marketplaceId,
      packageReferenceId: ref,
      carrierCode: "UPS",
      shippingMethod: "UPS Ground",
      trackingNumber: `1Z999AA1012345678${ref}`,
      shipDate: new Date(),
      items: [{ orderItemId: line.orderItemId, quantity: 1 }],
      ...extra,
    });
  await confirm("1");
  await rejects(confirm("1"));
  await rejects(confirm("2", { carrierCode: "Pigeon Post" }));
  await confirm("3", { carrierCode: "Other", carrierName: "Local Courier" });
  await rejects(confirm("4", { items: [{ orderItemId: "00000000000000", quantity: 1 }] }));
  const afn = sim.sim.data.orders.find((o) => o.status === "Unshipped" && o.fulfillmentChannel === "AFN")!;
  await rejects(
    client.confirmShipment(afn.amazonOrderId, {
      marketplaceId: afn.marketplaceId,
      packageReferenceId: "1",
      carrierCode: "UPS",
      trackingNumber: "1Z1",
      shipDate: new Date(),
      items: [{ orderItemId: afn.items[0].orderItemId, quantity: 1 }],
    }),
  );

  // --- Listings ---------------------------------------------------------------------------------------
  await client.listings.get(
    "DEMO-BAG-15",
    [DE],
    ["summaries", "attributes", "issues", "offers", "fulfillmentAvailability", "productTypes"],
  );
  await client.listings.get("DEMO-KEYBOARD-DE", [US, UK, DE]);
  await client.listings.get("NO-SUCH-SKU", [US]);
  const full = {
    item_name: [{ value: "Demo HD Webcam", language_tag: "en_US", marketplace_id: US }],
    brand: [{ value: "DemoBrand", marketplace_id: US }],
    externally_assigned_product_identifier: [{ type: "ean", value: "0614141000128", marketplace_id: US }],
    product_description: [{ value: "A webcam.", marketplace_id: US }],
    bullet_point: [{ value: "1080p", marketplace_id: US }],
    condition_type: [{ value: "new_new", marketplace_id: US }],
    purchasable_offer: [{ marketplace_id: US, currency: "USD", our_price: [{ schedule: [{ value_with_tax: 54.99 }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: "DEFAULT", quantity: 5 }],
  };
  await client.listings.put("DEMO-WEBCAM-HD", {
    marketplaceIds: [US],
    productType: "PRODUCT",
    attributes: full,
    mode: "VALIDATION_PREVIEW",
  });
  await client.listings.put("DEMO-WEBCAM-HD", { marketplaceIds: [US], productType: "PRODUCT", attributes: full });
  const { brand: _b, ...noBrand } = full;
  await client.listings.put("DEMO-EARBUDS-WL", {
    marketplaceIds: [US],
    productType: "HEADPHONES",
    attributes: noBrand,
    mode: "VALIDATION_PREVIEW",
  });
  await client.listings.put("DEMO-POWERBANK-10K", {
    marketplaceIds: [US],
    productType: "PRODUCT",
    requirements: "LISTING_OFFER_ONLY",
    attributes: {
      merchant_suggested_asin: [{ value: "B0CATPWR01", marketplace_id: US }],
      condition_type: [{ value: "new_new", marketplace_id: US }],
      purchasable_offer: [{ marketplace_id: US, currency: "USD", our_price: [{ schedule: [{ value_with_tax: 29.99 }] }] }],
    },
  });
  await client.listings.put("DEMO-THING", {
    marketplaceIds: [US],
    productType: "NO_SUCH_TYPE",
    attributes: full,
    mode: "VALIDATION_PREVIEW",
  });
  await client.listings.setPrice("DEMO-CABLE-USBC-2M", { marketplaceId: US, currencyCode: "USD", amount: "13.49", productType: "PRODUCT" });
  await client.listings.setFulfillmentQuantity("DEMO-KEYBOARD-DE", { marketplaceId: US, quantity: 3, productType: "PRODUCT" });
  await client.listings.setFulfillmentQuantity("DEMO-CABLE-USBC-2M", {
    marketplaceId: US,
    quantity: 7,
    productType: "PRODUCT",
    op: "merge",
    leadTimeToShipMaxDays: 2,
  });
  await client.listings.patch("DEMO-BAG-15", {
    marketplaceIds: [DE],
    productType: "PRODUCT",
    patches: [
      {
        op: "add",
        path: "/attributes/product_description",
        value: [{ value: "Laptoptasche 15 Zoll", language_tag: "de_DE", marketplace_id: DE }],
      },
    ],
  });
  for await (const _ of client.listings.search({ marketplaceIds: [US], identifiers: [DEMO_BARCODES[0].ean], identifiersType: "EAN" }))
    void _;
  for await (const _ of client.listings.search({
    marketplaceIds: [US, DE],
    withIssueSeverity: ["ERROR"],
    includedData: ["summaries", "issues"],
    pageSize: 2,
  }))
    void _;
  for await (const _ of client.listings.search({ marketplaceIds: [UK], pageSize: 20 })) void _;
  await rejects(clientFor(sim, { maxRetries: 0, sellerId: "A9OTHERSELLER" }).listings.get("DEMO-BAG-15", [US]));

  // --- JSON_LISTINGS_FEED ---------------------------------------------------------------------------------
  const messages = [
    ...quantityMessages([
      { sku: "DEMO-CABLE-USBC-2M", quantity: 9, productType: "PRODUCT" },
      { sku: "DEMO-KEYBOARD-DE", quantity: 4, productType: "PRODUCT" },
      { sku: "NO-SUCH-SKU", quantity: 1, productType: "PRODUCT" },
    ]),
    {
      messageId: 4,
      sku: "DEMO-CHARGER-65W",
      operationType: "PARTIAL_UPDATE" as const,
      productType: "PRODUCT",
      attributes: { bullet_point: [{ value: "65 W USB-C" }] },
    },
  ];
  const feedId = await client.listingsFeed.submit(messages, [US]);
  const feed = await client.listingsFeed.wait(feedId, { intervalMs: 3 });
  await client.listingsFeed.report(feed, messages);
  sim.sim.feeds.pause(true); // keeps it IN_QUEUE however slowly this runs
  const cancelled = await client.listingsFeed.submit(quantityMessages([{ sku: "DEMO-BAG-15", quantity: 1, productType: "PRODUCT" }]), [UK]);
  await client.listingsFeed.cancel(cancelled);
  sim.sim.feeds.pause(false);
  await client.listingsFeed.report(cancelled);
  sim.sim.advance(60_000);
  await rejects(client.listingsFeed.cancel(feedId));
  const bad = await client.submitFeed({
    feedType: "JSON_LISTINGS_FEED",
    marketplaceIds: [DE],
    contentType: "application/json",
    content: "{not json",
  });
  await client.listingsFeed.report(await client.listingsFeed.wait(bad, { intervalMs: 3 }));
  await rejects(client.listingsFeed.cancel("1"));

  // --- Catalog and product type definitions ---------------------------------------------------------------
  const ean = DEMO_BARCODES[2].ean;
  await client.catalog.searchByIdentifiers([ean, DEMO_BARCODES[9].ean], "EAN", US);
  await client.catalog.searchByIdentifiers([upcOf(ean)!], "UPC", US, ["identifiers", "summaries", "productTypes", "attributes"]);
  await client.catalog.searchByIdentifiers([gtin14Of(ean)], "GTIN", DE);
  await client.catalog.searchByIdentifiers(["DEMO-HEADPHONES"], "SKU", UK);
  await client.catalog.searchByIdentifiers(["B0CATPWR01"], "ASIN", US);
  await rejects(client.call("searchCatalogItems", z.any(), { query: { marketplaceIds: [US], identifiers: [ean] } }));
  for (const pt of ["PRODUCT", "HEADPHONES"]) {
    const def = await client.catalog.getDefinitionsProductType(pt, US);
    await client.catalog.downloadProductTypeSchema(def);
  }
  await client.catalog.getDefinitionsProductType("PRODUCT", DE, {
    requirements: "LISTING_OFFER_ONLY",
    requirementsEnforced: "NOT_ENFORCED",
    locale: "de_DE",
  });
  await rejects(client.catalog.getDefinitionsProductType("NO_SUCH_TYPE", US));

  // --- FBA inventory --------------------------------------------------------------------------------------
  for (const mp of [US, UK, DE]) await client.fbaInventory.summaries({ marketplaceId: mp });
  await client.fbaInventory.summaries({ marketplaceId: US, sellerSkus: ["DEMO-SPEAKER-WHT"], startDateTime: since });

  // --- Returns reports and refunds ------------------------------------------------------------------------
  await client.reports.requestAndFetch(
    { reportType: "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA", marketplaceIds: [US, UK, DE], dataStartTime: since },
    { intervalMs: 3 },
  );
  await client.reports.requestAndFetch(
    { reportType: "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE", marketplaceIds: [US], dataStartTime: since, dataEndTime: new Date() },
    { intervalMs: 3 },
  );
  const refunded = sim.sim.returns.all().find((r) => r.refund)!;
  await client.finances.refundsForOrder(refunded.amazonOrderId);
  await client.finances.refundsForOrder(refunded.amazonOrderId, "finances-v0");
  await client.finances.refunds({ postedAfter: since, marketplaceId: DE });
  for await (const _ of client.finances.transactions({
    postedAfter: since,
    postedBefore: new Date(Date.now() - 5 * 60_000),
    transactionStatus: "RELEASED",
  }))
    void _;
  await rejects(client.call("listTransactions", z.any(), { query: { marketplaceId: US } }));
}
