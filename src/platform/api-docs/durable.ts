/**
 * The Durable Functions HTTP API's answers, for routes that start an orchestration and answer with
 * `createCheckStatusResponse`: 202 with the instance's management URLs (Location: its status URL), and the
 * status URL's own answer, 202 while the orchestration runs and 200 with its status when it has finished.
 */
import { z } from "zod";

export const DurableCheckStatus = z
  .object({
    id: z.string().meta({ title: "Instance ID" }),
    statusQueryGetUri: z.string().meta({ title: "Status URL" }),
    sendEventPostUri: z.string().meta({ title: "Send Event URL" }),
    terminatePostUri: z.string().meta({ title: "Terminate URL" }),
    purgeHistoryDeleteUri: z.string().meta({ title: "Purge History URL" }),
  })
  .meta({ description: "The orchestration's management URLs" });

export const DURABLE_CHECK_STATUS_EXAMPLE: z.infer<typeof DurableCheckStatus> = {
  id: "backfill-2025-03-01-2025-03-08-ATVPDKIKX0DER",
  statusQueryGetUri: "https://my-app.azurewebsites.net/runtime/webhooks/durabletask/instances/backfill-2025-03-01?code=...",
  sendEventPostUri: "https://my-app.azurewebsites.net/runtime/webhooks/durabletask/instances/backfill-2025-03-01/raiseEvent/{eventName}",
  terminatePostUri: "https://my-app.azurewebsites.net/runtime/webhooks/durabletask/instances/backfill-2025-03-01/terminate",
  purgeHistoryDeleteUri: "https://my-app.azurewebsites.net/runtime/webhooks/durabletask/instances/backfill-2025-03-01",
};

/** The status URL's 200 answer: the finished orchestration, with `output` as given. */
export function durableStatus<T extends z.ZodType>(output: T) {
  return z
    .object({
      name: z.string(),
      instanceId: z.string().meta({ title: "Instance ID" }),
      runtimeStatus: z.string().meta({ description: "Completed, Failed, Terminated, ..." }),
      createdTime: z.string(),
      lastUpdatedTime: z.string(),
      output: output.optional(),
      customStatus: z.unknown().optional(),
    })
    .meta({ description: "The finished orchestration and its output" });
}
