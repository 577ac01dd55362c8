/**
 * The fulfillment flow's AmazonShipmentConfirmations port on the SP-API client's Orders v0 confirmShipment:
 * one package per call; Amazon's "already confirmed / order already fulfilled" answer
 * (ConflictError spapi.shipmentAlreadyConfirmed) counts as done.
 */
import type { SpApiClient } from "../../amazon/client";
import { ConflictError } from "../../platform/errors";
import type { ShipmentConfirmation } from "../../flows/fulfillment/model";
import type { AmazonShipmentConfirmations } from "../../flows/fulfillment/ports";

export class SpApiShipmentConfirmations implements AmazonShipmentConfirmations {
  constructor(private readonly client: Pick<SpApiClient, "confirmShipment">) {}

  async confirm(amazonOrderId: string, c: ShipmentConfirmation): Promise<"confirmed" | "already-confirmed"> {
    try {
      await this.client.confirmShipment(amazonOrderId, {
        marketplaceId: c.marketplaceId,
        packageReferenceId: c.packageReferenceId,
        carrierCode: c.carrierCode,
        ...(c.carrierName ? { carrierName: c.carrierName } : {}),
        ...(c.shippingMethod ? { shippingMethod: c.shippingMethod } : {}),
        trackingNumber: c.trackingNumber,
        shipDate: c.shipDate,
        items: c.items,
      });
      return "confirmed";
    } catch (err) {
      if (err instanceof ConflictError && err.code === "spapi.shipmentAlreadyConfirmed") return "already-confirmed";
      throw err;
    }
  }
}
