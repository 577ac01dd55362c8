/**
 * StateStore on Azure Table Storage (@azure/data-tables); Azurite locally.
 *
 * - Connection: STORAGE_CONNECTION_STRING (Azurite, or an account key where shared keys are allowed), else
 *   STORAGE_ACCOUNT_NAME with the app's Entra identity (Storage Table Data Contributor), else the Azurite
 *   default on 127.0.0.1:10002.
 * - Table names: STATE_TABLE_PREFIX + the logical name with "-" and "_" removed ("order-ledger" ->
 *   "amzorderledger"); tables are created on first use.
 * - Optimistic concurrency: insert -> 409 ConflictError when the row exists; replace/delete with an etag ->
 *   412 ConcurrencyError when someone else changed it (use `withEtagRetry`).
 * - Property values: string, boolean, Date (round-trips as Date), number (integers in Int32 range as Int32,
 *   everything else as Double), null/undefined are not stored. "etag", "timestamp" and "odata.*" are reserved.
 */
import { TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from "@azure/data-tables";
import type { TokenCredential } from "@azure/identity";
import { AppError, NotFoundError, ValidationError } from "../errors";
import type { StateEntity, StateOperation, StateQuery, StateStore, StateValue, Stored } from "../ports";
import { mapRestError, statusOf } from "./rest-errors";

export type StorageTarget = { connectionString: string } | { accountName: string; credential: TokenCredential; endpoint?: string };

export interface TableStateStoreOptions {
  target: StorageTarget;
  /** Prepended to every table name (letters and digits). */
  prefix: string;
}

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
/** Table Storage accepts at most 100 operations in one entity group transaction (one partition). */
export const MAX_TRANSACTION_OPERATIONS = 100;

export function physicalTableName(prefix: string, table: string): string {
  const name = `${prefix}${table.replace(/[-_]/g, "")}`;
  if (!TABLE_NAME.test(name)) {
    throw new ValidationError(
      "state.tableName",
      `"${name}" is not a valid table name (letters and digits, 3-63 characters, starting with a letter): ` +
        `check STATE_TABLE_PREFIX and the table name "${table}"`,
      { where: "STATE_TABLE_PREFIX" },
    );
  }
  return name;
}

function toTableEntity(entity: StateEntity): TableEntity {
  const out: Record<string, unknown> = { partitionKey: entity.partitionKey, rowKey: entity.rowKey };
  for (const [k, v] of Object.entries(entity)) {
    if (k === "partitionKey" || k === "rowKey" || v === undefined || v === null) continue;
    if (k === "etag" || k === "timestamp" || k.startsWith("odata")) {
      throw new ValidationError("state.reservedProperty", `property "${k}" is reserved by Table Storage`, { where: k });
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new ValidationError("state.invalidNumber", `property "${k}" is not a finite number`, { where: k });
      // Without a type the service guesses Int32 for integers and rejects larger ones: say Double explicitly.
      out[k] = Number.isInteger(v) && v >= INT32_MIN && v <= INT32_MAX ? v : { value: v, type: "Double" };
    } else {
      out[k] = v;
    }
  }
  return out as TableEntity;
}

function fromTableEntity<T extends StateEntity>(raw: TableEntityResult<Record<string, unknown>>): Stored<T> {
  const entity: Record<string, StateValue> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === "etag" || k === "timestamp" || k.startsWith("odata")) continue;
    if (typeof v === "bigint") entity[k] = Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    else if (v instanceof Uint8Array) entity[k] = Buffer.from(v).toString("base64");
    else entity[k] = v as StateValue;
  }
  return { entity: entity as T, etag: raw.etag };
}

