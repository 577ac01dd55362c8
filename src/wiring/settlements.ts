/**
 * The settlement flow's dependencies in production: the ports of every settlement use case and activity,
 * built from the app (a host or test may replace single ports through `app.ports.settlements`).
 */
import { join } from "node:path";
import type { SettlementDeps } from "../flows/settlements/ports";
import type { StartOptions } from "../flows/settlements/import-settlement";
import { SETTLEMENT_ACCOUNTS_FILE, SettlementAccounts } from "../mapping/settlement-accounts";
import type { InvocationLogger } from "../platform/telemetry";
import { d365LedgerJournals } from "./adapters/ledger-journals";
import { spApiSettlementReports } from "./adapters/settlement-reports";
import type { App } from "./app";

/** The mapping file, read on each analysis so an admin's fix applies to the next import. */
export function loadSettlementAccounts(mappingsDir: string): SettlementAccounts {
  return SettlementAccounts.fromFile(join(mappingsDir, SETTLEMENT_ACCOUNTS_FILE));
}

/** The flow's dependencies; the connectors are reached only when a step uses them. */
export function settlementDeps(app: App, context?: InvocationLogger): SettlementDeps {
  const o = app.ports.settlements ?? {};
  return {
    get state() {
      return o.state ?? app.state;
    },
    get blobs() {
      return o.blobs ?? app.blobs;
    },
    get journals() {
      if (o.journals) return o.journals;
      return d365LedgerJournals(app.d365);
    },
    get reports() {
      return o.reports ?? spApiSettlementReports(app.spapi);
    },
    accounts: o.accounts ?? (() => loadSettlementAccounts(app.config.MAPPINGS_DIR)),
    clock: o.clock ?? app.clock,
    log: app.telemetry(context, { flow: "settlements" }),
    defaultCompany: app.config.D365_COMPANY.toLowerCase(),
    closedPeriod: app.config.SETTLEMENT_CLOSED_PERIOD,
    ...(o.sleep ? { sleep: o.sleep } : {}),
  };
}

/** How imports start: approval, journal name (settings SETTLEMENT_REQUIRE_APPROVAL, SETTLEMENT_JOURNAL_NAME). */
export function settlementStartOptions(app: App): StartOptions {
  return { requireApproval: app.config.SETTLEMENT_REQUIRE_APPROVAL, journalName: app.config.SETTLEMENT_JOURNAL_NAME };
}
