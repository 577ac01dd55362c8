/**
 * Small typed helpers per D365 entity, shaped by what the flows need (orders, settlements, inventory,
 * returns). Entity set and property names are D365's own, as its $metadata names them (docs/d365.md lists the
 * entities the app uses).
 * Money goes in as Dec (or a decimal string) and is written as an exact JSON number; read it back with
 * `decimalOf`.
 */
import { Dec } from "../platform/money";
import { type AppError, InternalError } from "../platform/errors";
import type { BatchOperation, D365Client, EntityKey } from "./client";
import { chunk, DateLiteral, enumValue, f, type QueryOptions } from "./odata";

export type NoYes = "No" | "Yes";
export type SalesStatus = "None" | "Backorder" | "Delivered" | "Invoiced" | "Canceled";
export type LedgerJournalACType = "Ledger" | "Cust" | "Vend" | "Project" | "FixedAssets" | "Bank";
/** Decimal input: never a binary float. */
export type DecimalInput = Dec | string;

/** A decimal read from D365 JSON (numbers or strings) as Dec. */
export function decimalOf(v: unknown): Dec {
  if (v === undefined || v === null || v === "") return new Dec(0);
  return new Dec(String(v));
}

function toDec(v: DecimalInput | undefined): Dec | undefined {
  return v === undefined ? undefined : typeof v === "string" ? new Dec(v) : v;
}

interface Row {
  "@odata.etag"?: string;
  [property: string]: unknown;
}

// ---------------------------------------------------------------- sales orders

export interface SalesOrderHeader extends Row {
  dataAreaId: string;
  SalesOrderNumber: string;
  CustomersOrderReference?: string;
  CustomerRequisitionNumber?: string;
  OrderingCustomerAccountNumber: string;
  InvoiceCustomerAccountNumber?: string;
  CurrencyCode?: string;
  SalesOrderStatus?: SalesStatus;
  /** Where processing stands (Active, Confirmed, Picked, PartiallyDelivered, Delivered, PartiallyInvoiced, Invoiced, Canceled, ...). */
  SalesOrderProcessingStatus?: string;
  SalesOrderOriginCode?: string;
  DefaultShippingSiteId?: string;
  DefaultShippingWarehouseId?: string;
  OrderTotalAmount?: number;
}

/** The identity and status of a sales order header (what a lookup by reference selects). */
export type SalesOrderHeaderRef = Pick<
  SalesOrderHeader,
  "dataAreaId" | "SalesOrderNumber" | "CustomersOrderReference" | "SalesOrderStatus"
>;

export interface NewSalesOrderHeader {
  /** Legal entity; default D365_COMPANY. */
  dataAreaId?: string;
  /** Only when the number sequence allows manual numbers (header+lines in one changeset). */
  SalesOrderNumber?: string;
  /** The Amazon order id: a standard, filterable field that reaches invoices, so no customization is needed. */
  CustomersOrderReference: string;
  CustomerRequisitionNumber?: string;
  OrderingCustomerAccountNumber: string;
  InvoiceCustomerAccountNumber?: string;
  CurrencyCode?: string;
  SalesOrderOriginCode?: string;
  SalesOrderName?: string;
  DefaultShippingSiteId?: string;
  DefaultShippingWarehouseId?: string;
  DeliveryModeCode?: string;
  RequestedShippingDate?: string;
  RequestedReceiptDate?: string;
  IsDeliveryAddressOrderSpecific?: NoYes;
  DeliveryAddressName?: string;
  DeliveryAddressStreet?: string;
  DeliveryAddressCity?: string;
  DeliveryAddressStateId?: string;
  DeliveryAddressZipCode?: string;
  /** Three letters, e.g. USA. */
  DeliveryAddressCountryRegionId?: string;
  ArePricesIncludingSalesTax?: NoYes;
  SalesTaxGroupCode?: string;
  SkipCreateAutoCharges?: NoYes;
  [property: string]: unknown;
}

