import { HttpRequest, InvocationContext } from "@azure/functions";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

// Spy on the constant-time comparison the endpoint must use.
vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});
import { timingSafeEqual } from "node:crypto";

import { routeNotification } from "../../../src/flows/notifications/router";
import { readNotifications, unwrapNotifications, validateNotification } from "../../../src/flows/notifications/validate";
import { enqueueOrderChange } from "../../../src/flows/orders/messages";
import { sameSecret } from "../../../src/flows/notifications/receive";
import { loadAppAsync, type Registration } from "../../../src/local/registry";
import { loadConfig } from "../../../src/wiring/config";
import { MemoryStateStore } from "../../../src/platform/memory-state";
import type { MessageBus, OutgoingMessage, SecretStore } from "../../../src/platform/ports";
import { MemoryTelemetry } from "../../../src/platform/telemetry";
import { createApp, currentApp, useApp } from "../../../src/wiring/app";
import { listParked } from "../../../src/platform/parked-messages";

const KEY = "fake-notification-key-0123456789";

class RecordingBus implements MessageBus {
  readonly sent: { queue: string; message: OutgoingMessage }[] = [];
  async send(queue: string, messages: OutgoingMessage | OutgoingMessage[]) {
    for (const m of Array.isArray(messages) ? messages : [messages]) this.sent.push({ queue, message: m });
  }
  async peekDeadLetters() {
    return [];
  }
  async removeDeadLetter() {
    return false;
  }
}

const secrets: SecretStore = {
  async get(name) {
    if (name === "notification-api-key") return KEY;
    throw new Error(`no secret ${name}`);
  },
  async tryGet(name) {
    return name === "notification-api-key" ? KEY : undefined;
  },
};

/** The example of Amazon's published ORDER_CHANGE schema (schemas/notifications/OrderChangeNotification.json). */
const ORDER_CHANGE_EXAMPLE = {
  NotificationVersion: "1.0",
  NotificationType: "ORDER_CHANGE",
  PayloadVersion: "1.0",
  EventTime: "2020-01-11T00:09:53.109Z",
  Payload: {
    OrderChangeNotification: {
      NotificationLevel: "OrderLevel",
      SellerId: "A3TH9S8BH6GOGM",
      AmazonOrderId: "903-8868176-2219830",
      OrderChangeType: "BuyerRequestedChange",
      OrderChangeTrigger: { TimeOfOrderChange: "2022-11-29T19:42:04.284Z", ChangeReason: "Buyer Requested Cancel" },
      Summary: {
        MarketplaceId: "ATVPDKIKX0DER",
        OrderStatus: "Unshipped",
        PurchaseDate: "2022-07-13T19:42:04.284Z",
        DestinationPostalCode: "48110",
        FulfillmentType: "MFN",
        OrderType: "StandardOrder",
        NumberOfItemsShipped: 0,
        NumberOfItemsUnshipped: 10,
        OrderItems: [
          {
            OrderItemId: "OIID34853450",
            SellerSKU: "SellerSKUID1",
            SupplySourceId: "d7679e14-031b-4ab3-a81b-ec4fc7a460b3",
            OrderItemStatus: "Unshipped",
            Quantity: 10,
            QuantityShipped: 0,
            IsBuyerRequestedCancel: true,
          },
        ],
      },
    },
  },
  NotificationMetadata: {
    ApplicationId: "app-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746",
    SubscriptionId: "subscription-id-d0e9e693-c3ad-4373-979f-ed4ec98dd746",
    PublishTime: "2020-07-13T19:42:04.284Z",
    NotificationId: "d0e9e693-c3ad-4373-979f-ed4ec98dd746",
  },
};

function orderChange(overrides: { id?: string; orderId?: string; status?: string } = {}): any {
  const n = structuredClone(ORDER_CHANGE_EXAMPLE) as any;
  if (overrides.id) n.NotificationMetadata.NotificationId = overrides.id;
  if (overrides.orderId) n.Payload.OrderChangeNotification.AmazonOrderId = overrides.orderId;
  if (overrides.status) n.Payload.OrderChangeNotification.Summary.OrderStatus = overrides.status;
  return n;
}

let endpoint: Registration;
let bus: RecordingBus;

beforeAll(async () => {
  const regs = await loadAppAsync();
  endpoint = regs.find((r) => r.name === "amazon-notifications")!;
});

beforeEach(() => {
  bus = new RecordingBus();
  useApp(createApp(loadConfig({}), { bus, secrets, state: new MemoryStateStore() }));
});

