/**
 * The jobs' JSON shapes (src/platform/jobs.ts) as zod schemas, for the OpenAPI document: what a call that starts a
 * job answers (200 with the finished job, 202 while it waits or runs) and what `GET /api/jobs/{id}` answers. A job
 * route describes its final 200 with `JobViewOf(ItsResult)`, so Power Automate knows the result's fields.
 */
import { z } from "zod";

const Timestamp = z.string().meta({ description: "ISO 8601 time" });

export const JobIdParam = z.uuid().meta({ title: "Job ID", description: "The job's id, from the Location of the call that started it" });

export const JobErrorView = z.object({
  code: z.string().meta({ description: "A stable error code, e.g. mapping.unknownSku" }),
  message: z.string(),
  retryable: z.boolean(),
  suggestion: z.unknown().optional().meta({ description: "A mapping rule that would close a mapping gap" }),
});

/** A job whose finished result has the schema `result`. */
export function JobViewOf<S extends z.ZodType>(result: S) {
  return z
    .object({
      jobId: JobIdParam,
      kind: z.string().meta({ description: "What the job does, e.g. orders.sync" }),
      status: z.enum(["queued", "running", "retrying", "succeeded", "failed"]).meta({
        description:
          "queued and running: still working; retrying: an attempt failed and is tried again later (lastError); succeeded; failed (error)",
      }),
      statusUrl: z.string().meta({ description: "GET it until it answers 200 (the Location)" }),
      createdAt: Timestamp,
      startedAt: Timestamp.optional(),
      finishedAt: Timestamp.optional(),
      attempts: z.number().int(),
      lastError: z.string().optional().meta({ description: "Why the last attempt failed, while the job is retried" }),
      result: result.optional().meta({ description: "The job's result, once it succeeded" }),
      error: JobErrorView.optional().meta({ description: "Why the job failed" }),
    })
    .meta({ description: "A job: work an HTTP call started that may wait longer than an HTTP call may last" });
}

export const JobView = JobViewOf(z.unknown());

const JOB_URL = "https://your-function-app.azurewebsites.net/api/jobs/0b8f7c1e-4a4b-4d4c-9e1f-2a3b4c5d6e7f";

export function jobExample<T>(kind: string, result: T) {
  return {
    done: {
      jobId: "0b8f7c1e-4a4b-4d4c-9e1f-2a3b4c5d6e7f",
      kind,
      status: "succeeded" as const,
      statusUrl: JOB_URL,
      createdAt: "2025-03-17T06:00:00.000Z",
      startedAt: "2025-03-17T06:00:00.120Z",
      finishedAt: "2025-03-17T06:00:01.870Z",
      attempts: 1,
      result,
    },
    accepted: {
      jobId: "0b8f7c1e-4a4b-4d4c-9e1f-2a3b4c5d6e7f",
      kind,
      status: "queued" as const,
      statusUrl: JOB_URL,
      createdAt: "2025-03-17T06:00:00.000Z",
      attempts: 0,
    },
  };
}