export interface SalesOrderLine extends Row {
  dataAreaId: string;
  InventoryLotId: string;
  SalesOrderNumber: string;
  ItemNumber: string;
  OrderedSalesQuantity: number;
  SalesPrice?: number;
  LineAmount?: number;
  LineNumber?: number;
  CustomersLineNumber?: number;
  ExternalItemNumber?: string;
  OrderLineReference?: string;
  ShippingSiteId?: string;
  ShippingWarehouseId?: string;
  SalesOrderLineStatus?: SalesStatus;
}

export interface NewSalesOrderLine {
  ItemNumber: string;
  OrderedSalesQuantity: number;
  SalesPrice?: DecimalInput;
  LineDiscountAmount?: DecimalInput;
  LineAmount?: DecimalInput;
  SalesUnitSymbol?: string;
  ShippingSiteId?: string;
  ShippingWarehouseId?: string;
  /** Line identity for idempotent resume (Int32), e.g. the line's position in the Amazon order. */
  CustomersLineNumber?: number;
  /** Free text reference, e.g. the Amazon OrderItemId. */
  OrderLineReference?: string;
  ExternalItemNumber?: string;
  LineDescription?: string;
  SalesTaxItemGroupCode?: string;
  [property: string]: unknown;
}

function decimals<T extends Record<string, unknown>>(obj: T, fields: readonly string[]): T {
  const out: Record<string, unknown> = { ...obj };
  for (const k of fields) if (typeof out[k] === "string") out[k] = toDec(out[k] as string);
  return out as T;
}

/** Throws the first failing operation's error (its changeset was undone). */
function firstFailure(results: { ok: boolean; error?: AppError; rolledBack?: boolean; index: number }[]): void {
  const failed = results.find((r) => !r.ok && !r.rolledBack) ?? results.find((r) => !r.ok);
  if (failed) {
    const e = failed.error ?? new InternalError("d365.batch", "a $batch operation failed without an error body");
    (e as { details?: Record<string, unknown> }).details = { ...(e.details ?? {}), operationIndex: failed.index };
    throw e;
  }
}

export class SalesOrders {
  constructor(private readonly d365: D365Client) {}

  private company(c?: string): string {
    return (c ?? this.d365.company).toLowerCase();
  }

  /**
   * The headers whose CustomersOrderReference is the Amazon order id, by number (idempotent creation looks
   * here first). At most `max`: one is the order, a second means someone keyed it twice (reported, not merged).
   */
  async findByCustomersOrderReference(reference: string, company?: string, max = 2): Promise<SalesOrderHeaderRef[]> {
    return this.d365.collect<SalesOrderHeaderRef>("SalesOrderHeadersV4", {
      filter: f.and(f.eq("dataAreaId", this.company(company)), f.eq("CustomersOrderReference", reference)),
      select: ["dataAreaId", "SalesOrderNumber", "CustomersOrderReference", "SalesOrderStatus"],
      orderBy: "SalesOrderNumber",
      top: max,
    });
  }

  async getHeader(salesOrderNumber: string, company?: string): Promise<SalesOrderHeader | undefined> {
    return this.d365.getByKey<SalesOrderHeader>("SalesOrderHeadersV4", {
      dataAreaId: this.company(company),
      SalesOrderNumber: salesOrderNumber,
    });
  }

  /** Headers matching a filter (e.g. open MCF orders: f.eq("SalesOrderStatus", enumValue("SalesStatus","Backorder"))). */
  async listHeaders(q: QueryOptions = {}): Promise<SalesOrderHeader[]> {
    return this.d365.collect<SalesOrderHeader>("SalesOrderHeadersV4", q);
  }

  async createHeader(header: NewSalesOrderHeader): Promise<SalesOrderHeader> {
    return this.d365.create<SalesOrderHeader>("SalesOrderHeadersV4", { ...header, dataAreaId: this.company(header.dataAreaId) });
  }

  async updateHeader(
    salesOrderNumber: string,
    patch: Partial<NewSalesOrderHeader>,
    options: { company?: string; etag?: string } = {},
  ): Promise<void> {
    await this.d365.update(
      "SalesOrderHeadersV4",
      { dataAreaId: this.company(options.company), SalesOrderNumber: salesOrderNumber },
      patch,
      { etag: options.etag },
    );
  }

