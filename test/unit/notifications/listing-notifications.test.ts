/**
 * LISTINGS_ITEM_STATUS_CHANGE and LISTINGS_ITEM_ISSUES_CHANGE: checked against Amazon's published schemas
 * (copied in src/flows/notifications/schemas/) and routed to the products queue as one listing refresh.
 */
import { describe, expect, it } from "vitest";
import { routeNotification } from "../../../src/flows/notifications/router";
import { validateNotification } from "../../../src/flows/notifications/validate";
import { enqueueListingChange, ProductsMessage } from "../../../src/flows/products/messages";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";

const meta = (id: string) => ({
  ApplicationId: "amzn1.sellerapps.app.demo",
  SubscriptionId: "sub-1",
  PublishTime: "2026-11-20T10:00:01Z",
  NotificationId: id,
});

const statusChange = (type = "LISTINGS_ITEM_STATUS_CHANGE") => ({
  NotificationVersion: "1.0",
  NotificationType: type,
  PayloadVersion: "1.0",
  EventTime: "2026-11-20T10:00:00Z",
  Payload: {
    SellerId: "A2DEMOSELLER01",
    MarketplaceId: "A1PA6795UKMFR9",
    Asin: "B0DEMO0010",
    Sku: "DEMO-BAG-15",
    Status: ["BUYABLE", "DISCOVERABLE"],
  },
  NotificationMetadata: meta("n-status"),
});

const issuesChange = () => ({
  NotificationVersion: "1.0",
  NotificationType: "LISTINGS_ITEM_ISSUES_CHANGE",
  PayloadVersion: "2023-12-13",
  EventTime: "2026-11-20T10:00:00Z",
  Payload: {
    SellerId: "A2DEMOSELLER01",
    MarketplaceId: "A1PA6795UKMFR9",
    Sku: "DEMO-BAG-15",
    Severities: ["NONE"],
    EnforcementActions: [],
  },
  NotificationMetadata: meta("n-issues"),
});

class Bus implements MessageBus {
  sent: { queue: string; message: OutgoingMessage }[] = [];
  async send(queue: string, m: OutgoingMessage | OutgoingMessage[]) {
    for (const x of Array.isArray(m) ? m : [m]) this.sent.push({ queue, message: x });
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

describe("listing notifications", () => {
  it("reads SKU, marketplace, status and severities from both types (and the schema's own spelling of the status type)", () => {
    for (const n of [statusChange(), statusChange("LISTINGS_ITEM_STATUS_CHANGED")]) {
      const r = validateNotification(n);
      expect(r.ok && r.value.kind === "listing-change" && r.value.listingChange).toEqual({
        sku: "DEMO-BAG-15",
        marketplaceId: "A1PA6795UKMFR9",
        asin: "B0DEMO0010",
        status: ["BUYABLE", "DISCOVERABLE"],
        changedAt: "2026-11-20T10:00:00Z",
      });
    }
    const r = validateNotification(issuesChange());
    expect(r.ok && r.value.kind === "listing-change" && r.value.listingChange.severities).toEqual(["NONE"]);
  });

  it("refuses what breaks the published schema, naming the path", () => {
    const bad = issuesChange();
    (bad.Payload as Record<string, unknown>).Severities = ["FATAL"];
    const r = validateNotification(bad);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]).toMatchObject({ path: "$.Payload.Severities[0]", message: expect.stringMatching(/NONE, ERROR, WARNING/) });
    const noSku = statusChange();
    delete (noSku.Payload as Record<string, unknown>).Sku;
    expect(validateNotification(noSku)).toMatchObject({ ok: false, issues: [{ path: "$.Payload.Sku" }] });
  });

  it("routes both to the products queue as one refresh of the listing (same change time: one message id)", async () => {
    const bus = new Bus();
    const targets = {
      orderChanged: async () => ({ messageId: "x" }),
      listingChanged: (change: Parameters<typeof enqueueListingChange>[0], id: string) =>
        enqueueListingChange(change, id, { bus, queue: "product-publish" }),
    };
    for (const n of [statusChange(), issuesChange()]) {
      const v = validateNotification(n);
      if (!v.ok) throw new Error("invalid");
      expect(await routeNotification(v.value, { targets, telemetry: new MemoryTelemetry() })).toMatchObject({
        routed: "listing-refresh",
        sku: "DEMO-BAG-15",
      });
    }
    expect(bus.sent.map((s) => s.queue)).toEqual(["product-publish", "product-publish"]);
    expect(new Set(bus.sent.map((s) => s.message.messageId))).toEqual(new Set(["listing:DEMO-BAG-15@A1PA6795UKMFR9@2026-11-20T10:00:00Z"]));
    expect(ProductsMessage.parse(bus.sent[0]!.message.body)).toMatchObject({
      kind: "listing-change",
      sku: "DEMO-BAG-15",
      status: ["BUYABLE", "DISCOVERABLE"],
    });
  });

  it("is logged and completed where no products flow takes it", async () => {
    const v = validateNotification(statusChange());
    if (!v.ok) throw new Error("invalid");
    expect(
      await routeNotification(v.value, { targets: { orderChanged: async () => ({ messageId: "x" }) }, telemetry: new MemoryTelemetry() }),
    ).toEqual({
      routed: "ignored",
      notificationType: "LISTINGS_ITEM_STATUS_CHANGE",
    });
  });
});
