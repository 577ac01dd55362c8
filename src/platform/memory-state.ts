/** An in-memory StateStore with the same semantics as the Table adapter (etags, 409/412, batches ≤ 100). */
import { ConcurrencyError, ConflictError, ValidationError } from "./errors";
import type { StateEntity, StateOperation, StateQuery, StateStore, Stored } from "./ports";

export class MemoryStateStore implements StateStore {
  private readonly tables = new Map<string, Map<string, Stored>>();
  private version = 0;

  private table(name: string): Map<string, Stored> {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new Map()));
    return t;
  }
  private key(pk: string, rk: string): string {
    return `${pk}\u0000${rk}`;
  }
  private nextEtag(): string {
    return `W/"${++this.version}"`;
  }
  private copy<T extends StateEntity>(s: Stored): Stored<T> {
    return { entity: { ...s.entity } as T, etag: s.etag };
  }

  async get<T extends StateEntity = StateEntity>(table: string, pk: string, rk: string): Promise<Stored<T> | undefined> {
    const s = this.table(table).get(this.key(pk, rk));
    return s ? this.copy<T>(s) : undefined;
  }
  async insert(table: string, entity: StateEntity): Promise<string> {
    const t = this.table(table);
    const k = this.key(entity.partitionKey, entity.rowKey);
    if (t.has(k)) throw new ConflictError("state.exists", `${table}/${entity.partitionKey}/${entity.rowKey} exists already`);
    const etag = this.nextEtag();
    t.set(k, { entity: { ...entity }, etag });
    return etag;
  }
  async replace(table: string, entity: StateEntity, etag: string): Promise<string> {
    const t = this.table(table);
    const k = this.key(entity.partitionKey, entity.rowKey);
    const current = t.get(k);
    if (!current || current.etag !== etag) {
      throw new ConcurrencyError("state.etagMismatch", `${table}/${entity.partitionKey}/${entity.rowKey} was changed by someone else`);
    }
    const next = this.nextEtag();
    t.set(k, { entity: { ...entity }, etag: next });
    return next;
  }
  async upsert(table: string, entity: StateEntity): Promise<string> {
    const etag = this.nextEtag();
    this.table(table).set(this.key(entity.partitionKey, entity.rowKey), { entity: { ...entity }, etag });
    return etag;
  }
  async delete(table: string, pk: string, rk: string, etag?: string): Promise<void> {
    const t = this.table(table);
    const k = this.key(pk, rk);
    const current = t.get(k);
    if (!current) return;
    if (etag && current.etag !== etag) throw new ConcurrencyError("state.etagMismatch", `${table}/${pk}/${rk} was changed by someone else`);
    t.delete(k);
  }
  async *query<T extends StateEntity = StateEntity>(table: string, q: StateQuery = {}): AsyncIterable<Stored<T>> {
    const rows = [...this.table(table).values()]
      .filter(
        (s) =>
          (q.partitionKey === undefined || s.entity.partitionKey === q.partitionKey) &&
          (!q.rowKeyPrefix || s.entity.rowKey.startsWith(q.rowKeyPrefix)),
      )
      .sort((a, b) => (a.entity.partitionKey + "\u0000" + a.entity.rowKey < b.entity.partitionKey + "\u0000" + b.entity.rowKey ? -1 : 1));
    let n = 0;
    for (const s of rows) {
      if (q.top !== undefined && n++ >= q.top) return;
      yield this.copy<T>(s);
    }
  }
  async batch(table: string, operations: StateOperation[]): Promise<void> {
    const pks = new Set(operations.map((o) => ("entity" in o ? o.entity.partitionKey : o.partitionKey)));
    if (pks.size > 1) throw new ValidationError("state.batchPartitions", "all operations in a batch must target the same partition");
    for (let i = 0; i < operations.length; i += 100) {
      const chunk = operations.slice(i, i + 100);
      const snapshot = new Map(this.table(table));
      try {
        for (const op of chunk) {
          if (op.kind === "insert") await this.insert(table, op.entity);
          else if (op.kind === "upsert") await this.upsert(table, op.entity);
          else if (op.kind === "replace") await this.replace(table, op.entity, op.etag);
          else await this.delete(table, op.partitionKey, op.rowKey, op.etag);
        }
      } catch (err) {
        this.tables.set(table, snapshot); // a transaction fails as a whole
        throw err;
      }
    }
  }
}