  async listLines(salesOrderNumber: string, company?: string): Promise<SalesOrderLine[]> {
    return this.d365.collect<SalesOrderLine>("SalesOrderLinesV3", {
      filter: f.and(f.eq("dataAreaId", this.company(company)), f.eq("SalesOrderNumber", salesOrderNumber)),
      orderBy: "LineNumber",
    });
  }

  async createLine(salesOrderNumber: string, line: NewSalesOrderLine, company?: string): Promise<SalesOrderLine> {
    return this.d365.create<SalesOrderLine>("SalesOrderLinesV3", this.lineBody(salesOrderNumber, line, company));
  }

  /**
   * Creates lines through $batch, atomically per changeset (all lines of an ordinary order in one).
   * Throws the first D365 rejection (e.g. unknown item, missing site) with the field it names in `where`.
   */
  async createLines(
    salesOrderNumber: string,
    lines: readonly NewSalesOrderLine[],
    options: { company?: string } = {},
  ): Promise<SalesOrderLine[]> {
    if (lines.length === 0) return [];
    const ops: BatchOperation[] = lines.map((l) => ({
      method: "POST",
      entitySet: "SalesOrderLinesV3",
      body: this.lineBody(salesOrderNumber, l, options.company),
    }));
    const results = await this.d365.batch<SalesOrderLine>(ops);
    firstFailure(results);
    return results.map((r) => r.body!);
  }

  /**
   * Header and lines in ONE atomic changeset. Only possible when the caller supplies SalesOrderNumber
   * (the sales order number sequence must allow manual numbers, or D365 refuses a header with a given number).
   */
  async createWithLines(
    header: NewSalesOrderHeader & { SalesOrderNumber: string },
    lines: readonly NewSalesOrderLine[],
  ): Promise<{ header: SalesOrderHeader; lines: SalesOrderLine[] }> {
    const company = this.company(header.dataAreaId);
    const ops: BatchOperation[] = [
      { method: "POST", entitySet: "SalesOrderHeadersV4", body: { ...header, dataAreaId: company } },
      ...lines.map(
        (l): BatchOperation => ({
          method: "POST",
          entitySet: "SalesOrderLinesV3",
          body: this.lineBody(header.SalesOrderNumber, l, company),
        }),
      ),
    ];
    const results = await this.d365.batch<Record<string, unknown>>(ops, { changesetSize: ops.length });
    firstFailure(results);
    return { header: results[0]!.body as SalesOrderHeader, lines: results.slice(1).map((r) => r.body as SalesOrderLine) };
  }

  async deleteLine(inventoryLotId: string, company?: string): Promise<void> {
    await this.d365.delete("SalesOrderLinesV3", { dataAreaId: this.company(company), InventoryLotId: inventoryLotId });
  }

  /** The body of a new line of an order (money as exact decimals, the order's number and company). */
  lineBodyFor(salesOrderNumber: string, line: NewSalesOrderLine, company?: string): Record<string, unknown> {
    return this.lineBody(salesOrderNumber, line, company);
  }

  private lineBody(salesOrderNumber: string, line: NewSalesOrderLine, company?: string): Record<string, unknown> {
    return {
      ...decimals(line, ["SalesPrice", "LineDiscountAmount", "LineAmount", "SalesPriceQuantity"]),
      dataAreaId: this.company(company),
      SalesOrderNumber: salesOrderNumber,
    };
  }
}

// ---------------------------------------------------------------- general journal

export interface LedgerJournalHeader extends Row {
  dataAreaId: string;
  JournalBatchNumber: string;
  JournalName: string;
  Description?: string;
  IsPosted?: NoYes;
  JournalTotalDebit?: number;
  JournalTotalCredit?: number;
  AccountingCurrency?: string;
}

