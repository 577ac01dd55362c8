/**
 * The simulator's data: one table per entity set (sets over the same F&O table share one), D365 number
 * sequences, and the validation D365 applies on insert and update. Every row written — through OData, DMF or
 * a seed — is checked against the schema (metadata/). Writes inside a changeset are undone together when one
 * of them fails.
 */
import { Dec } from "../../platform/money";
import { duplicateKey, mustBeFilled, notFoundInRelated, odataError, SimError, writeFailed } from "./errors";
import { ENTITY_BY_SET, type EntityDef, storedRowDef } from "./schema";
import { checkRow, defaultValue, readBody } from "./values";

export type Row = Record<string, unknown>;
const RV = Symbol("recVersion");
type Stored = Row & { [RV]?: number };

const CURRENCIES = new Set(["USD", "GBP", "EUR", "CAD", "MXN", "JPY", "AUD", "CHF", "SEK", "PLN"]);

export function entity(set: string): EntityDef {
  const def = ENTITY_BY_SET.get(set);
  if (!def) throw odataError(404, `No HTTP resource was found that matches the request URI for the segment '${set}'.`);
  return def;
}

function dec(v: unknown): Dec {
  if (v === undefined || v === null || v === "") return new Dec(0);
  return new Dec(String(v));
}

function num(d: Dec): number {
  return Number(d.toFixed());
}

export class SimStore {
  private tables = new Map<string, Map<string, Stored>>();
  private sequences = new Map<string, number>();
  private version = 0;
  private undo: (() => void)[] | undefined;

  constructor(
    readonly defaultCompany: string,
    private readonly now: () => Date,
  ) {}

  clear(): void {
    this.tables = new Map();
    this.sequences = new Map();
  }

