/**
 * What the connector's area modules (mcf.ts, listings.ts, catalog.ts, listings-feed.ts, fba-inventory.ts,
 * reports.ts, finances.ts) get from the SpApiClient that composes them: the one `call` path to Amazon (shared
 * rate limiter, pinned version, capped retries, zod validation, error mapping), extra shared buckets for quotas
 * that are not per operation, and document transfer. They never build a request any other way.
 */
import type { z } from "zod";
import type { Clock } from "../platform/clock";
import type { DocumentRef, DownloadedDocument } from "./documents";
import type { OperationName } from "./operations";
import type { RatePlan } from "./rate-limiter";

export interface CallInput {
  path?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
  /** A restricted data token, sent instead of the LWA access token. */
  rdt?: string;
}

export interface SpApiContext {
  readonly sellerId: string;
  readonly clock: Clock;
  call<T extends z.ZodType>(op: OperationName, schema: T, input?: CallInput): Promise<z.infer<T>>;
  /** Takes one token of an additional shared bucket (e.g. the per-feed-type quota of JSON_LISTINGS_FEED). */
  acquire(bucket: string, plan: RatePlan): Promise<void>;
  /** Downloads a document from a presigned URL (gunzipped, decoded). */
  download(ref: DocumentRef): Promise<DownloadedDocument>;
  /** Uploads feed content to a presigned URL. */
  upload(url: string, content: string | Uint8Array, contentType: string): Promise<void>;
}

export const isoDate = (d: Date | string | undefined): string | undefined => (d === undefined ? undefined : new Date(d).toISOString());
