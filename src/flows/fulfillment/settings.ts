/** Settings of the fulfillment flow (MCF and FBM shipment confirmation). The rules themselves are in mappings/fulfillment.json. */
import type { z } from "zod";
import { setting } from "../../platform/settings-kit";

export const fulfillmentSettings = {
  /** Queue of fulfillment requests (business events, timers, HTTP calls and MCF notifications put one order on it each). */
  QUEUE_FULFILLMENT: setting.string("fulfillment-requests"),
  /** When the safety net looks for ready MCF orders and posted FBM packing slips in D365 (NCRONTAB, UTC). */
  FULFILLMENT_CATCHUP_SCHEDULE: setting.cron("0 */15 * * * *"),
  /** When the monitor follows the MCF orders Amazon has (NCRONTAB, UTC); each order waits longer while nothing changes. */
  MCF_MONITOR_SCHEDULE: setting.cron("0 */5 * * * *"),
  /** First wait before the monitor looks at an MCF order again after a change, in minutes (it doubles while nothing changes). */
  MCF_MONITOR_FIRST_CHECK_MINUTES: setting.int(5, 0, 1440),
  /** Longest wait between two looks at an MCF order, in minutes. */
  MCF_MONITOR_MAX_INTERVAL_MINUTES: setting.int(360, 1, 10080),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type FulfillmentSettings = z.infer<z.ZodObject<typeof fulfillmentSettings>>;