export interface NewLedgerJournalHeader {
  dataAreaId?: string;
  /** e.g. "GenJrn". */
  JournalName: string;
  /** Put the settlement id here to find the journal again (D365 has no free key field on the header). */
  Description?: string;
  JournalBatchNumber?: string;
  [property: string]: unknown;
}

export interface LedgerJournalLine extends Row {
  dataAreaId: string;
  JournalBatchNumber: string;
  LineNumber: number;
  AccountType: LedgerJournalACType;
  AccountDisplayValue: string;
  DebitAmount: number;
  CreditAmount: number;
  CurrencyCode: string;
  TransDate: string;
  Text?: string;
  Voucher?: string;
}

export interface NewLedgerJournalLine {
  /** Deterministic line number: resuming creates only the missing ones. */
  LineNumber: number;
  AccountType?: LedgerJournalACType;
  /** Ledger dimension format, e.g. "401100" or "401100-001-022"; the account id for other types. */
  AccountDisplayValue: string;
  DebitAmount?: DecimalInput;
  CreditAmount?: DecimalInput;
  CurrencyCode: string;
  /** Date only; sent as YYYY-MM-DDT12:00:00Z. */
  TransDate: string;
  Text?: string;
  Voucher?: string;
  Document?: string;
  PaymentReference?: string;
  DefaultDimensionDisplayValue?: string;
  OffsetAccountType?: LedgerJournalACType;
  OffsetAccountDisplayValue?: string;
  [property: string]: unknown;
}

export interface LedgerLinesOutcome {
  created: LedgerJournalLine[];
  /** Line numbers that existed already (skipExisting). */
  skipped: number[];
  failures: { LineNumber: number; error: AppError; rolledBack: boolean; notExecuted?: boolean }[];
}

export class LedgerJournals {
  constructor(private readonly d365: D365Client) {}

  private company(c?: string): string {
    return (c ?? this.d365.company).toLowerCase();
  }

  /** Creates an unposted journal; D365's number sequence assigns JournalBatchNumber. */
  async createHeader(header: NewLedgerJournalHeader): Promise<LedgerJournalHeader> {
    return this.d365.create<LedgerJournalHeader>("LedgerJournalHeaders", { ...header, dataAreaId: this.company(header.dataAreaId) });
  }

  async getHeader(journalBatchNumber: string, company?: string): Promise<LedgerJournalHeader | undefined> {
    return this.d365.getByKey<LedgerJournalHeader>("LedgerJournalHeaders", {
      dataAreaId: this.company(company),
      JournalBatchNumber: journalBatchNumber,
    });
  }

  async findByDescription(description: string, company?: string): Promise<LedgerJournalHeader[]> {
    return this.findByDescriptions([description], company);
  }

  /** Journals whose description is one of `descriptions`. */
  async findByDescriptions(descriptions: readonly string[], company?: string): Promise<LedgerJournalHeader[]> {
    if (descriptions.length === 0) return [];
    return this.d365.collect<LedgerJournalHeader>("LedgerJournalHeaders", {
      filter: f.and(f.eq("dataAreaId", this.company(company)), f.or(...descriptions.map((d) => f.eq("Description", d)))),
      orderBy: "JournalBatchNumber",
    });
  }

  /**
   * Numbers of journals that have a line with this Document, other than those in `except`: one line per query
   * ($top=1, each found journal excluded from the next), so a journal of thousands of lines is not read.
   */
  async journalsWithDocument(document: string, except: readonly string[] = [], company?: string): Promise<string[]> {
    const found: string[] = [];
    for (let i = 0; i < 20; i++) {
      const skip = [...except, ...found];
      const row = await this.d365
        .query<{ JournalBatchNumber: string }>("LedgerJournalLines", {
          filter: f.and(
            f.eq("dataAreaId", this.company(company)),
            f.eq("Document", document),
            ...skip.map((j) => f.ne("JournalBatchNumber", j)),
          ),
          select: ["JournalBatchNumber"],
          top: 1,
        })
        .first();
      if (!row) break;
      found.push(row.JournalBatchNumber);
    }
    return found;
  }

