/** Settings of the orders flow. */
import type { z } from "zod";
import { setting } from "../../platform/settings-kit";

export const orderSettings = {
  /** When the catch-up timer looks for orders Amazon changed (NCRONTAB, UTC). */
  ORDERS_CATCHUP_SCHEDULE: setting.cron("0 */5 * * * *"),
  /** How far back each catch-up looks again before its watermark, for late-indexed orders. */
  ORDERS_CATCHUP_OVERLAP_MINUTES: setting.int(10, 0, 1440),
  /** How far back the first catch-up looks when there is no watermark yet. */
  ORDERS_INITIAL_LOOKBACK_DAYS: setting.int(3, 0, 730),
  /** A catch-up, sync or backfill that finds at least this many orders to import writes them to D365 in bulk. */
  ORDERS_BULK_MIN_ORDERS: setting.int(20, 2, 100_000),
  /** Orders per bulk import: one D365 look-up, one $batch of headers and one of lines for the whole group. */
  ORDERS_BULK_GROUP_SIZE: setting.int(100, 10, 500),
  /** The sweeper re-enqueues an order handed over for import but not applied once nobody touched it this long. */
  ORDERS_SWEEP_AFTER_MINUTES: setting.int(30, 1, 1440),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type OrderSettings = z.infer<z.ZodObject<typeof orderSettings>>;
