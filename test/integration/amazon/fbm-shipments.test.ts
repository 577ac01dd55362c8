/**
 * FBM shipment confirmation through the connector against the simulator: partial and full shipments, Amazon's
 * answers for an order already shipped, a bad carrier or item, and the record of every confirmation.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SpApiClient } from "../../../src/amazon";
import { ConflictError, type ValidationError } from "../../../src/platform/errors";
import type { SpApiSimulator } from "../../../src/local/spapi-sim";
import type { SimOrder } from "../../../src/local/spapi-sim/data";
import { clientFor, control, startSim } from "./sim-client";

let sim: SpApiSimulator;
let client: SpApiClient;

beforeAll(async () => {
  sim = await startSim({ timeScale: 100 });
  client = clientFor(sim, { maxRetries: 0 });
});
afterAll(async () => {
  await sim?.stop();
});

const unshipped = (pred: (o: SimOrder) => boolean = () => true) =>
  sim.sim.data.orders.find((o) => o.status === "Unshipped" && o.fulfillmentChannel === "MFN" && pred(o))!;
const pkg = (o: SimOrder, ref: string, items: { orderItemId: string; quantity: number }[], carrierCode = "UPS") => ({
  marketplaceId: o.marketplaceId,
  packageReferenceId: ref,
  carrierCode,
  shippingMethod: "UPS Ground",
  trackingNumber: `1Z999AA1${ref.padStart(10, "0")}`,
  shipDate: new Date(),
  items,
});

describe("FBM shipment confirmation", () => {
  it("confirms a partial shipment, then the rest: the order goes PartiallyShipped → Shipped, with ORDER_CHANGE each time", async () => {
    const o = sim.sim.addOrder({
      marketplaceId: "ATVPDKIKX0DER",
      fulfillmentChannel: "MFN",
      items: [
        { sku: "DEMO-BAG-15", quantity: 3 },
        { sku: "DEMO-CHARGER-65W", quantity: 1 },
      ],
    });
    const [bag, charger] = o.items;
    await client.confirmShipment(o.amazonOrderId, pkg(o, "1", [{ orderItemId: bag.orderItemId, quantity: 2 }]));
    expect((await client.getOrder(o.amazonOrderId)).OrderStatus).toBe("PartiallyShipped");
    await client.confirmShipment(
      o.amazonOrderId,
      pkg(
        o,
        "2",
        [
          { orderItemId: bag.orderItemId, quantity: 1 },
          { orderItemId: charger.orderItemId, quantity: 1 },
        ],
        "DHL",
      ),
    );
    const after = await client.getOrder(o.amazonOrderId);
    expect(after.OrderStatus).toBe("Shipped");
    expect((await client.getOrderItems(o.amazonOrderId)).map((i) => [i.QuantityOrdered, i.QuantityShipped])).toEqual([
      [3, 3],
      [1, 1],
    ]);
    const changes = sim.sim
      .notifications("ORDER_CHANGE")
      .filter((n: any) => n.Payload.OrderChangeNotification.AmazonOrderId === o.amazonOrderId)
      .map((n: any) => n.Payload.OrderChangeNotification.Summary.OrderStatus);
    expect(changes).toEqual(["Unshipped", "PartiallyShipped", "Shipped"]);
    const { json } = await control(sim, "GET", `/_control/shipments?orderId=${o.amazonOrderId}`);
    expect(json.shipments.map((s: any) => [s.packageReferenceId, s.carrierCode, s.status, s.items])).toEqual([
      ["1", "UPS", 204, [{ orderItemId: bag.orderItemId, quantity: 2 }]],
      [
        "2",
        "DHL",
        204,
        [
          { orderItemId: bag.orderItemId, quantity: 1 },
          { orderItemId: charger.orderItemId, quantity: 1 },
        ],
      ],
    ]);
    const log = (await control(sim, "GET", "/_control/requests?log=true")).json.log.filter(
      (r: any) => r.operation === "confirmShipment" && r.pathParams.orderId === o.amazonOrderId,
    );
    expect(log.map((r: any) => r.body.packageDetail.trackingNumber)).toEqual(["1Z999AA10000000001", "1Z999AA10000000002"]);
  });

  it("answers an order already shipped, and a package confirmed twice, as Amazon does: ConflictError spapi.shipmentAlreadyConfirmed", async () => {
    const shipped = sim.sim.data.orders.find((o) => o.status === "Shipped" && o.fulfillmentChannel === "MFN")!;
    const err = await client
      .confirmShipment(shipped.amazonOrderId, pkg(shipped, "7", [{ orderItemId: shipped.items[0].orderItemId, quantity: 1 }]))
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe("spapi.shipmentAlreadyConfirmed");
    expect(err.message).toContain("order already fulfilled");
    const o = unshipped((x) => x.items[0].quantity >= 2);
    await client.confirmShipment(o.amazonOrderId, pkg(o, "1", [{ orderItemId: o.items[0].orderItemId, quantity: 1 }]));
    await expect(
      client.confirmShipment(o.amazonOrderId, pkg(o, "1", [{ orderItemId: o.items[0].orderItemId, quantity: 1 }])),
    ).rejects.toMatchObject({ code: "spapi.shipmentAlreadyConfirmed" });
  });

  it("refuses an unknown carrier, an unknown item, too many units, an FBA order and a canceled order, with Amazon's messages", async () => {
    const o = sim.sim.addOrder({
      marketplaceId: "A1PA6795UKMFR9",
      fulfillmentChannel: "MFN",
      items: [{ sku: "DEMO-KEYBOARD-DE", quantity: 1 }],
    });
    const item = o.items[0].orderItemId;
    const refused = async (p: Promise<unknown>) => ((await p.catch((e) => e)) as ValidationError).message;
    expect(
      await refused(client.confirmShipment(o.amazonOrderId, pkg(o, "1", [{ orderItemId: item, quantity: 1 }], "Pigeon Post"))),
    ).toContain("carrierCode value Pigeon Post is not valid");
    expect(await refused(client.confirmShipment(o.amazonOrderId, pkg(o, "1", [{ orderItemId: "12345678901234", quantity: 1 }])))).toContain(
      "please obtain the value through the getOrderItems API",
    );
    expect(await refused(client.confirmShipment(o.amazonOrderId, pkg(o, "1", [{ orderItemId: item, quantity: 2 }])))).toContain(
      "more than the 1 not shipped",
    );
    await expect(
      client.confirmShipment(o.amazonOrderId, { ...pkg(o, "1", [{ orderItemId: item, quantity: 1 }]), carrierCode: "Other" }),
    ).rejects.toThrow("carrierName is required");
    await client.confirmShipment(o.amazonOrderId, {
      ...pkg(o, "1", [{ orderItemId: item, quantity: 1 }]),
      carrierCode: "Other",
      carrierName: "Kurier Köln",
    });
    const afn = sim.sim.data.orders.find((x) => x.status === "Unshipped" && x.fulfillmentChannel === "AFN")!;
    expect(
      await refused(client.confirmShipment(afn.amazonOrderId, pkg(afn, "1", [{ orderItemId: afn.items[0].orderItemId, quantity: 1 }]))),
    ).toContain("fulfilled by Amazon");
    const canceled = sim.sim.data.orders.find((x) => x.status === "Canceled" && x.fulfillmentChannel === "MFN")!;
    expect(
      await refused(
        client.confirmShipment(canceled.amazonOrderId, pkg(canceled, "1", [{ orderItemId: canceled.items[0].orderItemId, quantity: 1 }])),
      ),
    ).toContain("canceled");
    const rejected = (await control(sim, "GET", `/_control/shipments?orderId=${o.amazonOrderId}`)).json.shipments.filter(
      (s: any) => s.status === 400,
    );
    expect(rejected.map((s: any) => s.error)).toHaveLength(3);
  });

  it("checks packageReferenceId before calling, and the simulator answers a number where Amazon wants text as Amazon does", async () => {
    const o = unshipped();
    await expect(
      client.confirmShipment(o.amazonOrderId, pkg(o, "A1", [{ orderItemId: o.items[0].orderItemId, quantity: 1 }])),
    ).rejects.toThrow("packageReferenceId must be a positive number");
    const { z } = await import("zod");
    const err = await client
      .call("confirmShipment", z.any(), {
        path: { orderId: o.amazonOrderId },
        body: {
          marketplaceId: o.marketplaceId,
          packageDetail: {
            packageReferenceId: 1,
            carrierCode: "UPS",
            trackingNumber: "1Z",
            shipDate: new Date().toISOString(),
            orderItems: [],
          },
        },
      })
      .catch((e) => e);
    expect(err.message).toContain("invalid type [packageDetail.packageReferenceId]");
  });
});
