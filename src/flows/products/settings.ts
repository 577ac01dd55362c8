/** Settings of the products flow. */
import type { z } from "zod";
import { setting } from "../../platform/settings-kit";

export const productSettings = {
  /** When the products sync compares D365's released products with the listings (NCRONTAB, UTC). */
  PRODUCTS_SYNC_SCHEDULE: setting.cron("0 10,40 * * * *"),
  /** Queue of product publish batches and listing changes Amazon notified. */
  QUEUE_PRODUCTS: setting.string("product-publish"),
  /** Items per publish message (a batch reads its listings and catalog matches 20 SKUs a call). */
  PRODUCTS_BATCH_SIZE: setting.int(20, 1, 100),
  /**
   * always: every put and patch is first sent with mode VALIDATION_PREVIEW; new-listings: only new listings
   * are (a patch of a live listing, such as a price, goes straight: Amazon refuses an invalid one whole).
   */
  PRODUCTS_PREVIEW: setting.enumOf(["always", "new-listings"] as const, "always"),
  /** How long a product type definition is kept before it is asked for again. */
  PRODUCTS_DEFINITION_CACHE_HOURS: setting.int(24, 0, 720),
  /** A listing not read from Amazon for this long is read again by the next sync (the catch-up for lost notifications); 0: never. */
  PRODUCTS_REFRESH_HOURS: setting.int(24, 0, 8760),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type ProductSettings = z.infer<z.ZodObject<typeof productSettings>>;
