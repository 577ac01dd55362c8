/**
 * The shared SP-API rate limiter: one token bucket per (seller, region, operation), kept in the StateStore
 * (Table Storage in Azure, Azurite locally) and updated with ETag optimistic concurrency, so that every
 * app instance draws on the same quota — the quota belongs to the seller and app, not to one process, and
 * every instance of a scaled-out Function app spends it. The bucket restores `rate` tokens per second up to `burst`; the rate follows the
 * `x-amzn-RateLimit-Limit` header Amazon sends back. `acquire` waits (through the Clock) until a token is
 * free; it never lets a call through early.
 */
import type { Clock } from "../platform/clock";
import { ConcurrencyError, ConflictError, ThrottledError } from "../platform/errors";
import type { StateEntity, StateStore } from "../platform/ports";
import { safeKey } from "../platform/state-keys";

export interface RateLimitKey {
  sellerId: string;
  region: string;
  operation: string;
}

export interface RatePlan {
  /** Tokens restored per second. */
  rate: number;
  /** Bucket size. */
  burst: number;
}

export interface RateLimiterOptions {
  state: StateStore;
  clock: Clock;
  /** Table holding the buckets (default "spapiRateLimits"). */
  table?: string;
  /**
   * Tokens kept back from the burst. A call is counted here when it leaves and at Amazon when it arrives;
   * one token of reserve absorbs that network delay, so our bucket never runs ahead of Amazon's.
   */
  reserve?: number;
  /** Longest single sleep while waiting for a token (the bucket is re-read after it). */
  maxSleepMs?: number;
  random?: () => number;
}

interface BucketEntity extends StateEntity {
  tokens: number;
  updatedMs: number;
  rate: number;
  burst: number;
}

export interface AcquireResult {
  waitedMs: number;
  /** ETag races lost on the way (for telemetry). */
  conflicts: number;
}

export class SharedRateLimiter {
  private readonly table: string;
  private readonly reserve: number;
  private readonly maxSleepMs: number;
  private readonly random: () => number;
  /** Rates seen in x-amzn-RateLimit-Limit, written to the bucket with its next update. */
  private readonly observed = new Map<string, number>();

  constructor(private readonly opts: RateLimiterOptions) {
    this.table = opts.table ?? "spapiRateLimits";
    this.reserve = opts.reserve ?? 1;
    this.maxSleepMs = opts.maxSleepMs ?? 60_000;
    this.random = opts.random ?? Math.random;
  }

  private keys(key: RateLimitKey): { pk: string; rk: string; id: string } {
    const pk = safeKey(`${key.sellerId}.${key.region}`);
    const rk = safeKey(key.operation);
    return { pk, rk, id: `${pk}/${rk}` };
  }

  private capacity(plan: RatePlan): number {
    return Math.max(1, plan.burst - this.reserve);
  }

  /** Records the live rate Amazon reported; the bucket uses it from its next update on. */
  observeRate(key: RateLimitKey, rate: number): void {
    if (Number.isFinite(rate) && rate > 0) this.observed.set(this.keys(key).id, rate);
  }

  /**
   * Takes one token, waiting as long as needed — but not longer than `maxWaitMs`: then it throws a
   * ThrottledError (retryable, with the expected wait) so that a queued message is retried later instead
   * of a function timing out while it waits.
   */
  async acquire(key: RateLimitKey, plan: RatePlan, maxWaitMs = Number.POSITIVE_INFINITY): Promise<AcquireResult> {
    const { pk, rk, id } = this.keys(key);
    const { state, clock } = this.opts;
    const cap = this.capacity(plan);
    let waitedMs = 0;
    let conflicts = 0;
    for (;;) {
      const now = clock.now().getTime();
      const stored = await state.get<BucketEntity>(this.table, pk, rk);
      const rate = this.observed.get(id) ?? (stored && Number(stored.entity.rate) > 0 ? Number(stored.entity.rate) : plan.rate);
      if (!stored) {
        try {
          await state.insert(this.table, {
            partitionKey: pk,
            rowKey: rk,
            tokens: cap - 1,
            updatedMs: now,
            rate,
            burst: plan.burst,
          } satisfies BucketEntity);
          return { waitedMs, conflicts };
        } catch (err) {
          if (err instanceof ConflictError) {
            conflicts++;
            continue;
          }
          throw err;
        }
      }
      const e = stored.entity;
      // The rate Amazon reports is the one in force now: refill with it.
      const elapsed = Math.max(0, now - Number(e.updatedMs));
      const tokens = Math.min(cap, Number(e.tokens) + (elapsed / 1000) * rate);
      if (tokens >= 1) {
        try {
          await state.replace(
            this.table,
            {
              partitionKey: pk,
              rowKey: rk,
              tokens: tokens - 1,
              updatedMs: Math.max(now, Number(e.updatedMs)),
              rate,
              burst: plan.burst,
            } satisfies BucketEntity,
            stored.etag,
          );
          return { waitedMs, conflicts };
        } catch (err) {
          if (err instanceof ConcurrencyError) {
            conflicts++;
            continue; // someone else took a token in between: read again
          }
          throw err;
        }
      }
      const needMs = Math.ceil(((1 - tokens) / rate) * 1000);
      if (waitedMs + needMs > maxWaitMs) {
        throw new ThrottledError(
          "spapi.quotaWait",
          `the shared SP-API quota for ${key.operation} has no token free within ${Math.round(maxWaitMs / 1000)} s`,
          needMs,
          {
            where: `SP-API ${key.operation}`,
          },
        );
      }
      // A little jitter spreads the instances that all wake for the same token.
      const sleep = Math.min(this.maxSleepMs, needMs + Math.floor(this.random() * Math.min(10, needMs * 0.05 + 1)));
      await clock.sleep(sleep);
      waitedMs += sleep;
    }
  }

  /**
   * Empties the bucket after Amazon said 429 (its bucket is emptier than ours): every instance then waits
   * a full restore interval before the next call.
   */
  async drain(key: RateLimitKey, plan: RatePlan): Promise<void> {
    const { pk, rk } = this.keys(key);
    const { state, clock } = this.opts;
    for (let i = 0; i < 5; i++) {
      const stored = await state.get<BucketEntity>(this.table, pk, rk);
      const now = clock.now().getTime();
      const entity: BucketEntity = {
        partitionKey: pk,
        rowKey: rk,
        tokens: 0,
        updatedMs: now,
        rate: this.observed.get(this.keys(key).id) ?? (stored ? Number(stored.entity.rate) : plan.rate),
        burst: plan.burst,
      };
      try {
        if (stored) await state.replace(this.table, entity, stored.etag);
        else await state.insert(this.table, entity);
        return;
      } catch (err) {
        if (err instanceof ConcurrencyError || err instanceof ConflictError) continue;
        throw err;
      }
    }
  }

  /** The bucket as stored (for the status page and tests). */
  async inspect(key: RateLimitKey): Promise<{ tokens: number; rate: number; burst: number; updatedMs: number } | undefined> {
    const { pk, rk } = this.keys(key);
    const s = await this.opts.state.get<BucketEntity>(this.table, pk, rk);
    return s
      ? {
          tokens: Number(s.entity.tokens),
          rate: Number(s.entity.rate),
          burst: Number(s.entity.burst),
          updatedMs: Number(s.entity.updatedMs),
        }
      : undefined;
  }
}
