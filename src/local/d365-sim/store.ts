/**
 * The simulator's data: one table per entity set, D365 number sequences, and the validation D365 applies
 * on insert and update. Writes inside a changeset are undone together when one of them fails.
 */
import { Dec } from "../../platform/money";
import { duplicateKey, mustBeFilled, notFoundInRelated, odataError, SimError, writeFailed } from "./errors";
import { ENTITY_BY_SET, ENUM_MEMBERS, type EntityDef } from "./schema";

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
  private vouchers = new Map<string, string>();
  private version = 0;
  private undo: (() => void)[] | undefined;

  constructor(
    readonly defaultCompany: string,
    private readonly now: () => Date,
  ) {}

  clear(): void {
    this.tables = new Map();
    this.sequences = new Map();
    this.vouchers = new Map();
  }

  table(set: string): Map<string, Stored> {
    let t = this.tables.get(set);
    if (!t) this.tables.set(set, (t = new Map()));
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
    }
  }

  rows(set: string): Stored[] {
    return [...this.table(set).values()];
  }

  find(set: string, key: Row): Stored | undefined {
    const def = entity(set);
    return this.table(set).get(this.keyString(def, key));
  }

  /** Inserts without business validation (seeding, DMF set-based target). */
  put(set: string, row: Row): Stored {
    const def = entity(set);
    const t = this.table(set);
    const k = this.keyString(def, row);
    if (t.has(k)) throw duplicateKey(def, describeKey(def, row));
    const stored: Stored = { ...row, [RV]: ++this.version };
    t.set(k, stored);
    this.undo?.push(() => t.delete(k));
    return stored;
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
    const prepared = this.prepareCreate(def, row);
    for (const k of def.keys) {
      if (prepared[k] === undefined || prepared[k] === "") throw mustBeFilled(def, k);
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

  /** D365's own batch posting (OData cannot post: notes §0.1). Used by tests and the control API. */
  postJournal(company: string, journalBatchNumber: string): void {
    const def = entity("LedgerJournalHeaders");
    const key = { dataAreaId: company.toLowerCase(), JournalBatchNumber: journalBatchNumber };
    const header = this.find("LedgerJournalHeaders", key);
    if (!header) throw odataError(404, `Journal ${journalBatchNumber} does not exist.`);
    if (header.IsPosted === "Yes") throw writeFailed(def, `Error: Journal ${journalBatchNumber} has already been posted.`);
    const totals = this.journalTotals(company.toLowerCase(), journalBatchNumber);
    if (!totals.debit.eq(totals.credit)) {
      throw writeFailed(
        def,
        `Error: The transactions on voucher do not balance as per ${this.now().toISOString().slice(0, 10)}. (accounting currency: ${totals.debit.toFixed(2)} - ${totals.credit.toFixed(2)})`,
      );
    }
    this.replace("LedgerJournalHeaders", this.keyString(def, key), { ...header, IsPosted: "Yes", [RV]: ++this.version });
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
    if (def.set === "LedgerJournalHeaders") {
      journalTotals = new Map();
      for (const l of this.rows("LedgerJournalLines")) {
        const k = `${String(l.dataAreaId)}|${String(l.JournalBatchNumber).toLowerCase()}`;
        const t = journalTotals.get(k) ?? { d: new Dec(0), c: new Dec(0) };
        t.d = t.d.plus(dec(l.DebitAmount));
        t.c = t.c.plus(dec(l.CreditAmount));
        journalTotals.set(k, t);
      }
    }
    if (def.set === "SalesOrderHeadersV4") {
      orderTotals = new Map();
      for (const l of this.rows("SalesOrderLinesV3")) {
        const k = `${String(l.dataAreaId)}|${String(l.SalesOrderNumber).toLowerCase()}`;
        orderTotals.set(k, (orderTotals.get(k) ?? new Dec(0)).plus(dec(l.LineAmount)));
      }
    }
    return rows.map((r) => {
      const out: Row = { "@odata.etag": this.etag(r) };
      for (const n of def.numbers) out[n] = 0;
      for (const d of def.dates) out[d] = "1900-01-01T12:00:00Z";
      for (const [field, enumName] of Object.entries(def.enums))
        out[field] = enumName === "NoYes" ? "No" : (ENUM_MEMBERS[enumName]?.[0] ?? "");
      Object.assign(out, r);
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

  /** Rejects unknown properties, coerces typed values, drops computed fields (as D365 ignores them). */
  cleanBody(def: EntityDef, body: Row, mode: "create" | "update"): Row {
    if (!body || typeof body !== "object" || Array.isArray(body)) throw odataError(400, "The request body must be a JSON object.");
    const out: Row = {};
    for (const [k, v] of Object.entries(body)) {
      if (k.startsWith("@odata.")) continue;
      if (!def.fields.has(k)) {
        throw odataError(
          400,
          `The property '${k}' does not exist on type 'Microsoft.Dynamics.DataEntities.${def.typeName}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
        );
      }
      if (def.computed?.includes(k)) continue;
      if (v === null && mode === "create") continue;
      out[k] = this.coerce(def, k, v);
    }
    return out;
  }

  private coerce(def: EntityDef, field: string, v: unknown): unknown {
    if (v === null || v === undefined) return v;
    const enumName = def.enums[field];
    if (enumName) {
      const members = ENUM_MEMBERS[enumName] ?? [];
      const hit = members.find((m) => m.toLowerCase() === String(v).toLowerCase());
      if (!hit)
        throw odataError(
          400,
          `Requested value '${String(v)}' was not found. (property '${field}', enum 'Microsoft.Dynamics.DataEntities.${enumName}')`,
        );
      return hit;
    }
    if (def.numbers.has(field)) {
      if (typeof v === "number" && Number.isFinite(v)) return v;
      if (typeof v === "string" && /^[-+]?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
      throw odataError(400, `Cannot convert the literal '${String(v)}' to the expected type 'Edm.Decimal'. (property '${field}')`);
    }
    if (def.dates.has(field)) {
      if (typeof v !== "string" || Number.isNaN(Date.parse(v))) {
        throw odataError(400, `Cannot convert the literal '${String(v)}' to the expected type 'Edm.DateTimeOffset'. (property '${field}')`);
      }
      return v;
    }
    if (typeof v === "object") throw odataError(400, `The property '${field}' expects a primitive value.`);
    return v;
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
    switch (def.set) {
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
        row.SalesOrderNumber ??= this.nextNumber(company, "SalesId", (n) => String(n).padStart(6, "0"), 701);
        row.SalesOrderStatus = "Backorder";
        row.SalesOrderProcessingStatus = "Active";
        row.OrderCreationDateTime = today;
        row.AreTotalsCalculated = "No";
        row.IsDeliveryAddressOrderSpecific ??= "No";
        row.LanguageId ??= "en-us";
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
        // [HW]: "Inventory dimension Site is mandatory and must consequently be specified."
        if (!row.ShippingSiteId)
          throw writeFailed(def, "Warning: Inventory dimension Site is mandatory and must consequently be specified.");
        if (!row.ShippingWarehouseId)
          throw writeFailed(def, "Warning: Inventory dimension Warehouse is mandatory and must consequently be specified.");
        row.OrderedSalesQuantity ??= 1;
        if (dec(row.OrderedSalesQuantity).lte(0)) throw writeFailed(def, "Error: Field 'Quantity' must be greater than zero.");
        row.SalesPrice ??= product.SalesPrice ?? 0;
        row.SalesUnitSymbol ??= product.SalesUnitSymbol ?? "ea";
        row.SalesPriceQuantity ??= 1;
        if (row.LineAmount === undefined) {
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
        // notes §1.5: POST {"dataAreaId","JournalName"} and the number sequence assigns JournalBatchNumber.
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
        if (row.LineNumber === undefined) {
          const max = this.rows("LedgerJournalLines")
            .filter(
              (l) =>
                l.dataAreaId === company && String(l.JournalBatchNumber).toLowerCase() === String(row.JournalBatchNumber).toLowerCase(),
            )
            .reduce((m, l) => Math.max(m, Number(l.LineNumber)), 0);
          row.LineNumber = max + 1;
        }
        if (!row.Voucher) {
          // One voucher per journal and transaction date when the caller gives none (NewVoucher = per date).
          const vk = `${company}|${String(row.JournalBatchNumber).toLowerCase()}|${String(row.TransDate).slice(0, 10)}`;
          let v = this.vouchers.get(vk);
          if (!v) this.vouchers.set(vk, (v = this.nextNumber(company, "GNJL", (n) => `GNJL${String(n).padStart(6, "0")}`, 1)));
          row.Voucher = v;
        }
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
        // [HW]: return quantities are negative.
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
    if (def.set === "LedgerJournalHeaders" && current.IsPosted === "Yes") {
      throw writeFailed(def, `Error: Journal ${String(current.JournalBatchNumber)} has already been posted and cannot be changed.`);
    }
    if (def.set === "LedgerJournalLines") {
      const header = this.exists("LedgerJournalHeaders", { dataAreaId: company, JournalBatchNumber: current.JournalBatchNumber });
      if (header?.IsPosted === "Yes")
        throw writeFailed(def, `Error: Journal ${String(current.JournalBatchNumber)} has already been posted and cannot be changed.`);
    }
    if (def.set === "SalesOrderHeadersV4" && current.SalesOrderStatus !== "Backorder") {
      throw writeFailed(
        def,
        `Warning: Sales order ${String(current.SalesOrderNumber)} cannot be changed in status ${String(current.SalesOrderStatus)}.`,
      );
    }
    if (def.set === "SalesOrderLinesV3" && patch.ItemNumber !== undefined) this.item(def, company, patch.ItemNumber);
    if (
      def.set === "SalesOrderHeadersV4" &&
      patch.DefaultShippingWarehouseId &&
      !this.warehouse(company, patch.DefaultShippingWarehouseId)
    ) {
      throw notFoundInRelated(def, patch.DefaultShippingWarehouseId, "Warehouse", "Warehouses");
    }
  }

  private checkDelete(def: EntityDef, current: Stored): void {
    const company = String(current.dataAreaId ?? "");
    if (def.set === "LedgerJournalHeaders" || def.set === "LedgerJournalLines") {
      const header =
        def.set === "LedgerJournalHeaders"
          ? current
          : this.exists("LedgerJournalHeaders", { dataAreaId: company, JournalBatchNumber: current.JournalBatchNumber });
      if (header?.IsPosted === "Yes")
        throw writeFailed(def, `Error: Journal ${String(current.JournalBatchNumber)} has already been posted and cannot be deleted.`);
    }
    if (def.set === "SalesOrderHeadersV4" && current.SalesOrderStatus !== "Backorder") {
      throw writeFailed(
        def,
        `Error: Sales order ${String(current.SalesOrderNumber)} cannot be deleted in status ${String(current.SalesOrderStatus)}.`,
      );
    }
    // Deleting a header deletes its lines, as D365 does.
    const cascade: [string, string][] =
      def.set === "LedgerJournalHeaders"
        ? [["LedgerJournalLines", "JournalBatchNumber"]]
        : def.set === "SalesOrderHeadersV4"
          ? [
              ["SalesOrderLinesV3", "SalesOrderNumber"],
              ["SalesOrderHeaderChargesV2", "SalesOrderNumber"],
            ]
          : def.set === "ReturnOrderHeadersV2"
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
