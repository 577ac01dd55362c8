/**
 * The orders flow's D365SalesOrders port on the D365 OData client (src/d365): SalesOrderHeadersV4,
 * SalesOrderLinesV3, SalesOrderHeaderChargesV2 and the address states.
 *
 * Bulk look-ups: D365's `$filter` has no `in`, so a look-up of many orders is `or` groups, each a GET part of
 * ONE `$batch` request. A group holds at most LOOKUP_GROUP values and its URL at most MAX_LOOKUP_URL characters:
 * 2,048 is IIS's default maximum query string, and 20 `eq` terms keep the filter under 100 nodes, the default
 * MaxNodeCount of ASP.NET OData's query validation. Whether F&O applies either limit is not documented; these
 * are the safe side (docs/orders.md, "What to verify in a first sandbox run").
 */
import type { BatchOperation, BatchOperationResult, D365Client } from "../../d365/client";
import { type NewSalesOrderHeader, type NewSalesOrderLine, SalesOrders } from "../../d365/entities";
import { buildQueryString, f } from "../../d365/odata";
import { AppError, InternalError } from "../../platform/errors";
import { Dec } from "../../platform/money";
import type { BulkWrite, CancelResult, D365SalesOrderLineRef, D365SalesOrderRef, D365SalesOrders } from "../../flows/orders/ports";
import type { SalesOrderChargeDraft, SalesOrderHeaderDraft, SalesOrderLineDraft } from "../../flows/orders/transform";

/** Values per look-up part (see the header). */
export const LOOKUP_GROUP = 20;
/** Characters per look-up URL, at most (see the header). */
export const MAX_LOOKUP_URL = 2048;

const HEADER_REF_FIELDS = ["dataAreaId", "SalesOrderNumber", "CustomersOrderReference", "SalesOrderStatus"] as const;
const LINE_REF_FIELDS = ["SalesOrderNumber", "OrderLineReference", "CustomersLineNumber", "ItemNumber", "InventoryLotId"] as const;

/** Processing states in which D365 still lets an order be deleted: nothing picked, delivered or invoiced. */
const OPEN_PROCESSING = new Set(["Active", "Confirmed"]);

function lineBody(line: SalesOrderLineDraft): NewSalesOrderLine {
  const { key, ...rest } = line;
  return { ...rest, OrderLineReference: key };
}

type HeaderRow = { dataAreaId: string; SalesOrderNumber: string; CustomersOrderReference?: string; SalesOrderStatus?: string };
type LineRow = {
  SalesOrderNumber: string;
  OrderLineReference?: string;
  CustomersLineNumber?: number;
  ItemNumber?: string;
  InventoryLotId?: string;
};

const toRef = (row: HeaderRow): D365SalesOrderRef => ({
  dataAreaId: row.dataAreaId,
  SalesOrderNumber: row.SalesOrderNumber,
  CustomersOrderReference: row.CustomersOrderReference,
  SalesOrderStatus: row.SalesOrderStatus,
});

const toLineRef = (l: LineRow): D365SalesOrderLineRef => ({
  OrderLineReference: l.OrderLineReference || undefined,
  CustomersLineNumber: l.CustomersLineNumber || undefined,
  ItemNumber: l.ItemNumber,
  InventoryLotId: l.InventoryLotId,
});

/** A failed part: D365's own error for it, or "not executed" when the $batch stopped before it. */
function failed(r: BatchOperationResult<unknown>): BulkWrite<never> {
  const error = r.error ?? new InternalError("d365.batch", "a $batch part failed without an error body");
  return { ok: false, error, ...(r.notExecuted ? { notExecuted: true } : {}) };
}

export class ODataSalesOrders implements D365SalesOrders {
  private readonly orders: SalesOrders;
  private allStates?: Promise<Map<string, Set<string>>>;

  constructor(private readonly client: D365Client) {
    this.orders = new SalesOrders(client);
  }

  async findByCustomersOrderReference(dataAreaId: string, customersOrderReference: string): Promise<D365SalesOrderRef[]> {
    const rows = await this.orders.findByCustomersOrderReference(customersOrderReference, dataAreaId);
    return rows.map(toRef);
  }

  async createHeader(header: SalesOrderHeaderDraft): Promise<D365SalesOrderRef> {
    return toRef(await this.orders.createHeader({ ...header } as NewSalesOrderHeader));
  }

  async listLines(dataAreaId: string, salesOrderNumber: string): Promise<D365SalesOrderLineRef[]> {
    const lines = await this.orders.listLines(salesOrderNumber, dataAreaId);
    return lines.map(toLineRef);
  }

