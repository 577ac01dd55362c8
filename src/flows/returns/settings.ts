/** Settings of the returns flow. */
import { z } from "zod";
import { setting } from "../../platform/settings-kit";

export const returnSettings = {
  /** Queue of return imports (one message per Amazon return). */
  QUEUE_RETURN_IMPORT: setting.string("return-import"),
  /** When the daily returns sync runs (NCRONTAB, UTC). */
  RETURNS_SYNC_SCHEDULE: setting.cron("0 30 3 * * *"),
  /** Which returns the sync reads: fba (customer returns report), fbm (seller-fulfilled returns report), mcf (MCF orders' returns). */
  RETURNS_SOURCES: z.preprocess(
    (v) =>
      typeof v === "string" && v.trim() !== ""
        ? v
            .split(",")
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean)
        : undefined,
    z
      .array(z.enum(["fba", "fbm", "mcf"]))
      .min(1)
      .default(["fba", "fbm", "mcf"]),
  ),
  /** How far back the first sync looks when there is no watermark yet. */
  RETURNS_INITIAL_LOOKBACK_DAYS: setting.int(30, 1, 365),
  /** How far before its watermark each sync reads again (Amazon adds returns to past days late). */
  RETURNS_OVERLAP_DAYS: setting.int(3, 0, 60),
  /** How much earlier than the returns a first (or a manual) sync reads refunds: a refund often comes before its return. */
  RETURNS_REFUND_LOOKBACK_DAYS: setting.int(30, 0, 180),
  /** A return without a refund, or a refund without a return, is listed for review after this many days. */
  RETURNS_REVIEW_AFTER_DAYS: setting.int(14, 0, 365),
  /** How long a return waits for the orders flow to import its sales order before it is listed for review. */
  RETURNS_ORDER_WAIT_MINUTES: setting.int(120, 0, 10_080),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type ReturnSettings = z.infer<z.ZodObject<typeof returnSettings>>;
