/** Settings of the settlements flow. */
import type { z } from "zod";
import { setting } from "../../platform/settings-kit";

export const settlementSettings = {
  /** When the app lists new settlement reports (NCRONTAB, UTC). */
  SETTLEMENTS_POLL_SCHEDULE: setting.cron("0 15 */4 * * *"),
  /** Wait for finance's approval before creating the journal in D365. */
  SETTLEMENT_REQUIRE_APPROVAL: setting.bool(false),
  /**
   * D365 journal name of settlement journals: a Daily journal name with a voucher series and "Number allocation
   * at posting" = Yes (or New voucher = Manual), no offset account and "Amounts include sales tax" = No. The app
   * checks it before each import and stops as needs-attention with what to change (docs/settlements.md).
   */
  SETTLEMENT_JOURNAL_NAME: setting.string("GenJrn"),
  /**
   * A voucher dated in a closed or on-hold ledger period: needs-attention stops the import before anything is
   * written, with the period and what to do; next-open-period dates it on the first day of the first open period,
   * with the date it belongs to in each line's text.
   */
  SETTLEMENT_CLOSED_PERIOD: setting.enumOf(["needs-attention", "next-open-period"] as const, "needs-attention"),
};

/** The parsed values of these settings (a part of the app's configuration). */
export type SettlementSettings = z.infer<z.ZodObject<typeof settlementSettings>>;