  async createLines(dataAreaId: string, salesOrderNumber: string, lines: SalesOrderLineDraft[]): Promise<void> {
    await this.orders.createLines(salesOrderNumber, lines.map(lineBody), { company: dataAreaId });
  }

  async listChargeKeys(dataAreaId: string, salesOrderNumber: string): Promise<string[]> {
    const rows = await this.client.collect<{ ChargeDescription?: string }>("SalesOrderHeaderChargesV2", {
      filter: f.and(f.eq("dataAreaId", dataAreaId.toLowerCase()), f.eq("SalesOrderNumber", salesOrderNumber)),
      select: ["ChargeDescription"],
    });
    return rows.map((r) => r.ChargeDescription ?? "");
  }

  /** Header charges (verify field names against the environment's $metadata; not in the local simulator). */
  async createCharges(dataAreaId: string, salesOrderNumber: string, charges: SalesOrderChargeDraft[]): Promise<void> {
    for (const c of charges) {
      await this.client.create("SalesOrderHeaderChargesV2", {
        dataAreaId: dataAreaId.toLowerCase(),
        SalesOrderNumber: salesOrderNumber,
        SalesChargeCode: c.SalesChargeCode,
        ChargeCategory: "Fixed",
        // Edm.Decimal goes as a JSON number: F&O refuses a decimal sent as a string.
        FixedChargeAmount: new Dec(c.ChargeAmount),
        ChargeDescription: c.Description,
      });
    }
  }

  async cancel(dataAreaId: string, salesOrderNumber: string, mode: "delete" | "stop-processing"): Promise<CancelResult> {
    const header = await this.orders.getHeader(salesOrderNumber, dataAreaId);
    if (!header) return { outcome: "canceled" };
    const status = header.SalesOrderStatus;
    const processing = header.SalesOrderProcessingStatus;
    if (status === "Canceled" || processing === "Canceled") return { outcome: "canceled" };
    // A partly delivered order still shows SalesOrderStatus Backorder; its processing status tells.
    if ((status && status !== "Backorder") || (processing && !OPEN_PROCESSING.has(processing))) {
      return { outcome: "not-open", reason: `D365 sales order ${salesOrderNumber} is ${[status, processing].filter(Boolean).join(" / ")}` };
    }
    // D365's OData has no cancel action (and actions added by extensions are not supported): an open order is
    // deleted (with its lines) or stopped.
    try {
      if (mode === "delete")
        await this.client.delete("SalesOrderHeadersV4", { dataAreaId: dataAreaId.toLowerCase(), SalesOrderNumber: salesOrderNumber });
      else await this.orders.updateHeader(salesOrderNumber, { IsSalesProcessingStopped: "Yes" }, { company: dataAreaId });
    } catch (err) {
      // D365 refused (something was picked or delivered after the read above): a person decides.
      if (err instanceof AppError && !err.retryable) return { outcome: "not-open", reason: `D365 refused: ${err.message}` };
      throw err;
    }
    return { outcome: "canceled" };
  }

  /** Every country's states, read once (one query, paged) and kept for the life of the adapter. */
  async addressStates(countryRegionId: string): Promise<ReadonlySet<string>> {
    if (!this.allStates) {
      this.allStates = this.client
        .collect<{ CountryRegionId: string; State: string }>("AddressStates", { select: ["CountryRegionId", "State"] })
        .then((rows) => {
          const byCountry = new Map<string, Set<string>>();
          for (const r of rows) {
            const c = String(r.CountryRegionId).toUpperCase();
            byCountry.set(c, (byCountry.get(c) ?? new Set()).add(String(r.State).toUpperCase()));
          }
          return byCountry;
        });
      // A failed read is not kept: the next order asks again.
      this.allStates.catch(() => (this.allStates = undefined));
    }
    return (await this.allStates).get(countryRegionId.toUpperCase()) ?? new Set();
  }

  // ---------------------------------------------------------------------------------------- bulk

  /** The look-up GETs for `values` of `field` (or-groups within the limits of the header), as $batch parts. */
  private lookups(
    entitySet: string,
    company: string,
    field: string,
    values: readonly string[],
    select: readonly string[],
  ): BatchOperation[] {
    const ops: BatchOperation[] = [];
    const unique = [...new Set(values)];
    let group: string[] = [];
    const opFor = (g: string[]): BatchOperation => ({
      method: "GET",
      entitySet,
      query: { filter: f.and(f.eq("dataAreaId", company), f.anyOf(field, g)), select },
    });
    const length = (g: string[]) => `${this.client.baseUrl}/data/${entitySet}?${buildQueryString(opFor(g).query!)}`.length;
    for (const v of unique) {
      const next = [...group, v];
      if (group.length && (next.length > LOOKUP_GROUP || length(next) > MAX_LOOKUP_URL)) {
        ops.push(opFor(group));
        group = [v];
      } else group = next;
    }
    if (group.length) ops.push(opFor(group));
    return ops;
  }

