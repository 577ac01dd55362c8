/**
 * Notification delivery from the simulator to the app's notification endpoint, the way the EventBridge API
 * destination does it: an EventBridge event POSTed with the connection's API key in x-api-key. The receiving
 * end here is the app's own use case (receiveNotifications) behind a loopback HTTP server, so what the
 * simulator sends is what the app accepts onto its queue.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiveNotifications } from "../../../src/flows/notifications/receive";
import { AppError } from "../../../src/platform/errors";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";
import { silentTelemetry } from "../../../src/platform/telemetry";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import { clientFor, control, startSim } from "./sim-client";

const KEY = "local-notification-key";
let sim: SpApiSimulator;
let app: Server;
let url: string;
const queued: OutgoingMessage[] = [];
const bodies: any[] = [];
let failNext = 0;

beforeAll(async () => {
  sim = await startSim({ timeScale: 1 });
  const bus = {
    async send(_queue: string, messages: OutgoingMessage | OutgoingMessage[]) {
      queued.push(...(Array.isArray(messages) ? messages : [messages]));
    },
  } as unknown as MessageBus;
  app = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    bodies.push(JSON.parse(rawBody));
    if (failNext > 0) {
      failNext--;
      res.writeHead(503).end();
      return;
    }
    try {
      const result = await receiveNotifications(
        { apiKey: req.headers["x-api-key"] as string | undefined, rawBody },
        { expectedApiKey: async () => KEY, bus, queue: "amazon-notifications", telemetry: silentTelemetry },
      );
      res.writeHead(202, { "content-type": "application/json" }).end(JSON.stringify(result));
    } catch (err) {
      res.writeHead(err instanceof AppError ? err.httpStatus : 500).end();
    }
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/amazon/notifications`;
});
afterAll(async () => {
  await sim?.stop();
  await new Promise((r) => app.close(r));
});

describe("notification delivery to the app", () => {
  it("delivers nothing until delivery is configured", async () => {
    sim.sim.inventory.set("ATVPDKIKX0DER", "DEMO-MOUSE-WL", { fulfillable: 81 });
    await sim.sim.hub.flush();
    expect(bodies).toEqual([]);
    expect((await control(sim, "GET", "/_control/notifications/delivery")).json.delivery.enabled).toBe(false);
  });

  it("POSTs each notification as an EventBridge event with x-api-key; the app's receiver queues it under its notification id", async () => {
    const put = await control(sim, "PUT", "/_control/notifications/delivery", { enabled: true, url, apiKey: KEY, retryDelayMs: 10 });
    expect(put.json.delivery).toMatchObject({ enabled: true, url, apiKey: "***" });
    const client = clientFor(sim);
    await client.mcf.create({
      sellerFulfillmentOrderId: "DELIVER-1",
      marketplaceId: "ATVPDKIKX0DER",
      displayableOrderId: "DELIVER-1",
      displayableOrderDate: "2026-11-20T10:00:00Z",
      displayableOrderComment: "Thanks",
      shippingSpeed: "Standard",
      destination: { name: "R", addressLine1: "1 St", postalCode: "98101", countryCode: "US", city: "Seattle", stateOrRegion: "WA" },
      items: [{ lineId: "1", sku: "DEMO-SPEAKER-WHT", quantity: 1 }],
    });
    sim.sim.advance(61_000);
    await control(sim, "POST", "/_control/notifications/flush");
    expect(bodies[0]).toMatchObject({
      version: "0",
      "detail-type": "FULFILLMENT_ORDER_STATUS",
      source: expect.stringMatching(/^aws\.partner\/sellingpartnerapi\.amazon\.com\//),
    });
    const types = queued.map((m) => m.subject);
    expect(types).toEqual([
      "FULFILLMENT_ORDER_STATUS",
      "FULFILLMENT_ORDER_STATUS",
      "FULFILLMENT_ORDER_STATUS",
      "FBA_OUTBOUND_SHIPMENT_STATUS",
      "FULFILLMENT_ORDER_STATUS",
      "FULFILLMENT_ORDER_STATUS",
    ]);
    const produced = sim.sim.notifications().slice(-6) as any[];
    expect(queued.map((m) => m.messageId)).toEqual(produced.map((n) => n.NotificationMetadata.NotificationId));
  });

  it("retries a failed delivery with backoff, refuses a wrong key for good, and duplicates on request (the notification id stays the same)", async () => {
    queued.length = 0;
    bodies.length = 0;
    failNext = 2;
    sim.sim.inventory.set("ATVPDKIKX0DER", "DEMO-MOUSE-WL", { fulfillable: 82 });
    await sim.sim.hub.flush();
    expect(bodies).toHaveLength(3);
    expect(queued).toHaveLength(1);
    const log = (await control(sim, "GET", "/_control/notifications/delivery")).json.deliveries.slice(-3);
    expect(log.map((d: any) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 503],
      [3, 202],
    ]);
    await control(sim, "PUT", "/_control/notifications/delivery", { apiKey: "wrong" });
    sim.sim.inventory.set("ATVPDKIKX0DER", "DEMO-MOUSE-WL", { fulfillable: 83 });
    await sim.sim.hub.flush();
    expect(sim.sim.hub.deliveries().slice(-1)[0]).toMatchObject({ attempt: 1, status: 401 });
    await control(sim, "PUT", "/_control/notifications/delivery", {
      apiKey: KEY,
      duplicate: true,
      types: ["FBA_INVENTORY_AVAILABILITY_CHANGES"],
    });
    queued.length = 0;
    sim.sim.inventory.set("ATVPDKIKX0DER", "DEMO-MOUSE-WL", { fulfillable: 84 });
    await sim.sim.hub.flush();
    expect(queued).toHaveLength(2);
    expect(queued[0].messageId).toBe(queued[1].messageId);
    await control(sim, "PUT", "/_control/notifications/delivery", { enabled: false });
  });
});
