/**
 * mappings/carriers.json: carriers both ways.
 * - toAmazon: the D365 shipping carrier (ShipCarrierId on the packing slip or the order) or mode of delivery
 *   (DeliveryModeCode) of an FBM shipment -> Amazon's carrier code, carrier name and shipping method for
 *   confirmShipment. A carrier Amazon does not list goes as code "Other" with its name.
 * - fromAmazon: the carrier code Amazon reports on an MCF package -> the carrier's name, its tracking page and,
 *   optionally, the D365 shipping carrier to put on the order.
 * Published as mappings/schemas/carriers.schema.json.
 */
import { z } from "zod";

const text = (what: string, max = 64) => z.string().trim().min(1).max(max).describe(what);

export const ToAmazonCarrier = z
  .object({
    shippingCarrierId: text("D365 shipping carrier (ShipCarrierId) of the packing slip or the order.", 20).optional(),
    modeOfDelivery: text("D365 mode of delivery (DeliveryModeCode), used when the shipment names no carrier.", 20).optional(),
    carrierCode: text("Amazon CarrierCode, e.g. UPS, USPS, FedEx, DHL, Royal Mail, or Other."),
    carrierName: text("Carrier name; required with carrierCode Other.").optional(),
    shippingMethod: text("Shipping method Amazon shows the buyer, e.g. UPS Ground.").optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.shippingCarrierId && !c.modeOfDelivery)
      ctx.addIssue({ code: "custom", path: ["shippingCarrierId"], message: "give shippingCarrierId or modeOfDelivery" });
    if (c.carrierCode === "Other" && !c.carrierName)
      ctx.addIssue({ code: "custom", path: ["carrierName"], message: 'is required when carrierCode is "Other"' });
  });
export type ToAmazonCarrier = z.infer<typeof ToAmazonCarrier>;

export const FromAmazonCarrier = z
  .object({
    amazonCarrierCode: text("The carrier code on Amazon's package, e.g. UPS, USPS, AMZN_US."),
    name: text("The carrier's name for D365 users and the status API."),
    trackingUrl: z
      .string()
      .regex(/^https:\/\/\S*\{trackingNumber\}\S*$/, "an https URL with {trackingNumber} in it")
      .describe("The tracking page, with {trackingNumber} where the number goes (used when Amazon gives no URL).")
      .optional(),
    d365ShippingCarrierId: text("D365 shipping carrier (ShippingCarrierId) to put on the order when Amazon ships with it.", 20).optional(),
  })
  .strict();
export type FromAmazonCarrier = z.infer<typeof FromAmazonCarrier>;

export const CarriersFile = z
  .object({
    $schema: z.string().optional(),
    unmapped: z
      .enum(["review", "other"])
      .default("review")
      .describe(
        'review: a shipment whose carrier has no entry waits for a mapping (a review item); other: it goes as "Other" with the D365 carrier as its name.',
      ),
    toAmazon: z.array(ToAmazonCarrier).default([]),
    fromAmazon: z.array(FromAmazonCarrier).default([]),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Map<string, number>();
    f.toAmazon.forEach((c, i) => {
      for (const k of [
        c.shippingCarrierId ? `c:${c.shippingCarrierId.toLowerCase()}` : "",
        c.modeOfDelivery ? `m:${c.modeOfDelivery.toLowerCase()}` : "",
      ]) {
        if (!k) continue;
        if (seen.has(k)) ctx.addIssue({ code: "custom", path: ["toAmazon", i], message: `duplicate of toAmazon[${seen.get(k)}]` });
        seen.set(k, i);
      }
    });
  });
export type CarriersFile = z.infer<typeof CarriersFile>;

export const CARRIERS_FILE = "carriers.json";

export const carriersDefinition = {
  file: CARRIERS_FILE,
  schema: CarriersFile,
  description:
    "D365 carrier or mode of delivery -> Amazon carrier code for FBM confirmations; Amazon's MCF carriers -> name, tracking page, D365 carrier.",
  required: false,
};

export const EMPTY_CARRIERS_FILE: CarriersFile = CarriersFile.parse({});

/** What confirmShipment is told about the carrier. */
export interface AmazonCarrier {
  carrierCode: string;
  carrierName?: string;
  shippingMethod?: string;
}

/** Lookups over a carriers file. */
export class Carriers {
  constructor(readonly file: CarriersFile = EMPTY_CARRIERS_FILE) {}

  /**
   * The Amazon carrier for a D365 shipment: the entry of its shipping carrier, else of its mode of delivery;
   * with `unmapped: "other"`, "Other" named after the carrier (or mode). Undefined: needs a mapping.
   */
  toAmazon(shippingCarrierId: string | undefined, modeOfDelivery: string | undefined): AmazonCarrier | undefined {
    const same = (a: string | undefined, b: string | undefined) => !!a && !!b && a.toLowerCase() === b.toLowerCase();
    const hit =
      this.file.toAmazon.find((c) => same(c.shippingCarrierId, shippingCarrierId)) ??
      this.file.toAmazon.find((c) => same(c.modeOfDelivery, modeOfDelivery));
    if (hit)
      return {
        carrierCode: hit.carrierCode,
        ...(hit.carrierName ? { carrierName: hit.carrierName } : {}),
        ...(hit.shippingMethod ? { shippingMethod: hit.shippingMethod } : {}),
      };
    const name = shippingCarrierId || modeOfDelivery;
    if (this.file.unmapped === "other" && name) return { carrierCode: "Other", carrierName: name };
    return undefined;
  }

  fromAmazon(amazonCarrierCode: string): FromAmazonCarrier | undefined {
    return this.file.fromAmazon.find((c) => c.amazonCarrierCode.toLowerCase() === amazonCarrierCode.toLowerCase());
  }

  /** The tracking page of a package from the mapping's template, when there is one. */
  trackingUrl(amazonCarrierCode: string, trackingNumber: string): string | undefined {
    const template = this.fromAmazon(amazonCarrierCode)?.trackingUrl;
    return template ? template.replace("{trackingNumber}", encodeURIComponent(trackingNumber)) : undefined;
  }
}
