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
};

/** The parsed values of these settings (a part of the app's configuration). */
export type OrderSettings = z.infer<z.ZodObject<typeof orderSettings>>;