  /** Changes a journal's description (the journal must not be posted). */
  async setDescription(journalBatchNumber: string, description: string, company?: string): Promise<void> {
    await this.d365.update(
      "LedgerJournalHeaders",
      { dataAreaId: this.company(company), JournalBatchNumber: journalBatchNumber },
      { Description: description },
    );
  }

  /** Deletes lines of an unposted journal ($batch changesets); throws the first failure. */
  async deleteLines(journalBatchNumber: string, lineNumbers: readonly number[], company?: string): Promise<void> {
    if (lineNumbers.length === 0) return;
    const c = this.company(company);
    const results = await this.d365.batch(
      lineNumbers.map((n) => ({
        method: "DELETE" as const,
        entitySet: "LedgerJournalLines",
        key: { dataAreaId: c, JournalBatchNumber: journalBatchNumber, LineNumber: n },
      })),
    );
    // A line that is gone already is what the caller wants.
    const failed = results.find((r) => !r.ok && r.status !== 404);
    if (failed) throw failed.error ?? new InternalError("d365.batch", "deleting journal lines failed");
  }

  async listLines(journalBatchNumber: string, company?: string): Promise<LedgerJournalLine[]> {
    return this.d365.collect<LedgerJournalLine>("LedgerJournalLines", {
      filter: f.and(f.eq("dataAreaId", this.company(company)), f.eq("JournalBatchNumber", journalBatchNumber)),
      orderBy: "LineNumber",
    });
  }

  /**
   * Creates lines in $batch changesets of D365_BATCH_SIZE. With skipExisting, lines whose LineNumber is
   * already in the journal are left alone, so a resumed run never duplicates. A failed changeset is
   * undone by D365 and reported in `failures`; D365 stops the $batch there, so the changesets after it are
   * reported too, `notExecuted` (unless continueOnError asks D365 to go on and D365 honours it).
   */
  async createLines(
    journalBatchNumber: string,
    lines: readonly NewLedgerJournalLine[],
    options: { company?: string; skipExisting?: boolean; changesetSize?: number; continueOnError?: boolean } = {},
  ): Promise<LedgerLinesOutcome> {
    const company = this.company(options.company);
    let todo = [...lines];
    const skipped: number[] = [];
    if (options.skipExisting) {
      const existing = new Set((await this.listLines(journalBatchNumber, company)).map((l) => Number(l.LineNumber)));
      skipped.push(...todo.filter((l) => existing.has(l.LineNumber)).map((l) => l.LineNumber));
      todo = todo.filter((l) => !existing.has(l.LineNumber));
    }
    const ops: BatchOperation[] = todo.map((l) => ({
      method: "POST",
      entitySet: "LedgerJournalLines",
      body: {
        ...decimals(l, ["DebitAmount", "CreditAmount"]),
        AccountType: l.AccountType ?? "Ledger",
        TransDate: `${l.TransDate.slice(0, 10)}T12:00:00Z`,
        dataAreaId: company,
        JournalBatchNumber: journalBatchNumber,
      },
    }));
    const results = ops.length
      ? await this.d365.batch<LedgerJournalLine>(ops, { changesetSize: options.changesetSize, continueOnError: options.continueOnError })
      : [];
    const created: LedgerJournalLine[] = [];
    const failures: LedgerLinesOutcome["failures"] = [];
    results.forEach((r, i) => {
      if (r.ok && r.body) created.push(r.body);
      else
        failures.push({
          LineNumber: todo[i]!.LineNumber,
          error: r.error ?? new InternalError("d365.batch", "operation failed"),
          rolledBack: Boolean(r.rolledBack),
          ...(r.notExecuted ? { notExecuted: true } : {}),
        });
    });
    return { created, skipped, failures };
  }

  async deleteJournal(journalBatchNumber: string, company?: string): Promise<void> {
    await this.d365.delete("LedgerJournalHeaders", { dataAreaId: this.company(company), JournalBatchNumber: journalBatchNumber });
  }
}

// ---------------------------------------------------------------- journal names and ledger periods

