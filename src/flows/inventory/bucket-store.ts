/**
 * Per-SKU records kept in a few table rows per marketplace instead of one row per SKU: a catalogue of 10,000 SKUs
 * is about 256 rows, so a run reads a marketplace in one query of a few pages and writes its changes in a few
 * Table transactions (100 rows each), where one row per SKU took 100 transactions for 10,000 changes.
 *
 * A SKU's bucket is a hash of the SKU (FNV-1a, 256 buckets); a row holds its SKUs as JSON, split over properties
 * of at most 30,000 characters (a Table property holds 32K characters, an entity 1 MB). Writes read the buckets,
 * change the SKUs given and replace the rows with their ETag; a lost race (another run, a notification, a
 * single-SKU push writing the same bucket) reads again and reapplies, so concurrent writers never lose an update.
 */
import { ConcurrencyError, ConflictError } from "../../platform/errors";
import type { StateEntity, StateOperation, StateStore, Stored } from "../../platform/ports";
import { safeKey } from "../../platform/state-keys";

export const BUCKETS = 256;
const PART_CHARS = 30_000;
const MAX_PARTS = 30;
const MAX_ATTEMPTS = 8;

/** FNV-1a over the UTF-16 code units; stable across processes and versions (never change it: it places rows). */
export function bucketOf(key: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `b${String(h % BUCKETS).padStart(3, "0")}`;
}

interface BucketRow extends StateEntity {
  parts: number;
}

/** The records of one bucket row, by key. */
export function decodeBucket<T>(row: StateEntity): Record<string, T> {
  const parts = Number(row.parts ?? 0);
  let json = "";
  for (let i = 0; i < parts; i++) json += String(row[`p${i}`] ?? "");
  return json ? (JSON.parse(json) as Record<string, T>) : {};
}

function encode<T>(partitionKey: string, rowKey: string, entries: Record<string, T>): BucketRow {
  const json = JSON.stringify(entries);
  const parts = Math.max(1, Math.ceil(json.length / PART_CHARS));
  if (parts > MAX_PARTS) throw new RangeError(`bucket ${rowKey} of ${partitionKey} would hold ${json.length} characters`);
  const row: BucketRow = { partitionKey, rowKey, parts };
  for (let i = 0; i < parts; i++) row[`p${i}`] = json.slice(i * PART_CHARS, (i + 1) * PART_CHARS);
  return row;
}

export class BucketStore<T> {
  constructor(
    private readonly state: StateStore,
    private readonly table: string,
  ) {}

  /** Every record of the partition (a marketplace). */
  async readAll(partition: string): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for await (const row of this.state.query(this.table, { partitionKey: safeKey(partition) })) {
      for (const [k, v] of Object.entries(decodeBucket<T>(row.entity))) out.set(k, v);
    }
    return out;
  }

  /** The records of these keys (one row read per bucket they fall in). */
  async readSome(partition: string, keys: readonly string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    const buckets = new Map<string, string[]>();
    for (const k of keys) {
      const b = bucketOf(k);
      buckets.set(b, [...(buckets.get(b) ?? []), k]);
    }
    for (const [b, ks] of buckets) {
      const row = await this.state.get(this.table, safeKey(partition), b);
      if (!row) continue;
      const entries = decodeBucket<T>(row.entity);
      for (const k of ks) if (entries[k] !== undefined) out.set(k, entries[k]);
    }
    return out;
  }

  /** Sets (a value) or removes (undefined) these records, safe against concurrent writers of the same rows. */
  async write(partition: string, changes: ReadonlyMap<string, T | undefined>): Promise<void> {
    if (!changes.size) return;
    const pk = safeKey(partition);
    const byBucket = new Map<string, [string, T | undefined][]>();
    for (const [k, v] of changes) {
      const b = bucketOf(k);
      byBucket.set(b, [...(byBucket.get(b) ?? []), [k, v]]);
    }
    let pending = [...byBucket.keys()];
    for (let attempt = 1; pending.length; attempt++) {
      const current = new Map<string, Stored | undefined>();
      if (pending.length > 16) {
        // Many buckets: one partition query is cheaper than a read per bucket.
        const wanted = new Set(pending);
        for await (const row of this.state.query(this.table, { partitionKey: pk })) {
          if (wanted.has(row.entity.rowKey)) current.set(row.entity.rowKey, row);
        }
      } else {
        for (const b of pending) current.set(b, await this.state.get(this.table, pk, b));
      }
      const ops: StateOperation[] = [];
      for (const b of pending) {
        const stored = current.get(b);
        const entries = stored ? decodeBucket<T>(stored.entity) : {};
        for (const [k, v] of byBucket.get(b)!) {
          if (v === undefined) delete entries[k];
          else entries[k] = v;
        }
        if (!Object.keys(entries).length) {
          if (stored) ops.push({ kind: "delete", partitionKey: pk, rowKey: b, etag: stored.etag });
        } else if (stored) ops.push({ kind: "replace", entity: encode(pk, b, entries), etag: stored.etag });
        else ops.push({ kind: "insert", entity: encode(pk, b, entries) });
      }
      const failed: string[] = [];
      // One Table transaction per 100 rows: a lost race fails only its own transaction, which is read and merged again.
      for (let i = 0; i < ops.length; i += 100) {
        const chunk = ops.slice(i, i + 100);
        try {
          await this.state.batch(this.table, chunk);
        } catch (err) {
          if (!(err instanceof ConcurrencyError || err instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw err;
          for (const op of chunk) failed.push("entity" in op ? op.entity.rowKey : op.rowKey);
        }
      }
      pending = failed;
    }
  }
}
