/**
 * What the simulator's area modules (mcf, shipments, listings, feeds, inventory, returns) get from the
 * SpApiSim that hosts them: its clocks, its data, notification output, paging tokens and documents.
 */
import type { SimData } from "./data";

/** [HTTP status, JSON body] — what every operation handler answers. */
export type Answer = [number, unknown];

export interface SimContext {
  readonly sellerId: string;
  readonly timeScale: number;
  data: SimData;
  /** Wall clock of the simulator (real time plus explicit advances). */
  now(): Date;
  /** Simulated milliseconds since start (real time × timeScale plus advances). */
  simMs(): number;
  /** The wall-clock time `simMs` simulated milliseconds after the wall-clock time `at`. */
  after(at: number, simMs: number): Date;
  /** Records a notification (and delivers it when delivery is on). */
  emit(notification: Record<string, unknown>): void;
  pageToken(kind: string, state: unknown): string;
  readPageToken(token: string, kind: string): { state: any; createdSim: number } | undefined;
  /** Stores a (gzipped) document and returns a presigned-looking URL that expires after 5 minutes. */
  storeDocument(key: string, body: Buffer, contentType: string, gzip?: boolean): string;
  /** A presigned-looking URL for a key (uploads). */
  documentUrl(key: string): string;
  /** Next value of a deterministic counter (ids). */
  nextSeq(): number;
}

export const errors = (code: string, message: string, details?: string) => ({
  errors: [{ code, message, ...(details ? { details } : {}) }],
});
export const bad = (message: string, details?: string): Answer => [400, errors("InvalidInput", message, details)];
export const notFound = (message: string): Answer => [404, errors("NotFound", message)];

export function notificationMetadata(now: Date, subscription: string, id: string, camel = false): Record<string, string> {
  return camel
    ? {
        applicationId: "amzn1.sellerapps.app.demo",
        subscriptionId: `demo-subscription-${subscription}`,
        publishTime: now.toISOString(),
        notificationId: id,
      }
    : {
        ApplicationId: "amzn1.sellerapps.app.demo",
        SubscriptionId: `demo-subscription-${subscription}`,
        PublishTime: now.toISOString(),
        NotificationId: id,
      };
}