/** JournalNames: the set-up of a journal name (voucher series and allocation, offset account, tax). */
export interface JournalName extends Row {
  dataAreaId: string;
  Name: string;
  Description?: string;
  Type?: string;
  NewVoucher?: string;
  VoucherSeriesCode?: string;
  VoucherAllocationAtPosting?: NoYes;
  OffsetAccountType?: string;
  OffsetAccountDisplayValue?: string;
  AmountsIncludeSalesTax?: NoYes;
}

export class JournalNames {
  constructor(private readonly d365: D365Client) {}

  async get(name: string, company?: string): Promise<JournalName | undefined> {
    return this.d365.getByKey<JournalName>("JournalNames", { dataAreaId: (company ?? this.d365.company).toLowerCase(), Name: name });
  }
}

/** An operating period of a legal entity's ledger calendar, with its status (Open, OnHold, Closed). */
export interface LedgerPeriodStatus {
  calendar: string;
  year: string;
  name: string;
  /** yyyy-MM-dd. */
  start: string;
  end: string;
  status: string;
}

/**
 * UNVERIFIED entity sets (docs/d365-simulator.md): FiscalPeriods (a fiscal calendar's periods: Calendar,
 * FiscalYear, PeriodName, StartDate, EndDate, Type) and LedgerFiscalPeriodsV2 (each ledger's status of them:
 * LedgerName, Calendar, YearName, PeriodName, PeriodStatus), as a public F&O integration reads them.
 */
export class LedgerPeriods {
  constructor(private readonly d365: D365Client) {}

  /** The ledger's operating periods that end on or after `from` (yyyy-MM-dd), in date order. */
  async list(from: string, company?: string): Promise<LedgerPeriodStatus[]> {
    const ledger = (company ?? this.d365.company).toUpperCase();
    const statuses = await this.d365.collect<{ Calendar: string; YearName: string; PeriodName: string; PeriodStatus: string }>(
      "LedgerFiscalPeriodsV2",
      { filter: f.eq("LedgerName", ledger), select: ["Calendar", "YearName", "PeriodName", "PeriodStatus"] },
    );
    const calendars = [...new Set(statuses.map((s) => s.Calendar))];
    if (calendars.length === 0) return [];
    const status = new Map(statuses.map((s) => [`${s.Calendar}|${s.YearName}|${s.PeriodName}`, s.PeriodStatus]));
    const periods = await this.d365.collect<{
      Calendar: string;
      FiscalYear: string;
      PeriodName: string;
      StartDate: string;
      EndDate: string;
      Type?: string;
    }>("FiscalPeriods", {
      filter: f.and(f.or(...calendars.map((c) => f.eq("Calendar", c))), f.ge("EndDate", new DateLiteral(`${from.slice(0, 10)}T00:00:00Z`))),
      select: ["Calendar", "FiscalYear", "PeriodName", "StartDate", "EndDate", "Type"],
    });
    return periods
      .filter((p) => !p.Type || p.Type === "Operating")
      .map((p) => ({
        calendar: p.Calendar,
        year: p.FiscalYear,
        name: p.PeriodName,
        start: String(p.StartDate).slice(0, 10),
        end: String(p.EndDate).slice(0, 10),
        status: status.get(`${p.Calendar}|${p.FiscalYear}|${p.PeriodName}`) ?? "Unknown",
      }))
      .sort((a, b) => a.start.localeCompare(b.start));
  }
}

// ---------------------------------------------------------------- master data

export interface Customer extends Row {
  dataAreaId: string;
  CustomerAccount: string;
  OrganizationName?: string;
  CustomerGroupId?: string;
  SalesCurrencyCode?: string;
  OnHoldStatus?: string;
}

