import { z } from "zod";
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { NotFoundError } from "../platform/errors";
import { describeRoute } from "../platform/api-docs/routes";
import { JOB_RETRY_AFTER_SECONDS, JobId, absoluteUrl, getJob, jobResponse, jobStatusPath } from "../platform/jobs";
import { JobIdParam, JobView, jobExample } from "../platform/jobs-api";
import { validationFromZod, withHttpErrors } from "../platform/trigger-adapters";
import { currentApp, invocationTelemetry } from "../wiring/app";

/** A job's state: 202 while it waits or runs, 200 with its result, or the failure's status with the error. */
export async function jobStatus(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const id = JobId.safeParse(request.params.id);
  if (!id.success) throw validationFromZod(id.error, "job id");
  const record = await getJob(currentApp().state, id.data);
  if (!record) throw new NotFoundError("job.notFound", `No job ${id.data}`, { where: "id" });
  return jobResponse(record, absoluteUrl(request.url, jobStatusPath(record.id)));
}

// The Location of every HTTP call that answers 202 (Power Automate polls it, honouring Retry-After).
app.http("job-status", {
  methods: ["GET"],
  route: "jobs/{id}",
  authLevel: "function",
  handler: withHttpErrors(jobStatus, invocationTelemetry),
});
const example = jobExample("orders.syncOne", { outcome: "created" });
describeRoute("job-status", {
  method: "GET",
  route: "jobs/{id}",
  operationId: "GetJob",
  summary: "Get a job",
  description:
    "The job a call started (its Location): 202 while it waits or runs, 200 with its result when it succeeded, or the " +
    "failure's status (400, 404, 409, 422, 500) with the error when it failed.",
  visibility: "internal",
  tag: "Operations",
  path: z.object({ id: JobIdParam }),
  async: {
    description: "The job, once it succeeded",
    result: JobView,
    example: example.done,
    accepted: { schema: JobView, example: example.accepted, description: "The job waits or runs" },
    retryAfterSeconds: JOB_RETRY_AFTER_SECONDS,
  },
  errors: [400, 404, 409, 422, 500],
});
