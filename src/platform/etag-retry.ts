/**
 * Read-modify-write under optimistic concurrency: run `attempt` again when it lost an ETag race
 * (ConcurrencyError from replace/delete with an etag, or ConflictError "state.exists" from an insert that
 * another writer won). `attempt` must re-read the row each time.
 *
 *   await withEtagRetry(async () => {
 *     const row = await state.get("counters", pk, rk);
 *     const next = { partitionKey: pk, rowKey: rk, n: Number(row?.entity.n ?? 0) + 1 };
 *     return row ? state.replace("counters", next, row.etag) : state.insert("counters", next);
 *   });
 */
import { ConcurrencyError, ConflictError } from "./errors";

export interface EtagRetryOptions {
  /** Attempts in total (default 10). */
  attempts?: number;
  /** Upper bound of the random pause between attempts in ms (default 50), grows with each attempt. */
  maxDelayMs?: number;
}

export function isLostRace(err: unknown): boolean {
  return err instanceof ConcurrencyError || (err instanceof ConflictError && err.code === "state.exists");
}

export async function withEtagRetry<T>(attempt: (n: number) => Promise<T>, options: EtagRetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 10;
  const maxDelay = options.maxDelayMs ?? 50;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (!isLostRace(err) || n >= attempts) throw err;
      // Random pause so that writers that collided do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * maxDelay * Math.min(n, 5)));
    }
  }
}