async function post(body: unknown, headers: Record<string, string> = { "x-api-key": KEY }) {
  const request = new HttpRequest({
    method: "POST",
    url: "http://127.0.0.1/api/amazon/notifications",
    headers: { "content-type": "application/json", ...headers },
    body: { string: typeof body === "string" ? body : JSON.stringify(body) },
  });
  const context = new InvocationContext({ functionName: "amazon-notifications", invocationId: "test" });
  return (await endpoint.handler(request, context)) as { status: number; jsonBody: any };
}

describe("POST /api/amazon/notifications", () => {
  it("is anonymous at the host (EventBridge cannot send a function key) and checks its own API key", () => {
    expect(endpoint.trigger.authLevel).toBe("anonymous");
    expect(endpoint.trigger.route).toBe("amazon/notifications");
  });

  it("refuses a wrong or missing API key with 401, comparing in constant time, and enqueues nothing", async () => {
    vi.mocked(timingSafeEqual).mockClear();
    const variants: Record<string, string>[] = [
      { "x-api-key": "wrong" },
      { "x-api-key": KEY.slice(0, -1) },
      { "x-api-key": `${KEY}x` },
      {},
    ];
    for (const headers of variants) {
      const res = await post(orderChange(), headers);
      expect(res.status).toBe(401);
      expect(res.jsonBody.error).toBe("notification.unauthorized");
    }
    // Every check went through crypto.timingSafeEqual on equal-length digests.
    expect(vi.mocked(timingSafeEqual).mock.calls.length).toBeGreaterThanOrEqual(4);
    for (const [a, b] of vi.mocked(timingSafeEqual).mock.calls) expect((a as Buffer).length).toBe((b as Buffer).length);
    expect(bus.sent).toEqual([]);
  });

  it("accepts a valid ORDER_CHANGE with 202 and puts it on the notifications queue with messageId = NotificationId", async () => {
    const n = orderChange({ id: "c2b1a2f6-0000-4000-8000-000000000001" });
    const res = await post(n);
    expect(res.status).toBe(202);
    expect(res.jsonBody.accepted).toEqual([{ notificationId: "c2b1a2f6-0000-4000-8000-000000000001", notificationType: "ORDER_CHANGE" }]);
    expect(bus.sent).toHaveLength(1);
    expect(bus.sent[0].queue).toBe("amazon-notifications");
    expect(bus.sent[0].message).toMatchObject({ messageId: "c2b1a2f6-0000-4000-8000-000000000001", subject: "ORDER_CHANGE", body: n });
  });

  it("rejects a notification that breaks the published schema with 400 naming the JSON path", async () => {
    const n = orderChange();
    n.Payload.OrderChangeNotification.Summary.OrderStatus = "Lost";
    delete n.Payload.OrderChangeNotification.AmazonOrderId;
    const res = await post(n);
    expect(res.status).toBe(400);
    expect(res.jsonBody.error).toBe("notification.invalid");
    expect(res.jsonBody.where).toBe("$.Payload.OrderChangeNotification.AmazonOrderId");
    expect(res.jsonBody.message).toContain("$.Payload.OrderChangeNotification.Summary.OrderStatus: must be one of Pending, Unshipped");
    expect(bus.sent).toEqual([]);
  });

  it("rejects a body that is not JSON with 400", async () => {
    const res = await post("{ nope");
    expect(res.status).toBe(400);
    expect(res.jsonBody.error).toBe("notification.invalidJson");
  });

  it("unwraps the EventBridge envelope and an SQS batch from an EventBridge Pipe", async () => {
    const a = orderChange({ id: "id-a" });
    const b = orderChange({ id: "id-b" });
    expect(
      (await post({ version: "0", "detail-type": "ORDER_CHANGE", source: "aws.partner/sellingpartnerapi.amazon.com/1/app", detail: a }))
        .status,
    ).toBe(202);
    expect((await post([{ messageId: "sqs-1", body: JSON.stringify(b) }])).status).toBe(202);
    expect(bus.sent.map((s) => s.message.messageId)).toEqual(["id-a", "id-b"]);
  });

  it("accepts report notifications (camelCase keys) against their published schema", async () => {
    const report = {
      notificationVersion: "2020-09-04",
      notificationType: "REPORT_PROCESSING_FINISHED",
      payloadVersion: "2020-09-04",
      eventTime: "2026-11-20T10:00:00Z",
      payload: {
        reportProcessingFinishedNotification: {
          accountId: "amzn1.merchant.o.FAKE",
          reportId: "1",
          reportType: "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
          processingStatus: "DONE",
        },
      },
      notificationMetadata: { applicationId: "app", subscriptionId: "sub", publishTime: "2026-11-20T10:00:00Z", notificationId: "rep-1" },
    };
    const res = await post(report);
    expect(res.status).toBe(202);
    expect(bus.sent[0].message).toMatchObject({ messageId: "rep-1", subject: "REPORT_PROCESSING_FINISHED" });
    const bad = await post({ ...report, notificationMetadata: {} });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.jsonBody)).toContain("$.notificationMetadata.notificationId");
  });

  it("enqueues the valid notifications of a mixed batch and still reports the invalid one", async () => {
    const res = await post([{ body: JSON.stringify(orderChange({ id: "ok-1" })) }, { body: JSON.stringify({ hello: "world" }) }]);
    expect(res.status).toBe(400);
    expect(bus.sent.map((s) => s.message.messageId)).toEqual(["ok-1"]);
  });
});