  /** Runs look-up GETs in one $batch; every row of every part (a part that pages on is read to its end). */
  private async lookUp<T>(ops: BatchOperation[]): Promise<T[]> {
    if (!ops.length) return [];
    const results = await this.client.batch<{ value?: T[]; "@odata.nextLink"?: string }>(ops);
    const rows: T[] = [];
    for (const [i, r] of results.entries()) {
      if (!r.ok) throw r.error ?? new InternalError("d365.batch", "a look-up part failed without an error body");
      // D365 pages at 10,000 rows; a look-up of 20 orders does not, but if it did, that part is read page by page.
      if (r.body?.["@odata.nextLink"]) rows.push(...(await this.client.collect<T>(ops[i]!.entitySet, ops[i]!.query ?? {})));
      else rows.push(...(r.body?.value ?? []));
    }
    return rows;
  }

  async findByCustomersOrderReferences(dataAreaId: string, references: readonly string[]): Promise<Map<string, D365SalesOrderRef[]>> {
    const company = dataAreaId.toLowerCase();
    const rows = await this.lookUp<HeaderRow>(
      this.lookups("SalesOrderHeadersV4", company, "CustomersOrderReference", references, HEADER_REF_FIELDS),
    );
    const out = new Map<string, D365SalesOrderRef[]>();
    for (const row of rows) {
      const ref = row.CustomersOrderReference ?? "";
      out.set(ref, [...(out.get(ref) ?? []), toRef(row)]);
    }
    return out;
  }

  async listLinesOfOrders(dataAreaId: string, salesOrderNumbers: readonly string[]): Promise<Map<string, D365SalesOrderLineRef[]>> {
    const company = dataAreaId.toLowerCase();
    const rows = await this.lookUp<LineRow>(
      this.lookups("SalesOrderLinesV3", company, "SalesOrderNumber", salesOrderNumbers, LINE_REF_FIELDS),
    );
    const out = new Map<string, D365SalesOrderLineRef[]>(salesOrderNumbers.map((n) => [n, []]));
    for (const l of rows) out.set(l.SalesOrderNumber, [...(out.get(l.SalesOrderNumber) ?? []), toLineRef(l)]);
    return out;
  }

  async createHeaders(headers: readonly SalesOrderHeaderDraft[]): Promise<BulkWrite<D365SalesOrderRef>[]> {
    if (!headers.length) return [];
    const ops: BatchOperation[] = headers.map((h) => ({
      method: "POST",
      entitySet: "SalesOrderHeadersV4",
      body: { ...h, dataAreaId: h.dataAreaId.toLowerCase() },
    }));
    // One change set per header: a refused header undoes only itself; D365 stops at it and runs nothing after.
    const results = await this.client.batch<HeaderRow>(ops, { changesetSize: 1 });
    return results.map((r) => (r.ok && r.body ? { ok: true, value: toRef(r.body) } : failed(r)));
  }

  async createLinesOfOrders(
    orders: readonly { dataAreaId: string; salesOrderNumber: string; lines: readonly SalesOrderLineDraft[] }[],
  ): Promise<BulkWrite<void>[]> {
    const units = orders.filter((o) => o.lines.length);
    if (!units.length) return orders.map(() => ({ ok: true, value: undefined }));
    const ops: BatchOperation[] = units.flatMap((o) =>
      o.lines.map(
        (l): BatchOperation => ({
          method: "POST",
          entitySet: "SalesOrderLinesV3",
          body: this.orders.lineBodyFor(o.salesOrderNumber, lineBody(l), o.dataAreaId),
        }),
      ),
    );
    // One change set per order: its lines are created together or not at all.
    const results = await this.client.batch(ops, { changesets: units.map((o) => o.lines.length) });
    const perUnit = new Map<(typeof units)[number], BulkWrite<void>>();
    let at = 0;
    for (const u of units) {
      const mine = results.slice(at, at + u.lines.length);
      at += u.lines.length;
      const bad = mine.find((r) => !r.ok && !r.rolledBack && !r.notExecuted) ?? mine.find((r) => !r.ok);
      perUnit.set(u, bad ? failed(bad) : { ok: true, value: undefined });
    }
    return orders.map((o) => perUnit.get(o) ?? { ok: true, value: undefined });
  }
}
