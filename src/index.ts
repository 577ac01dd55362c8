/**
 * The Functions entry point: one-time setup and the import of every function file. The Azure host loads
 * this module (package.json "main"); the local host loads the very same module. Function files get their
 * flow's dependencies from the composition root (src/wiring/) when they run, never at import.
 */
import { app } from "@azure/functions";
import { traceInvocation } from "./platform/invocation-trace";

// HTTP streams: a request body reaches a function as a stream it reads when it asks, so an endpoint can refuse a
// caller (a wrong API key, a body over its cap) without the body ever sitting in memory (host 4.28+, library 4.3+).
app.setup({ enableHttpStream: true });
// Every invocation runs in its trace: the caller's (message property, HTTP header, host) or a new one.
app.hook.preInvocation(traceInvocation);

// Function files: each registers one trigger. Keep this list sorted.
import "./functions/amazon-notifications";
import "./functions/d365-events";
import "./functions/dashboard";
import "./functions/deadletters-list";
import "./functions/deadletters-replay-message";
import "./functions/deadletters-replay-queue";
import "./functions/fulfillment-catchup";
import "./functions/fulfillment-order-get";
import "./functions/fulfillment-order-list";
import "./functions/fulfillment-order-send";
import "./functions/fulfillment-request";
import "./functions/health";
import "./functions/health-details";
import "./functions/inventory-fba-discrepancies";
import "./functions/inventory-fba-reconcile";
import "./functions/inventory-fba-reconcile-now";
import "./functions/inventory-push";
import "./functions/inventory-queue";
import "./functions/inventory-request";
import "./functions/inventory-sku-suggestions";
import "./functions/inventory-sync";
import "./functions/inventory-sync-sku";
import "./functions/job-runner";
import "./functions/job-status";
import "./functions/mcf-monitor";
import "./functions/notification-router";
import "./functions/openapi";
import "./functions/order-backfill";
import "./functions/order-backfill-orchestration";
import "./functions/order-catchup";
import "./functions/order-catchup-now";
import "./functions/order-import";
import "./functions/order-import-now";
import "./functions/product-get";
import "./functions/product-publish";
import "./functions/product-publish-now";
import "./functions/product-sync";
import "./functions/product-sync-get";
import "./functions/product-sync-now";
import "./functions/return-import";
import "./functions/returns-list";
import "./functions/returns-sync";
import "./functions/returns-sync-orchestration";
import "./functions/returns-sync-status";
import "./functions/returns-sync-timer";
import "./functions/settlement-approve";
import "./functions/settlement-get";
import "./functions/settlement-import";
import "./functions/settlement-list";
import "./functions/settlement-orchestration";
import "./functions/settlement-poll";
import "./functions/settlement-report-get";
import "./functions/settlement-report-import";
import "./functions/settlement-resolve";
import "./functions/shipment-confirm";
import "./functions/shipment-get";
import "./functions/status";
