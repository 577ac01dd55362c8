/** Settings of the settlements flow. */
import type { z } from "zod";
import { setting } from "../../platform/settings-kit";

export const settlementSettings = {
  /** When the app lists new settlement reports (NCRONTAB, UTC). */
  SETTLEMENTS_POLL_SCHEDULE: setting.cron("0 15 */4 * * *"),
  /** Wait for finance's approval before creating the journal in D365. */
  SETTLEMENT_REQUIRE_APPROVAL: setting.bool(false),
  /** D365 journal name used for settlement journals. */
  SETTLEMENT_JOURNAL_NAME: setting.string("GenJrn"),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type SettlementSettings = z.infer<z.ZodObject<typeof settlementSettings>>;
