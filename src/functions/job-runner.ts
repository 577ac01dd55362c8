import { app, type InvocationContext } from "@azure/functions";
import { JobMessage, runJob } from "../platform/jobs";
import { handleQueueMessage } from "../platform/trigger-adapters";
import { currentApp } from "../wiring/app";
import { jobDeps, jobHandlers } from "../wiring/jobs";
import { queueDeps } from "../wiring/operations";

/** Runs one job an HTTP call started (its record says what); a failure that may pass is retried later. */
export async function jobRunner(message: unknown, context: InvocationContext): Promise<void> {
  const a = currentApp();
  await handleQueueMessage({
    queue: a.config.QUEUE_JOBS,
    body: message,
    context,
    schema: JobMessage,
    deps: queueDeps(a, context),
    handle: (m, delivery) => runJob(m, delivery, jobHandlers(a, context), jobDeps(a, context)),
  });
}

// The work behind HTTP calls that answer 202 + Location (GET /api/jobs/{id} reports it).
app.serviceBusQueue("job-runner", {
  connection: "ServiceBusConnection",
  queueName: "%QUEUE_JOBS%",
  handler: jobRunner,
});