describe("notification helpers", () => {
  it("sameSecret is true only for the exact key", () => {
    expect(sameSecret(KEY, KEY)).toBe(true);
    expect(sameSecret(undefined, KEY)).toBe(false);
    expect(sameSecret("", "")).toBe(false);
    expect(sameSecret(KEY.toUpperCase(), KEY)).toBe(false);
  });

  it("unwraps nested SQS records", () => {
    expect(unwrapNotifications({ Records: [{ body: JSON.stringify({ a: 1 }) }] })).toEqual([{ a: 1 }]);
    expect(readNotifications([]).issues[0].message).toBe("no notification in the body");
  });
});

/** The router's targets with the orders flow's enqueue, as the wiring builds them. */
const orderTargets = (bus: MessageBus) => ({
  orderChanged: (change: Parameters<typeof enqueueOrderChange>[0], id: string) =>
    enqueueOrderChange(change, id, { bus, queue: "order-import" }),
});

describe("notification router", () => {
  it("turns ORDER_CHANGE into an order import message keyed by order id and change time", async () => {
    const bus = new RecordingBus();
    const t = new MemoryTelemetry();
    const n = validateNotification(orderChange({ orderId: "903-8868176-2219830" }));
    if (!n.ok) throw new Error("the example must be valid");
    const out = await routeNotification(n.value, { telemetry: t, targets: orderTargets(bus) });
    expect(out).toEqual({
      routed: "order-import",
      amazonOrderId: "903-8868176-2219830",
      messageId: "903-8868176-2219830@2022-11-29T19:42:04.284Z",
    });
    expect(bus.sent[0]).toMatchObject({
      queue: "order-import",
      message: {
        messageId: "903-8868176-2219830@2022-11-29T19:42:04.284Z",
        body: { amazonOrderId: "903-8868176-2219830", source: "notification", marketplaceId: "ATVPDKIKX0DER" },
      },
    });
  });

  it("drops an ORDER_CHANGE for another seller or a marketplace the app does not work in: no message, no Amazon call, no review item", async () => {
    const { routeDeps } = await import("../../../src/wiring/notifications");
    const app = currentApp();
    const ctx = new InvocationContext({ functionName: "notification-router", invocationId: "test" });
    const deps = routeDeps(app, ctx, {} as Parameters<typeof routeDeps>[2]);
    // The published example is for seller A3TH9S8BH6GOGM; the app is configured for A2DEMOSELLER01.
    const other = validateNotification(orderChange({ orderId: "903-8868176-2219830" }));
    if (!other.ok) throw new Error("the example must be valid");
    expect(await routeNotification(other.value, deps)).toMatchObject({ routed: "dropped", amazonOrderId: "903-8868176-2219830" });
    const mine = orderChange({ orderId: "903-8868176-2219831" });
    mine.Payload.OrderChangeNotification.SellerId = app.config.SPAPI_SELLER_ID;
    mine.Payload.OrderChangeNotification.Summary.MarketplaceId = "A1VC38T7YXB528"; // Japan: not in SPAPI_MARKETPLACE_IDS
    const n = validateNotification(mine);
    if (!n.ok) throw new Error("must be valid");
    expect(await routeNotification(n.value, deps)).toMatchObject({
      routed: "dropped",
      reason: expect.stringContaining("SPAPI_MARKETPLACE_IDS"),
    });
    expect(bus.sent).toEqual([]);
    expect(await listParked(app.state, {})).toEqual([]);
  });

  it("logs and completes types no flow handles yet", async () => {
    const bus = new RecordingBus();
    const t = new MemoryTelemetry();
    const n = validateNotification({ NotificationType: "ANY_OFFER_CHANGED", Payload: {}, NotificationMetadata: { NotificationId: "x" } });
    if (!n.ok) throw new Error("the envelope must be valid");
    const out = await routeNotification(n.value, { telemetry: t, targets: orderTargets(bus) });
    expect(out).toEqual({ routed: "ignored", notificationType: "ANY_OFFER_CHANGED" });
    expect(bus.sent).toEqual([]);
  });
});