export class Customers {
  constructor(private readonly d365: D365Client) {}
  async get(customerAccount: string, company?: string): Promise<Customer | undefined> {
    return this.d365.getByKey<Customer>("CustomersV3", {
      dataAreaId: (company ?? this.d365.company).toLowerCase(),
      CustomerAccount: customerAccount,
    });
  }
  async list(q: QueryOptions = {}): Promise<Customer[]> {
    return this.d365.collect<Customer>("CustomersV3", q);
  }
  async create(customer: {
    CustomerAccount?: string;
    OrganizationName: string;
    CustomerGroupId: string;
    SalesCurrencyCode?: string;
    dataAreaId?: string;
    [p: string]: unknown;
  }): Promise<Customer> {
    return this.d365.create<Customer>("CustomersV3", {
      PartyType: "Organization",
      ...customer,
      dataAreaId: (customer.dataAreaId ?? this.d365.company).toLowerCase(),
    });
  }
}

export interface ReleasedProduct extends Row {
  dataAreaId: string;
  ItemNumber: string;
  ProductNumber?: string;
  SearchName?: string;
  SalesPrice?: number;
  SalesUnitSymbol?: string;
  InventoryUnitSymbol?: string;
}

export class ReleasedProducts {
  constructor(private readonly d365: D365Client) {}
  async get(itemNumber: string, company?: string): Promise<ReleasedProduct | undefined> {
    return this.d365.getByKey<ReleasedProduct>("ReleasedProductsV2", {
      dataAreaId: (company ?? this.d365.company).toLowerCase(),
      ItemNumber: itemNumber,
    });
  }
  /** Products by item number; D365 has no `in`, so lists go as `or` chains of 25. */
  async findMany(
    itemNumbers: readonly string[],
    options: { company?: string; select?: readonly string[] } = {},
  ): Promise<Map<string, ReleasedProduct>> {
    const company = (options.company ?? this.d365.company).toLowerCase();
    const out = new Map<string, ReleasedProduct>();
    for (const part of chunk([...new Set(itemNumbers)], 25)) {
      const rows = await this.d365.collect<ReleasedProduct>("ReleasedProductsV2", {
        filter: f.and(f.eq("dataAreaId", company), f.anyOf("ItemNumber", part)),
        select: options.select,
      });
      for (const r of rows) out.set(r.ItemNumber, r);
    }
    return out;
  }
  async list(q: QueryOptions = {}): Promise<ReleasedProduct[]> {
    return this.d365.collect<ReleasedProduct>("ReleasedProductsV2", q);
  }
}

export interface WarehouseOnHand extends Row {
  dataAreaId: string;
  ItemNumber: string;
  InventorySiteId: string;
  InventoryWarehouseId: string;
  OnHandQuantity: number;
  AvailableOnHandQuantity: number;
  ReservedOnHandQuantity: number;
  TotalAvailableQuantity: number;
}

export class WarehousesOnHand {
  constructor(private readonly d365: D365Client) {}
  /** On-hand rows, e.g. for the FBA warehouse: list({ warehouseId: "FBA-US" }). */
  async list(
    options: { warehouseId?: string; siteId?: string; itemNumbers?: readonly string[]; company?: string; select?: readonly string[] } = {},
  ): Promise<WarehouseOnHand[]> {
    const company = (options.company ?? this.d365.company).toLowerCase();
    const base = f.and(
      f.eq("dataAreaId", company),
      options.warehouseId ? f.eq("InventoryWarehouseId", options.warehouseId) : undefined,
      options.siteId ? f.eq("InventorySiteId", options.siteId) : undefined,
    );
    if (!options.itemNumbers) return this.d365.collect<WarehouseOnHand>("WarehousesOnHandV2", { filter: base, select: options.select });
    const out: WarehouseOnHand[] = [];
    for (const part of chunk([...new Set(options.itemNumbers)], 25)) {
      out.push(
        ...(await this.d365.collect<WarehouseOnHand>("WarehousesOnHandV2", {
          filter: f.and(base, f.anyOf("ItemNumber", part)),
          select: options.select,
        })),
      );
    }
    return out;
  }
}

// ---------------------------------------------------------------- returns

export interface ReturnOrderHeader extends Row {
  dataAreaId: string;
  ReturnOrderNumber: string;
  RMANumber: string;
  CustomerAccountNumber: string;
  CustomersOrderReference?: string;
  CurrencyCode?: string;
  ReturnStatus?: string;
}

