/**
 * The registry of benchmark rows: `npm run bench` measures and prints them in this order, and
 * `npm run bench -- --json` prints one object keyed by each row's `key`. To add a row, write a module beside
 * these that exports a BenchRow (test/bench/bench-row.ts) and list it here; rows that share one expensive
 * measurement use `ctx.shared` (see settlement-preview.ts).
 */
import type { BenchRow } from "../bench-row";
import { cliStartup } from "./cli-startup";
import { notificationToOrderP95 } from "./notification-to-order";
import { d365RequestsPerOrderBacklog, spapiCallsPerOrder } from "./orders-requests";
import { spapiCallsPer1000PriceChanges, spapiCallsPer1000ProductsPublished } from "./products-calls";
import { d365RequestsPerReturn, spapiCallsPer1000Returns } from "./returns-requests";
import { settlementPreviewPeakRss, settlementPreviewVsBareRead } from "./settlement-preview";

export const benchRows: readonly BenchRow[] = [
  spapiCallsPerOrder,
  d365RequestsPerOrderBacklog,
  settlementPreviewVsBareRead,
  settlementPreviewPeakRss,
  cliStartup,
  notificationToOrderP95,
  spapiCallsPer1000ProductsPublished,
  spapiCallsPer1000PriceChanges,
  spapiCallsPer1000Returns,
  d365RequestsPerReturn,
];
