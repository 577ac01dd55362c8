import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { NotFoundError } from "../platform/errors";
import { JobId, absoluteUrl, getJob, jobResponse, jobStatusPath } from "../platform/jobs";
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