export interface ReturnOrderLine extends Row {
  dataAreaId: string;
  ReturnOrderNumber: string;
  ReturnInventoryLotId: string;
  ItemNumber: string;
  ReturnSalesQuantity: number;
  ReturnDispositionCode?: string;
}

export class ReturnOrders {
  constructor(private readonly d365: D365Client) {}
  private company(c?: string): string {
    return (c ?? this.d365.company).toLowerCase();
  }
  async findByCustomersOrderReference(reference: string, company?: string): Promise<ReturnOrderHeader[]> {
    return this.d365.collect<ReturnOrderHeader>("ReturnOrderHeadersV2", {
      filter: f.and(f.eq("dataAreaId", this.company(company)), f.eq("CustomersOrderReference", reference)),
    });
  }
  async getHeader(returnOrderNumber: string, company?: string): Promise<ReturnOrderHeader | undefined> {
    return this.d365.getByKey<ReturnOrderHeader>("ReturnOrderHeadersV2", {
      dataAreaId: this.company(company),
      ReturnOrderNumber: returnOrderNumber,
    });
  }
  async createHeader(header: {
    CustomerAccountNumber: string;
    CustomersOrderReference?: string;
    CustomerReturnReasonCode?: string;
    DefaultReturnWarehouseId?: string;
    dataAreaId?: string;
    [p: string]: unknown;
  }): Promise<ReturnOrderHeader> {
    return this.d365.create<ReturnOrderHeader>("ReturnOrderHeadersV2", { ...header, dataAreaId: this.company(header.dataAreaId) });
  }
  /** Lines with negative ReturnSalesQuantity ([HW]); one atomic changeset per D365_BATCH_SIZE lines. */
  async createLines(
    returnOrderNumber: string,
    lines: readonly {
      ItemNumber: string;
      ReturnSalesQuantity: number;
      ReturnDispositionCode?: string;
      SalesPrice?: DecimalInput;
      ReturnWarehouseId?: string;
      [p: string]: unknown;
    }[],
    company?: string,
  ): Promise<ReturnOrderLine[]> {
    const ops: BatchOperation[] = lines.map((l) => ({
      method: "POST",
      entitySet: "ReturnOrderLinesV2",
      body: { ...decimals(l, ["SalesPrice"]), dataAreaId: this.company(company), ReturnOrderNumber: returnOrderNumber },
    }));
    const results = await this.d365.batch<ReturnOrderLine>(ops);
    firstFailure(results);
    return results.map((r) => r.body!);
  }
  async listLines(returnOrderNumber: string, company?: string): Promise<ReturnOrderLine[]> {
    return this.d365.collect<ReturnOrderLine>("ReturnOrderLinesV2", {
      filter: f.and(f.eq("dataAreaId", this.company(company)), f.eq("ReturnOrderNumber", returnOrderNumber)),
    });
  }
}

export interface ExchangeRate extends Row {
  RateTypeName: string;
  FromCurrency: string;
  ToCurrency: string;
  StartDate: string;
  Rate: number;
  ConversionFactor?: string;
}

export class ExchangeRates {
  constructor(private readonly d365: D365Client) {}
  async list(options: { from?: string; to?: string; rateType?: string } = {}): Promise<ExchangeRate[]> {
    return this.d365.collect<ExchangeRate>("ExchangeRates", {
      filter:
        f.and(
          options.rateType ? f.eq("RateTypeName", options.rateType) : undefined,
          options.from ? f.eq("FromCurrency", options.from) : undefined,
          options.to ? f.eq("ToCurrency", options.to) : undefined,
        ) || undefined,
      orderBy: "StartDate desc",
    });
  }
  async create(rate: {
    RateTypeName: string;
    FromCurrency: string;
    ToCurrency: string;
    StartDate: string;
    Rate: DecimalInput;
    ConversionFactor?: string;
  }): Promise<ExchangeRate> {
    return this.d365.create<ExchangeRate>("ExchangeRates", { ...rate, Rate: toDec(rate.Rate) });
  }
}

export { enumValue };
export type { EntityKey };
