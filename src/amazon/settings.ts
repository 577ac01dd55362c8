/** Settings of the SP-API connector. Defaults point at the local SP-API simulator. */
import type { z } from "zod";
import { setting } from "../platform/settings-kit";

export const amazonSettings = {
  /** SP-API region of the seller account: na, eu or fe. */
  SPAPI_REGION: setting.enumOf(["na", "eu", "fe"] as const, "na"),
  /** The seller (merchant) id. */
  SPAPI_SELLER_ID: setting.string("A2DEMOSELLER01"),
  /** Marketplaces the app works in, comma-separated. */
  SPAPI_MARKETPLACE_IDS: setting.list(["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"]),
  /** LWA client id of the SP-API application (the secret and refresh token come from Key Vault). */
  SPAPI_LWA_CLIENT_ID: setting.string("amzn1.application-oa2-client.demo"),
  /** Send SP-API and LWA calls to this address instead of Amazon (the local simulator). Empty: Amazon. */
  SPAPI_ENDPOINT_OVERRIDE: setting.optionalUrl(),
  /** PEM file of the certificate to trust for SPAPI_ENDPOINT_OVERRIDE (the simulator writes it). */
  SPAPI_OVERRIDE_CA_FILE: setting.optionalString(),
  /** Retries of a throttled SP-API call (429) before the caller sees the error. */
  SPAPI_MAX_RETRIES: setting.int(3, 0, 10),
  /** Use restricted data tokens to read buyer address and name (needs Amazon's PII roles). */
  SPAPI_USE_RDT: setting.bool(false),
  /**
   * Orders API the app reads orders with: v0, or 2026-01-01 (import by getOrder with includedData, catch-up by one
   * searchOrders sequence for all marketplaces; v0 getOrders/getOrder/getOrderItems retire 27 Mar 2027).
   */
  SPAPI_ORDERS_API: setting.enumOf(["v0", "2026-01-01"] as const, "v0"),
  /** Fulfillment Outbound (MCF) API the app creates and follows MCF orders with: 2020-07-01, or 2026-07-04 (returns stay on 2020-07-01, which has them). */
  SPAPI_MCF_API: setting.enumOf(["2020-07-01", "2026-07-04"] as const, "2020-07-01"),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type AmazonSettings = z.infer<z.ZodObject<typeof amazonSettings>>;
