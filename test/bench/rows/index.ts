/**
 * The registry of benchmark rows: `npm run bench` measures and prints them in this order, and
 * `npm run bench -- --json` prints one object keyed by each row's `key`. To add a row, write a module beside
 * these that exports a BenchRow (test/bench/bench-row.ts) and list it here; rows that share one expensive
 * measurement use `ctx.shared` (see settlement-preview.ts).
 */
import type { BenchRow } from "../bench-row";
import { cliStartup } from "./cli-startup";
import { d365RequestsPerMcfOrder, spapiCallsPerMcfOrder } from "./fulfillment-requests";
import { inventoryD365RequestsPer1000, inventoryPushPeakRss, inventoryPushSeconds, inventorySpapiCallsPer1000 } from "./inventory";
import { notificationLoadP99, notificationLoadThroughput } from "./notification-load";
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
  spapiCallsPerMcfOrder,
  d365RequestsPerMcfOrder,
  spapiCallsPer1000ProductsPublished,
  spapiCallsPer1000PriceChanges,
  spapiCallsPer1000Returns,
  d365RequestsPerReturn,
  inventorySpapiCallsPer1000,
  inventoryD365RequestsPer1000,
  inventoryPushSeconds,
  inventoryPushPeakRss,
  notificationLoadThroughput,
  notificationLoadP99,
];
