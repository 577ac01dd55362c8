/**
 * The Functions entry point: one-time setup and the import of every function file. The Azure host loads
 * this module (package.json "main"); the local host loads the very same module. Function files get their
 * flow's dependencies from the composition root (src/wiring/) when they run, never at import.
 */
import { app } from "@azure/functions";
import { traceInvocation } from "./platform/invocation-trace";

app.setup({ enableHttpStream: false });
// Every invocation runs in its trace: the caller's (message property, HTTP header, host) or a new one.
app.hook.preInvocation(traceInvocation);

// Function files: each registers one trigger. Keep this list sorted.
import "./functions/amazon-notifications";
import "./functions/dashboard";
import "./functions/deadletters-list";
import "./functions/deadletters-replay-message";
import "./functions/deadletters-replay-queue";
import "./functions/health";
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
import "./functions/status";