  /** The rows of a set's table (a set that shares a table, such as SalesOrderHeadersV2, sees the shared rows). */
  table(set: string): Map<string, Stored> {
    const name = ENTITY_BY_SET.get(set)?.table ?? set;
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new Map()));
    return t;
  }

  keyString(def: EntityDef, values: Row): string {
    return def.keys
      .map((k) => {
        const v = values[k];
        if (typeof v === "string") return k === "StartDate" ? String(Date.parse(v)) : v.toLowerCase();
        return String(v ?? "");
      })
      .join("\u0001");
  }

  etag(row: Stored): string {
    return `W/"${Buffer.from(`0,${row[RV] ?? 0}`).toString("base64")}"`;
  }

  nextNumber(company: string, name: string, format: (n: number) => string, start: number): string {
    const key = `${company}|${name}`;
    const n = (this.sequences.get(key) ?? start - 1) + 1;
    this.sequences.set(key, n);
    return format(n);
  }

  /** Runs `fn` atomically: when it throws, every write it made is undone. */
  transaction<T>(fn: () => T): T {
    const outer = this.undo;
    const log: (() => void)[] = [];
    this.undo = log;
    try {
      const result = fn();
      if (outer) outer.push(...log);
      return result;
    } catch (err) {
      for (const step of log.reverse()) step();
      throw err;
    } finally {
      this.undo = outer;
      if (!outer) this.runCommitted();
    }
  }

  private committed: (() => void)[] = [];

  /**
   * Runs `fn` once the outermost transaction commits (at once outside a transaction); a rollback drops it.
   * F&O sends business events this way: tied to the commit, never for a rolled-back write.
   */
  afterCommit(fn: () => void): void {
    if (!this.undo) return fn();
    const list = this.committed;
    list.push(fn);
    this.undo.push(() => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    });
  }

  private runCommitted(): void {
    const due = this.committed;
    this.committed = [];
    for (const fn of due) fn();
  }

  rows(set: string): Stored[] {
    return [...this.table(set).values()];
  }

  find(set: string, key: Row): Stored | undefined {
    const def = entity(set);
    return this.table(set).get(this.keyString(def, key));
  }

  /**
   * Inserts without business validation (seeding, on-hand); the row must still fit the schema: `what` names
   * the writer in the error ("seed" makes a bad seed fail at start with the set and the field).
   */
  put(set: string, row: Row, what = "row"): Stored {
    const def = entity(set);
    for (const k of def.optionalKeys ?? []) if (row[k] === undefined) row = { ...row, [k]: "" };
    checkRow(storedRowDef(def), row, what);
    const t = this.table(set);
    const k = this.keyString(def, row);
    if (t.has(k)) throw duplicateKey(def, describeKey(def, row));
    const stored: Stored = { ...row, [RV]: ++this.version };
    t.set(k, stored);
    this.undo?.push(() => t.delete(k));
    return stored;
  }

  /**
   * A change F&O itself makes (posting, status updates, on-hand): no business rules, but the row must still
   * fit the schema. Returns the new row.
   */
  system(set: string, key: Row, changes: Row): Stored {
    const def = entity(set);
    const k = this.keyString(def, key);
    const current = this.table(set).get(k);
    if (!current) throw odataError(404, `No ${set} record with ${describeKey(def, key)}.`);
    const next: Stored = { ...current, ...changes, [RV]: ++this.version };
    checkRow(storedRowDef(def), next, "system write");
    this.replace(set, k, next);
    return next;
  }

  /** OnHandQuantity of an item in a warehouse (0 when there is no on-hand row). */
  onHand(company: string, itemNumber: string, warehouseId: string): Dec {
    const row = this.rows("WarehousesOnHandV2").find(
      (r) =>
        r.dataAreaId === company &&
        String(r.ItemNumber).toLowerCase() === itemNumber.toLowerCase() &&
        String(r.InventoryWarehouseId).toLowerCase() === warehouseId.toLowerCase(),
    );
    return dec(row?.OnHandQuantity);
  }

  private replace(set: string, k: string, next: Stored): void {
    const t = this.table(set);
    const prev = t.get(k);
    t.set(k, next);
    this.undo?.push(() => (prev ? t.set(k, prev) : t.delete(k)));
  }

  private remove(set: string, k: string): void {
    const t = this.table(set);
    const prev = t.get(k);
    if (!prev) return;
    t.delete(k);
    this.undo?.push(() => t.set(k, prev));
  }

  // ---------------------------------------------------------------- writes through the OData surface

  create(set: string, body: Row): Stored {
    const def = entity(set);
    if (def.readOnly) throw odataError(405, `The entity set '${set}' is read-only; create is not supported.`);
    const row = this.cleanBody(def, body, "create");
    if (def.company) row.dataAreaId = String(row.dataAreaId ?? this.defaultCompany).toLowerCase();
    this.checkCompany(def, row);
    for (const k of def.optionalKeys ?? []) row[k] ??= "";
    const prepared = this.prepareCreate(def, row);
    for (const k of def.keys) {
      if (prepared[k] === undefined || (prepared[k] === "" && !def.optionalKeys?.includes(k))) throw mustBeFilled(def, k);
    }
    return this.put(set, prepared);
  }

  update(set: string, key: Row, patch: Row, ifMatch?: string): void {
    const def = entity(set);
    if (def.readOnly) throw odataError(405, `The entity set '${set}' is read-only; update is not supported.`);
    const t = this.table(set);
    const k = this.keyString(def, key);
    const current = t.get(k);
    if (!current) throw odataError(404, "No resources were found when selecting for update.");
    if (ifMatch && ifMatch !== "*" && ifMatch !== this.etag(current)) {
      throw odataError(412, "The record has been updated by another user since it was read (ETag mismatch).");
    }
    const clean = this.cleanBody(def, patch, "update");
    for (const kf of def.keys) {
      if (kf in clean && String(clean[kf]).toLowerCase() !== String(current[kf]).toLowerCase()) {
        throw writeFailed(def, `Error: The key field '${kf}' cannot be changed.`);
      }
    }
    this.checkUpdate(def, current, clean);
    const next: Stored = { ...current, ...clean, [RV]: ++this.version };
    this.replace(set, k, next);
  }

  delete(set: string, key: Row): void {
    const def = entity(set);
    if (def.readOnly) throw odataError(405, `The entity set '${set}' is read-only; delete is not supported.`);
    const k = this.keyString(def, key);
    const current = this.table(set).get(k);
    if (!current) throw odataError(404, "No resources were found when selecting for delete.");
    this.checkDelete(def, current);
    this.remove(set, k);
  }

  /**
   * D365's own posting (OData cannot post a journal; the "Post journals" batch job does). Every voucher
   * (Voucher + TransDate) must balance. A journal name with VoucherAllocationAtPosting = Yes treats the
   * vouchers on the lines as temporary: each group of lines with the same one gets the next number of the
   * journal name's voucher series, in line order. Used by tests and the control API.
   */
  postJournal(company: string, journalBatchNumber: string): void {
    const c = company.toLowerCase();
    const def = entity("LedgerJournalHeaders");
    const key = { dataAreaId: c, JournalBatchNumber: journalBatchNumber };
    const header = this.find("LedgerJournalHeaders", key);
    if (!header) throw odataError(404, `Journal ${journalBatchNumber} does not exist.`);
    if (header.IsPosted === "Yes") throw writeFailed(def, `Error: Journal ${journalBatchNumber} has already been posted.`);
    const lines = this.journalLines(c, journalBatchNumber);
    // Assumed: posting a journal without lines posts nothing and leaves it unposted.
    if (lines.length === 0) throw writeFailed(def, `Error: Journal ${journalBatchNumber} has no lines to post.`);
    for (const date of new Set(lines.map((l) => String(l.TransDate).slice(0, 10)))) {
      const closed = this.periodNotOpen(c, date);
      if (closed) throw writeFailed(def, `Error: ${closed}`);
    }
    const vouchers = new Map<string, { debit: Dec; credit: Dec; voucher: string; date: string }>();
    for (const l of lines) {
      const date = String(l.TransDate).slice(0, 10);
      const k = `${String(l.Voucher)}|${date}`;
      const v = vouchers.get(k) ?? { debit: new Dec(0), credit: new Dec(0), voucher: String(l.Voucher), date };
      v.debit = v.debit.plus(dec(l.DebitAmount));
      v.credit = v.credit.plus(dec(l.CreditAmount));
      vouchers.set(k, v);
    }
    for (const v of vouchers.values()) {
      if (!v.debit.eq(v.credit)) {
        throw writeFailed(
          def,
          `Error: The transactions on voucher ${v.voucher} do not balance as per ${v.date}. (accounting currency: ${v.debit.toFixed(2)} - ${v.credit.toFixed(2)})`,
        );
      }
    }
    const journalName = this.find("JournalNames", { dataAreaId: c, Name: header.JournalName });
    if (journalName?.VoucherAllocationAtPosting === "Yes") {
      const lineDef = entity("LedgerJournalLines");
      const renumbered = new Map<string, string>();
      for (const l of lines) {
        const k = `${String(l.Voucher)}|${String(l.TransDate).slice(0, 10)}`;
        let v = renumbered.get(k);
        if (!v) renumbered.set(k, (v = this.nextVoucher(lineDef, c, journalName)));
        this.replace("LedgerJournalLines", this.keyString(lineDef, l), { ...l, Voucher: v, [RV]: ++this.version });
      }
    }
    this.replace("LedgerJournalHeaders", this.keyString(def, key), { ...header, IsPosted: "Yes", [RV]: ++this.version });
  }

  /**
   * Why a date cannot be posted in the company's ledger (its period is closed or on hold), or undefined. Without
   * any seeded ledger periods every date is open. The text is the simulator's (F&O's wording to be checked).
   */
  periodNotOpen(company: string, date: string): string | undefined {
    const ledger = company.toUpperCase();
    const statuses = this.rows("LedgerFiscalPeriodsV2").filter((p) => p.LedgerName === ledger);
    if (statuses.length === 0) return undefined;
    const day = date.slice(0, 10);
    const calendars = new Set(statuses.map((p) => String(p.Calendar)));
    const period = this.rows("FiscalPeriods").find(
      (p) => calendars.has(String(p.Calendar)) && String(p.StartDate).slice(0, 10) <= day && day <= String(p.EndDate).slice(0, 10),
    );
    if (!period) return `The accounting date ${day} is not in a period of the fiscal calendar of ledger ${ledger}.`;
    const status = statuses.find(
      (p) => p.Calendar === period.Calendar && p.YearName === period.FiscalYear && p.PeriodName === period.PeriodName,
    )?.PeriodStatus;
    if (status === "Open") return undefined;
    return `The accounting date ${day} is in period ${String(period.PeriodName)} ${String(period.FiscalYear)}, which is ${status === "OnHold" ? "on hold" : "closed"} for ledger ${ledger}.`;
  }

  private journalLines(company: string, journalBatchNumber: string): Stored[] {
    return this.rows("LedgerJournalLines")
      .filter((l) => l.dataAreaId === company && String(l.JournalBatchNumber).toLowerCase() === journalBatchNumber.toLowerCase())
      .sort((a, b) => Number(a.LineNumber) - Number(b.LineNumber));
  }

  /** The next number of a journal name's voucher series (VoucherSeriesCode is the number sequence code). */
  private nextVoucher(def: EntityDef, company: string, journalName: Stored): string {
    const series = String(journalName.VoucherSeriesCode ?? "");
    if (!series) throw writeFailed(def, `Error: Journal name ${String(journalName.Name)} has no voucher series (number sequence).`);
    return this.nextNumber(company, `Voucher|${series}`, (n) => `${series}${String(n).padStart(6, "0")}`, 1);
  }

  journalTotals(company: string, journalBatchNumber: string): { debit: Dec; credit: Dec; lines: number } {
    let debit = new Dec(0);
    let credit = new Dec(0);
    let lines = 0;
    for (const l of this.rows("LedgerJournalLines")) {
      if (l.dataAreaId === company && String(l.JournalBatchNumber).toLowerCase() === journalBatchNumber.toLowerCase()) {
        debit = debit.plus(dec(l.DebitAmount));
        credit = credit.plus(dec(l.CreditAmount));
        lines++;
      }
    }
    return { debit, credit, lines };
  }

  /** Copies of rows with computed fields filled (totals, default values of typed properties). */
  present(def: EntityDef, rows: Stored[]): Row[] {
    let journalTotals: Map<string, { d: Dec; c: Dec }> | undefined;
    let orderTotals: Map<string, Dec> | undefined;
    if (def.table === "LedgerJournalHeaders") {
      journalTotals = new Map();
      for (const l of this.rows("LedgerJournalLines")) {
        const k = `${String(l.dataAreaId)}|${String(l.JournalBatchNumber).toLowerCase()}`;
        const t = journalTotals.get(k) ?? { d: new Dec(0), c: new Dec(0) };
        t.d = t.d.plus(dec(l.DebitAmount));
        t.c = t.c.plus(dec(l.CreditAmount));
        journalTotals.set(k, t);
      }
    }
    if (def.table === "SalesOrderHeadersV4") {
      orderTotals = new Map();
      for (const l of this.rows("SalesOrderLinesV3")) {
        const k = `${String(l.dataAreaId)}|${String(l.SalesOrderNumber).toLowerCase()}`;
        orderTotals.set(k, (orderTotals.get(k) ?? new Dec(0)).plus(dec(l.LineAmount)));
      }
    }
    const defaults: Row = {};
    for (const p of def.properties.values()) defaults[p.name] = defaultValue(p);
    return rows.map((r) => {
      // F&O answers every property of the set's type, unset ones with their empty value.
      const out: Row = { "@odata.etag": this.etag(r), ...defaults };
      for (const [k, v] of Object.entries(r)) if (k in defaults) out[k] = v;
      if (journalTotals) {
        const t = journalTotals.get(`${String(r.dataAreaId)}|${String(r.JournalBatchNumber).toLowerCase()}`);
        out.JournalTotalDebit = t ? num(t.d) : 0;
        out.JournalTotalCredit = t ? num(t.c) : 0;
      }
      if (orderTotals)
        out.OrderTotalAmount = num(orderTotals.get(`${String(r.dataAreaId)}|${String(r.SalesOrderNumber).toLowerCase()}`) ?? new Dec(0));
      return out;
    });
  }

  // ---------------------------------------------------------------- validation

  /** Reads a request body as F&O does (values.ts readBody). */
  cleanBody(def: EntityDef, body: Row, mode: "create" | "update"): Row {
    return readBody(def, body, mode);
  }

  private checkCompany(def: EntityDef, row: Row): void {
    if (!def.company) return;
    const company = String(row.dataAreaId);
    const known = this.rows("OperationalSites").some((s) => s.dataAreaId === company);
    if (!known) throw writeFailed(def, `Error: Company '${company}' does not exist.`);
  }

  private exists(set: string, key: Row): Stored | undefined {
    return this.find(set, key);
  }

  private warehouse(company: string, id: unknown): Stored | undefined {
    return this.exists("Warehouses", { dataAreaId: company, WarehouseId: id });
  }

  private customer(def: EntityDef, company: string, account: unknown, label: string): Stored {
    const c = this.exists("CustomersV3", { dataAreaId: company, CustomerAccount: account });
    if (!c) throw notFoundInRelated(def, account, label, "Customers");
    if (c.OnHoldStatus === "All") throw writeFailed(def, `Warning: Customer ${String(account)} is stopped for All.`);
    return c;
  }

  private item(def: EntityDef, company: string, itemNumber: unknown): Stored {
    if (itemNumber === undefined || itemNumber === "") throw mustBeFilled(def, "Item number");
    const p = this.exists("ReleasedProductsV2", { dataAreaId: company, ItemNumber: itemNumber });
    if (!p) throw notFoundInRelated(def, itemNumber, "Item number", "Released products");
    return p;
  }

  private currency(def: EntityDef, code: unknown): void {
    if (!CURRENCIES.has(String(code).toUpperCase())) throw notFoundInRelated(def, code, "Currency", "Currencies");
  }

  private companyCurrency(company: string): string {
    return company === "demf" ? "EUR" : company === "gbsi" ? "GBP" : "USD";
  }

  private prepareCreate(def: EntityDef, row: Row): Row {
    const company = String(row.dataAreaId ?? "");
    const today = this.now().toISOString();
    // Sets over the same table (SalesOrderHeadersV2 and V4) follow the same rules.
    switch (def.table) {
      case "CustomersV3": {
        row.CustomerAccount ??= this.nextNumber(company, "CustAccount", (n) => `US-${String(n).padStart(3, "0")}`, 100);
        if (!row.CustomerGroupId) throw mustBeFilled(def, "Customer group");
        if (!this.exists("CustomerGroups", { dataAreaId: company, CustomerGroupId: row.CustomerGroupId })) {
          throw notFoundInRelated(def, row.CustomerGroupId, "Customer group", "Customer groups");
        }
        row.SalesCurrencyCode ??= this.companyCurrency(company);
        this.currency(def, row.SalesCurrencyCode);
        row.PartyType ??= "Organization";
        row.OnHoldStatus ??= "No";
        if (row.PartyType === "Organization" && !row.OrganizationName) throw mustBeFilled(def, "Name");
        return row;
      }
      case "SalesOrderHeadersV4": {
        if (!row.OrderingCustomerAccountNumber) throw mustBeFilled(def, "Customer account");
        const cust = this.customer(def, company, row.OrderingCustomerAccountNumber, "Customer account");
        row.InvoiceCustomerAccountNumber ??= cust.InvoiceAccount || cust.CustomerAccount;
        this.customer(def, company, row.InvoiceCustomerAccountNumber, "Invoice account");
        row.CurrencyCode ??= cust.SalesCurrencyCode;
        this.currency(def, row.CurrencyCode);
        if (row.DefaultShippingWarehouseId) {
          const wh = this.warehouse(company, row.DefaultShippingWarehouseId);
          if (!wh) throw notFoundInRelated(def, row.DefaultShippingWarehouseId, "Warehouse", "Warehouses");
          if (row.DefaultShippingSiteId && String(row.DefaultShippingSiteId).toLowerCase() !== String(wh.OperationalSiteId).toLowerCase()) {
            throw writeFailed(
              def,
              `Error: Warehouse ${String(row.DefaultShippingWarehouseId)} is not connected to site ${String(row.DefaultShippingSiteId)}.`,
            );
          }
          row.DefaultShippingSiteId ??= wh.OperationalSiteId;
        } else if (
          row.DefaultShippingSiteId &&
          !this.exists("OperationalSites", { dataAreaId: company, SiteId: row.DefaultShippingSiteId })
        ) {
          throw notFoundInRelated(def, row.DefaultShippingSiteId, "Site", "Sites");
        }
        if (
          row.SalesOrderOriginCode &&
          !this.exists("SalesOrderOriginCodes", { dataAreaId: company, OriginCode: row.SalesOrderOriginCode })
        ) {
          throw notFoundInRelated(def, row.SalesOrderOriginCode, "Origin", "Origin");
        }
        if (row.IsDeliveryAddressOrderSpecific === "Yes" && !row.DeliveryAddressCountryRegionId) {
          throw mustBeFilled(def, "Country/region");
        }
        // F&O checks the state against the country's address states (LogisticsAddressState).
        if (
          row.DeliveryAddressStateId &&
          !this.exists("AddressStates", { CountryRegionId: row.DeliveryAddressCountryRegionId ?? "", State: row.DeliveryAddressStateId })
        ) {
          throw notFoundInRelated(def, row.DeliveryAddressStateId, "State", "States");
        }
        // Delivery date control other than None moves or refuses a requested date in the past (assumed wording).
        for (const field of ["RequestedShippingDate", "RequestedReceiptDate"] as const) {
          const date = typeof row[field] === "string" ? String(row[field]).slice(0, 10) : undefined;
          if (date && date < today.slice(0, 10) && row.SalesOrderPromisingMethod !== "None") {
            throw writeFailed(
              def,
              `Error: The ${field === "RequestedShippingDate" ? "requested ship date" : "requested receipt date"} ${date} is in the past; ` +
                `delivery date control ${String(row.SalesOrderPromisingMethod ?? "Sales lead time")} does not allow it.`,
            );
          }
        }
        row.SalesOrderNumber ??= this.nextNumber(company, "SalesId", (n) => String(n).padStart(6, "0"), 701);
        row.SalesOrderStatus = "Backorder";
        row.SalesOrderProcessingStatus = "Active";
        row.OrderCreationDateTime = today;
        row.AreTotalsCalculated = "No";
        row.IsDeliveryAddressOrderSpecific ??= "No";
        row.LanguageId ??= "en-us";
        return row;
      }
      case "PackingSlipTrackingInformation": {
        // Tracking belongs to a posted packing slip of the order (the key's PackingSlipNumber and DeliveryDate).
        const slip = this.rows("CustPackingSlipJourBiEntities").find(
          (j) =>
            j.dataAreaId === company &&
            String(j.SalesId).toLowerCase() === String(row.SalesOrderNumber ?? "").toLowerCase() &&
            String(j.PackingSlipId).toLowerCase() === String(row.PackingSlipNumber ?? "").toLowerCase(),
        );
        if (!slip) {
          throw writeFailed(
            def,
            `Error: Packing slip ${String(row.PackingSlipNumber ?? "")} of sales order ${String(row.SalesOrderNumber ?? "")} has not been posted.`,
          );
        }
        if (String(slip.DeliveryDate).slice(0, 10) !== String(row.DeliveryDate ?? "").slice(0, 10)) {
          throw writeFailed(
            def,
            `Error: Packing slip ${String(slip.PackingSlipId)} was posted with delivery date ${String(slip.DeliveryDate).slice(0, 10)}.`,
          );
        }
        return row;
      }
      case "SalesOrderLinesV3": {
        if (!row.SalesOrderNumber) throw mustBeFilled(def, "Sales order");
        const header = this.exists("SalesOrderHeadersV4", { dataAreaId: company, SalesOrderNumber: row.SalesOrderNumber });
        if (!header) throw notFoundInRelated(def, row.SalesOrderNumber, "Sales order", "Sales orders");
        if (header.SalesOrderStatus !== "Backorder") {
          throw writeFailed(
            def,
            `Error: Sales order ${String(row.SalesOrderNumber)} has status ${String(header.SalesOrderStatus)}; lines cannot be added.`,
          );
        }
        const product = this.item(def, company, row.ItemNumber);
        row.ShippingWarehouseId ??= header.DefaultShippingWarehouseId;
        row.ShippingSiteId ??= header.DefaultShippingSiteId;
        if (row.ShippingWarehouseId) {
          const wh = this.warehouse(company, row.ShippingWarehouseId);
          if (!wh) throw notFoundInRelated(def, row.ShippingWarehouseId, "Warehouse", "Warehouses");
          row.ShippingSiteId ??= wh.OperationalSiteId;
        }
        // F&O: "Inventory dimension Site is mandatory and must consequently be specified."
        if (!row.ShippingSiteId)
          throw writeFailed(def, "Warning: Inventory dimension Site is mandatory and must consequently be specified.");
        if (!row.ShippingWarehouseId)
          throw writeFailed(def, "Warning: Inventory dimension Warehouse is mandatory and must consequently be specified.");
        row.OrderedSalesQuantity ??= 1;
        if (dec(row.OrderedSalesQuantity).lte(0)) throw writeFailed(def, "Error: Field 'Quantity' must be greater than zero.");
        row.SalesPrice ??= product.SalesPrice ?? 0;
        row.SalesUnitSymbol ??= product.SalesUnitSymbol ?? "ea";
        row.SalesPriceQuantity ??= 1;
        if (dec(row.SalesPriceQuantity).lte(0)) throw writeFailed(def, "Error: Field 'Price unit' must be greater than zero.");
        // CalculateLineAmount = Yes: F&O computes the amount from price, quantity and discounts.
        if (row.LineAmount === undefined || row.CalculateLineAmount === "Yes") {
          const unit = dec(row.SalesPrice).minus(dec(row.LineDiscountAmount));
          const pct = new Dec(1).minus(dec(row.LineDiscountPercentage).div(100));
          row.LineAmount = num(unit.times(dec(row.OrderedSalesQuantity)).div(dec(row.SalesPriceQuantity)).times(pct).toDecimalPlaces(2));
        }
        row.CurrencyCode ??= header.CurrencyCode;
        const siblings = this.rows("SalesOrderLinesV3").filter(
          (l) => l.dataAreaId === company && String(l.SalesOrderNumber).toLowerCase() === String(row.SalesOrderNumber).toLowerCase(),
        );
        row.LineNumber ??= siblings.reduce((m, l) => Math.max(m, Number(l.LineNumber ?? 0)), 0) + 1;
        row.LineCreationSequenceNumber = siblings.length + 1;
        row.InventoryLotId = this.nextNumber(
          company,
          "InventTransId",
          (n) => `${company.toUpperCase()}-${String(n).padStart(9, "0")}`,
          1001,
        );
        row.SalesOrderLineStatus = "Backorder";
        return row;
      }
      case "SalesOrderHeaderChargesV2": {
        if (!row.SalesOrderNumber) throw mustBeFilled(def, "Sales order");
        const header = this.exists("SalesOrderHeadersV4", { dataAreaId: company, SalesOrderNumber: row.SalesOrderNumber });
        if (!header) throw notFoundInRelated(def, row.SalesOrderNumber, "Sales order", "Sales orders");
        if (!row.SalesChargeCode) throw mustBeFilled(def, "Charges code");
        row.ChargeCategory ??= "Fixed";
        row.ChargeCurrencyCode ??= header.CurrencyCode;
        if (row.ChargeLineNumber === undefined) {
          const max = this.rows("SalesOrderHeaderChargesV2")
            .filter(
              (c) => c.dataAreaId === company && String(c.SalesOrderNumber).toLowerCase() === String(row.SalesOrderNumber).toLowerCase(),
            )
            .reduce((m, c) => Math.max(m, Number(c.ChargeLineNumber)), 0);
          row.ChargeLineNumber = max + 1;
        }
        return row;
      }
      case "LedgerJournalHeaders": {
        if (!row.JournalName) throw mustBeFilled(def, "Name");
        if (!this.exists("JournalNames", { dataAreaId: company, Name: row.JournalName })) {
          throw notFoundInRelated(def, row.JournalName, "Name", "Journal names");
        }
        // POST {"dataAreaId","JournalName"}: the number sequence assigns JournalBatchNumber.
        row.JournalBatchNumber ??= this.nextNumber(company, "JournalNum", (n) => String(n).padStart(5, "0"), 501);
        row.IsPosted = "No";
        row.PostingLayer ??= "Current";
        row.AccountingCurrency = this.companyCurrency(company);
        return row;
      }
      case "LedgerJournalLines": {
        if (!row.JournalBatchNumber) throw mustBeFilled(def, "Journal batch number");
        const header = this.exists("LedgerJournalHeaders", { dataAreaId: company, JournalBatchNumber: row.JournalBatchNumber });
        if (!header) throw notFoundInRelated(def, row.JournalBatchNumber, "Journal batch number", "Journal table");
        if (header.IsPosted === "Yes")
          throw writeFailed(def, `Error: Journal ${String(row.JournalBatchNumber)} has already been posted and cannot be changed.`);
        row.AccountType ??= "Ledger";
        if (!row.AccountDisplayValue) throw mustBeFilled(def, "Account");
        this.checkAccount(def, company, String(row.AccountType), row.AccountDisplayValue, "Account");
        if (row.OffsetAccountDisplayValue)
          this.checkAccount(def, company, String(row.OffsetAccountType ?? "Ledger"), row.OffsetAccountDisplayValue, "Offset account");
        row.CurrencyCode ??= this.companyCurrency(company);
        this.currency(def, row.CurrencyCode);
        if (!dec(row.DebitAmount).isZero() && !dec(row.CreditAmount).isZero()) {
          throw writeFailed(def, "Error: Enter either a debit amount or a credit amount on a line, not both.");
        }
        row.TransDate ??= `${today.slice(0, 10)}T12:00:00Z`;
        const closed = this.periodNotOpen(company, String(row.TransDate));
        if (closed) throw writeFailed(def, `Error: ${closed}`);
        if (row.LineNumber === undefined) {
          const max = this.rows("LedgerJournalLines")
            .filter(
              (l) =>
                l.dataAreaId === company && String(l.JournalBatchNumber).toLowerCase() === String(row.JournalBatchNumber).toLowerCase(),
            )
            .reduce((m, l) => Math.max(m, Number(l.LineNumber)), 0);
          row.LineNumber = max + 1;
        }
        row.Voucher ||= this.voucherFor(def, company, header, row);
        row.Company ??= company;
        return row;
      }
      case "ReturnOrderHeadersV2": {
        if (!row.CustomerAccountNumber) throw mustBeFilled(def, "Customer account");
        const cust = this.customer(def, company, row.CustomerAccountNumber, "Customer account");
        row.InvoiceCustomerAccountNumber ??= cust.InvoiceAccount || cust.CustomerAccount;
        row.CurrencyCode ??= cust.SalesCurrencyCode;
        this.currency(def, row.CurrencyCode);
        if (row.DefaultReturnWarehouseId) {
          const wh = this.warehouse(company, row.DefaultReturnWarehouseId);
          if (!wh) throw notFoundInRelated(def, row.DefaultReturnWarehouseId, "Warehouse", "Warehouses");
          row.DefaultReturnSiteId ??= wh.OperationalSiteId;
        }
        // Return orders are SalesTable rows (SalesType=ReturnItem): they share the sales order number sequence.
        row.ReturnOrderNumber ??= this.nextNumber(company, "SalesId", (n) => String(n).padStart(6, "0"), 701);
        row.RMANumber ??= this.nextNumber(company, "RMA", (n) => `RMA-${String(n).padStart(6, "0")}`, 101);
        if (
          row.CustomerReturnReasonCode &&
          !this.exists("ReturnReasonCodeBiEntities", { dataAreaId: company, ReasonCodeId: row.CustomerReturnReasonCode })
        ) {
          throw notFoundInRelated(def, row.CustomerReturnReasonCode, "Return reason code", "Return reason codes");
        }
        row.ReturnStatus = "Created";
        row.ReturnOrderStatus = "Backorder";
        return row;
      }
      case "ReturnOrderLinesV2": {
        if (!row.ReturnOrderNumber) throw mustBeFilled(def, "RMA number");
        const header = this.exists("ReturnOrderHeadersV2", { dataAreaId: company, ReturnOrderNumber: row.ReturnOrderNumber });
        if (!header) throw notFoundInRelated(def, row.ReturnOrderNumber, "Return order", "Sales orders");
        const product = this.item(def, company, row.ItemNumber);
        if (row.ReturnSalesQuantity === undefined) throw mustBeFilled(def, "Quantity");
        if (
          row.ReturnDispositionCode &&
          !this.exists("ReturnDispositionCodes", { dataAreaId: company, DispositionCode: row.ReturnDispositionCode })
        ) {
          throw notFoundInRelated(def, row.ReturnDispositionCode, "Disposition code", "Disposition codes");
        }
        // Return quantities are negative.
        if (dec(row.ReturnSalesQuantity).gte(0)) throw writeFailed(def, "Error: The quantity on a return order line must be negative.");
        row.ReturnWarehouseId ??= header.DefaultReturnWarehouseId;
        row.ReturnSiteId ??= header.DefaultReturnSiteId;
        if (row.ReturnWarehouseId) {
          const wh = this.warehouse(company, row.ReturnWarehouseId);
          if (!wh) throw notFoundInRelated(def, row.ReturnWarehouseId, "Warehouse", "Warehouses");
          row.ReturnSiteId ??= wh.OperationalSiteId;
        }
        if (!row.ReturnSiteId) throw writeFailed(def, "Warning: Inventory dimension Site is mandatory and must consequently be specified.");
        row.SalesPrice ??= product.SalesPrice ?? 0;
        row.SalesUnitSymbol ??= product.SalesUnitSymbol ?? "ea";
        row.LineAmount ??= num(dec(row.SalesPrice).times(dec(row.ReturnSalesQuantity)).toDecimalPlaces(2));
        row.RMANumber = header.RMANumber;
        row.CustomerAccountNumber ??= header.CustomerAccountNumber;
        row.ReturnInventoryLotId = this.nextNumber(
          company,
          "InventTransId",
          (n) => `${company.toUpperCase()}-${String(n).padStart(9, "0")}`,
          1001,
        );
        row.ReturnStatus = "Awaiting";
        return row;
      }
      case "InventoryAdjustmentJournalHeaders":
      case "InventoryCountingJournalHeaders": {
        row.JournalNumber ??= this.nextNumber(company, "InventJournalId", (n) => `INVJ-${String(n).padStart(6, "0")}`, 1);
        if (row.DefaultWarehouseId && !this.warehouse(company, row.DefaultWarehouseId)) {
          throw notFoundInRelated(def, row.DefaultWarehouseId, "Warehouse", "Warehouses");
        }
        row.IsPosted = "No";
        return row;
      }
      case "InventoryAdjustmentJournalEntriesV2":
      case "InventoryCountingJournalLines": {
        const headerSet =
          def.table === "InventoryCountingJournalLines" ? "InventoryCountingJournalHeaders" : "InventoryAdjustmentJournalHeaders";
        const header = this.exists(headerSet, { dataAreaId: company, JournalNumber: row.JournalNumber });
        if (!header) throw notFoundInRelated(def, row.JournalNumber, "Journal", "Inventory journal table");
        if (header.IsPosted === "Yes")
          throw writeFailed(def, `Error: Journal ${String(row.JournalNumber)} has already been posted and cannot be changed.`);
        this.item(def, company, row.ItemNumber);
        const whField = def.table === "InventoryCountingJournalLines" ? "WarehouseId" : "InventoryWarehouseId";
        row[whField] ??= header.DefaultWarehouseId;
        const wh = row[whField] ? this.warehouse(company, row[whField]) : undefined;
        if (!wh) throw writeFailed(def, "Warning: Inventory dimension Warehouse is mandatory and must consequently be specified.");
        row.InventorySiteId ||= wh.OperationalSiteId;
        if (row.LineNumber === undefined) {
          const max = this.rows(def.set)
            .filter((l) => l.dataAreaId === company && String(l.JournalNumber).toLowerCase() === String(row.JournalNumber).toLowerCase())
            .reduce((m, l) => Math.max(m, Number(l.LineNumber)), 0);
          row.LineNumber = max + 1;
        }
        if (def.table === "InventoryCountingJournalLines") {
          row.OnHandQuantity = num(this.onHand(company, String(row.ItemNumber), String(row[whField])));
          row.AdjustmentQuantity = num(dec(row.CountedQuantity).minus(dec(row.OnHandQuantity)));
        }
        return row;
      }
      case "ExchangeRates": {
        for (const c of ["FromCurrency", "ToCurrency"]) {
          if (!row[c]) throw mustBeFilled(def, c);
          this.currency(def, row[c]);
        }
        if (!row.RateTypeName) throw mustBeFilled(def, "Exchange rate type");
        if (!row.StartDate) throw mustBeFilled(def, "Start date");
        if (dec(row.Rate).lte(0)) throw writeFailed(def, "Error: The exchange rate must be greater than zero.");
        row.ConversionFactor ??= "One";
        return row;
      }
      case "ReleasedProductsV2": {
        if (!row.ItemNumber) throw mustBeFilled(def, "Item number");
        row.ProductNumber ??= row.ItemNumber;
        row.SalesUnitSymbol ??= "ea";
        row.InventoryUnitSymbol ??= "ea";
        return row;
      }
      default:
        return row;
    }
  }

  /**
   * The voucher of a line sent without one, as the journal name's "New voucher" setting decides:
   * Manually refuses the line; OneVoucher gives every line the journal's one voucher; BalanceSheet ("In
   * connection with balance") takes a new number from the voucher series when the previous line had an
   * offset account or its voucher balances, and reuses the open voucher otherwise.
   */
  private voucherFor(def: EntityDef, company: string, header: Stored, line: Row): string {
    const journalName = this.exists("JournalNames", { dataAreaId: company, Name: header.JournalName });
    if (!journalName) throw notFoundInRelated(def, header.JournalName, "Name", "Journal names");
    const mode = String(journalName.NewVoucher ?? "BalanceSheet");
    if (mode === "Manually") {
      throw writeFailed(
        def,
        `Error: Voucher must be filled in. Journal name ${String(journalName.Name)} allocates vouchers manually (New voucher = Manual).`,
      );
    }
    const lines = this.journalLines(company, String(line.JournalBatchNumber));
    if (mode === "OneVoucher" && lines[0]?.Voucher) return String(lines[0].Voucher);
    const last = lines.reduce<Stored | undefined>((m, l) => (!m || (l[RV] ?? 0) > (m[RV] ?? 0) ? l : m), undefined);
    if (mode === "BalanceSheet" && last?.Voucher && !last.OffsetAccountDisplayValue) {
      let debit = new Dec(0);
      let credit = new Dec(0);
      for (const l of lines) {
        if (l.Voucher !== last.Voucher) continue;
        debit = debit.plus(dec(l.DebitAmount));
        credit = credit.plus(dec(l.CreditAmount));
      }
      if (!debit.eq(credit)) return String(last.Voucher);
    }
    return this.nextVoucher(def, company, journalName);
  }

  private checkAccount(def: EntityDef, company: string, type: string, value: unknown, label: string): void {
    const text = String(value);
    if (type === "Ledger") {
      // AccountDisplayValue follows the ledger dimension format (e.g. 401100-001-022): the first segment is the main account.
      const main = text.split("-")[0]!;
      if (!this.exists("MainAccounts", { ChartOfAccounts: "Shared", MainAccountId: main })) {
        throw writeFailed(def, `Error: The value '${text}' in field '${label}' is not valid: main account ${main} does not exist.`);
      }
    } else if (type === "Cust") {
      if (!this.exists("CustomersV3", { dataAreaId: company, CustomerAccount: text }))
        throw notFoundInRelated(def, text, label, "Customers");
    }
  }

  private checkUpdate(def: EntityDef, current: Stored, patch: Row): void {
    const company = String(current.dataAreaId ?? "");
    if (def.table === "LedgerJournalHeaders" && current.IsPosted === "Yes") {
      throw writeFailed(def, `Error: Journal ${String(current.JournalBatchNumber)} has already been posted and cannot be changed.`);
    }
    if (def.table === "LedgerJournalLines") {
      const header = this.exists("LedgerJournalHeaders", { dataAreaId: company, JournalBatchNumber: current.JournalBatchNumber });
      if (header?.IsPosted === "Yes")
        throw writeFailed(def, `Error: Journal ${String(current.JournalBatchNumber)} has already been posted and cannot be changed.`);
    }
    if (def.table === "SalesOrderHeadersV4" && current.SalesOrderStatus !== "Backorder") {
      throw writeFailed(
        def,
        `Warning: Sales order ${String(current.SalesOrderNumber)} cannot be changed in status ${String(current.SalesOrderStatus)}.`,
      );
    }
    if (def.table === "SalesOrderLinesV3" && patch.ItemNumber !== undefined) this.item(def, company, patch.ItemNumber);
    if (
      def.table === "SalesOrderHeadersV4" &&
      patch.DefaultShippingWarehouseId &&
      !this.warehouse(company, patch.DefaultShippingWarehouseId)
    ) {
      throw notFoundInRelated(def, patch.DefaultShippingWarehouseId, "Warehouse", "Warehouses");
    }
  }

  private checkDelete(def: EntityDef, current: Stored): void {
    const company = String(current.dataAreaId ?? "");
    if (def.table === "LedgerJournalHeaders" || def.table === "LedgerJournalLines") {
      const header =
        def.table === "LedgerJournalHeaders"
          ? current
          : this.exists("LedgerJournalHeaders", { dataAreaId: company, JournalBatchNumber: current.JournalBatchNumber });
      if (header?.IsPosted === "Yes")
        throw writeFailed(def, `Error: Journal ${String(current.JournalBatchNumber)} has already been posted and cannot be deleted.`);
    }
    if (def.table === "SalesOrderHeadersV4" && current.SalesOrderStatus !== "Backorder") {
      throw writeFailed(
        def,
        `Error: Sales order ${String(current.SalesOrderNumber)} cannot be deleted in status ${String(current.SalesOrderStatus)}.`,
      );
    }
    // A partly delivered order still shows Backorder; F&O refuses to delete it (the packing slip exists).
    if (
      def.table === "SalesOrderHeadersV4" &&
      !["Active", "Confirmed", undefined, null].includes(current.SalesOrderProcessingStatus as string)
    ) {
      throw writeFailed(
        def,
        `Error: Sales order ${String(current.SalesOrderNumber)} cannot be deleted: it is ${String(current.SalesOrderProcessingStatus)}.`,
      );
    }
    // Deleting a header deletes its lines, as D365 does.
    const cascade: [string, string][] =
      def.table === "LedgerJournalHeaders"
        ? [["LedgerJournalLines", "JournalBatchNumber"]]
        : def.table === "SalesOrderHeadersV4"
          ? [
              ["SalesOrderLinesV3", "SalesOrderNumber"],
              ["SalesOrderHeaderChargesV2", "SalesOrderNumber"],
            ]
          : def.table === "ReturnOrderHeadersV2"
            ? [["ReturnOrderLinesV2", "ReturnOrderNumber"]]
            : [];
    for (const [childSet, field] of cascade) {
      const childDef = entity(childSet);
      for (const child of this.rows(childSet)) {
        if (child.dataAreaId === company && String(child[field]).toLowerCase() === String(current[field]).toLowerCase()) {
          this.remove(childSet, this.keyString(childDef, child));
        }
      }
    }
  }
}

export function describeKey(def: EntityDef, row: Row): string {
  return def.keys.map((k) => `${k}: ${String(row[k] ?? "")}`).join(", ");
}

export { SimError };