/** The smallest string greater than every string that starts with `prefix` (for `ge`/`lt` range filters). */
export function prefixUpperBound(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  if (last === 0xffff) return prefix + "\uffff";
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

/** Azurite speaks plain http; the SDK refuses that unless told (shared keys over http are only sane on loopback). */
export function isLoopbackConnectionString(cs: string): boolean {
  return /UseDevelopmentStorage=true/i.test(cs) || /Endpoint=http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(cs);
}

/** OData string literal: quotes doubled (the Tables query language has no other escapes). */
function lit(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function buildFilter(q: StateQuery): string | undefined {
  const parts: string[] = [];
  if (q.partitionKey !== undefined) parts.push(`PartitionKey eq ${lit(q.partitionKey)}`);
  if (q.rowKeyPrefix) parts.push(`RowKey ge ${lit(q.rowKeyPrefix)}`, `RowKey lt ${lit(prefixUpperBound(q.rowKeyPrefix))}`);
  return parts.length ? parts.join(" and ") : undefined;
}

export class TableStateStore implements StateStore {
  private readonly clients = new Map<string, TableClient>();
  private readonly created = new Map<string, Promise<void>>();

  constructor(private readonly options: TableStateStoreOptions) {}

  private client(table: string): TableClient {
    const name = physicalTableName(this.options.prefix, table);
    let c = this.clients.get(name);
    if (!c) {
      const t = this.options.target;
      c =
        "connectionString" in t
          ? TableClient.fromConnectionString(t.connectionString, name, {
              allowInsecureConnection: isLoopbackConnectionString(t.connectionString),
            })
          : new TableClient(t.endpoint ?? `https://${t.accountName}.table.core.windows.net`, name, t.credential);
      this.clients.set(name, c);
    }
    return c;
  }

  /** The table's client, after making sure the table exists (once per process and table). */
  private async ready(table: string): Promise<TableClient> {
    const c = this.client(table);
    let p = this.created.get(c.tableName);
    if (!p) {
      // createTable() does not fail when the table exists already.
      p = c.createTable().then(
        () => undefined,
        (err: unknown) => {
          this.created.delete(c.tableName);
          throw mapRestError(err, "state", `table ${c.tableName}`);
        },
      );
      this.created.set(c.tableName, p);
    }
    await p;
    return c;
  }

  private where(table: string, pk?: string, rk?: string): string {
    return `table ${table}${pk === undefined ? "" : `/${pk}`}${rk === undefined ? "" : `/${rk}`}`;
  }

  async get<T extends StateEntity = StateEntity>(table: string, partitionKey: string, rowKey: string): Promise<Stored<T> | undefined> {
    const c = await this.ready(table);
    try {
      const raw = await c.getEntity<Record<string, unknown>>(partitionKey, rowKey);
      return fromTableEntity<T>(raw);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw mapRestError(err, "state", this.where(table, partitionKey, rowKey));
    }
  }

  async insert(table: string, entity: StateEntity): Promise<string> {
    const c = await this.ready(table);
    try {
      const res = await c.createEntity(toTableEntity(entity));
      return res.etag!;
    } catch (err) {
      throw mapRestError(err, "state", this.where(table, entity.partitionKey, entity.rowKey));
    }
  }

  async replace(table: string, entity: StateEntity, etag: string): Promise<string> {
    const c = await this.ready(table);
    try {
      const res = await c.updateEntity(toTableEntity(entity), "Replace", { etag });
      return res.etag!;
    } catch (err) {
      const mapped = mapRestError(err, "state", this.where(table, entity.partitionKey, entity.rowKey));
      // The row was deleted meanwhile: for the caller this is the same lost race as a changed etag.
      if (mapped instanceof NotFoundError)
        throw mapRestError({ statusCode: 412 }, "state", this.where(table, entity.partitionKey, entity.rowKey));
      throw mapped;
    }
  }

  async upsert(table: string, entity: StateEntity): Promise<string> {
    const c = await this.ready(table);
    try {
      const res = await c.upsertEntity(toTableEntity(entity), "Replace");
      return res.etag!;
    } catch (err) {
      throw mapRestError(err, "state", this.where(table, entity.partitionKey, entity.rowKey));
    }
  }

  async delete(table: string, partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    const c = await this.ready(table);
    try {
      await c.deleteEntity(partitionKey, rowKey, etag ? { etag } : undefined);
    } catch (err) {
      if (statusOf(err) === 404) return;
      throw mapRestError(err, "state", this.where(table, partitionKey, rowKey));
    }
  }

  async *query<T extends StateEntity = StateEntity>(table: string, q: StateQuery = {}): AsyncIterable<Stored<T>> {
    const c = await this.ready(table);
    const filter = buildFilter(q);
    let n = 0;
    try {
      const pageSize = q.top !== undefined ? Math.min(Math.max(q.top, 1), 1000) : 1000;
      for await (const page of c
        .listEntities<Record<string, unknown>>({ queryOptions: filter ? { filter } : {} })
        .byPage({ maxPageSize: pageSize })) {
        for (const raw of page) {
          if (q.top !== undefined && n >= q.top) return;
          n++;
          yield fromTableEntity<T>(raw);
        }
        if (q.top !== undefined && n >= q.top) return;
      }
    } catch (err) {
      throw mapRestError(err, "state", this.where(table, q.partitionKey));
    }
  }

  /**
   * Groups the operations by partition (order kept within a partition) and submits each group in
   * transactions of at most 100 operations. Each transaction is atomic; a batch of more than 100
   * operations is therefore atomic per chunk, not as a whole. A row may appear only once per chunk.
   */
  async batch(table: string, operations: StateOperation[]): Promise<void> {
    if (operations.length === 0) return;
    const c = await this.ready(table);
    const byPartition = new Map<string, StateOperation[]>();
    for (const op of operations) {
      const pk = "entity" in op ? op.entity.partitionKey : op.partitionKey;
      let list = byPartition.get(pk);
      if (!list) byPartition.set(pk, (list = []));
      list.push(op);
    }
    for (const [pk, ops] of byPartition) {
      for (let i = 0; i < ops.length; i += MAX_TRANSACTION_OPERATIONS) {
        await this.submit(c, table, pk, ops.slice(i, i + MAX_TRANSACTION_OPERATIONS));
      }
    }
  }

  private async submit(c: TableClient, table: string, pk: string, ops: StateOperation[]): Promise<void> {
    const actions: TransactionAction[] = ops.map((op): TransactionAction => {
      switch (op.kind) {
        case "insert":
          return ["create", toTableEntity(op.entity)];
        case "upsert":
          return ["upsert", toTableEntity(op.entity), "Replace"];
        case "replace":
          return ["update", toTableEntity(op.entity), "Replace", { etag: op.etag }];
        case "delete":
          // The type says TableEntity, but data-tables reads only the keys (and the etag) for a delete.
          return ["delete", { partitionKey: op.partitionKey, rowKey: op.rowKey, ...(op.etag ? { etag: op.etag } : {}) } as TableEntity];
      }
    });
    try {
      await c.submitTransaction(actions);
    } catch (err) {
      const mapped = err instanceof AppError ? err : mapRestError(err, "state", this.where(table, pk));
      // Deleting a missing row is not an error for this port, but it fails a whole transaction in Table
      // Storage: drop deletes of rows that are gone and submit the rest once more.
      if (mapped instanceof NotFoundError && ops.some((o) => o.kind === "delete")) {
        const kept: StateOperation[] = [];
        for (const op of ops) {
          if (op.kind === "delete" && !(await this.get(table, op.partitionKey, op.rowKey))) continue;
          kept.push(op);
        }
        if (kept.length < ops.length) {
          if (kept.length) await this.submit(c, table, pk, kept);
          return;
        }
      }
      if (mapped instanceof NotFoundError && ops.some((o) => o.kind === "replace")) {
        // A replace of a row that disappeared is a lost race, as in replace().
        throw mapRestError({ statusCode: 412 }, "state", this.where(table, pk));
      }
      throw mapped;
    }
  }
}
