/**
 * The simulator refuses what F&O refuses and accepts what F&O accepts, on the wire: real 2025 property
 * names, typed JSON values, read-only fields, enum literals and key literals, $batch stop-on-error, the
 * journal name's voucher setting, and the seeds. Each test would have passed a wrong shape through the
 * simulator as it was before (CDM field lists, lenient values).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { SimStore } from "../../../src/local/d365-sim/store";
import { batchBody, batchStatuses, tokenFor, wire } from "./wire";

let sim: D365Simulator;
let d: ReturnType<typeof wire>;
beforeAll(async () => {
  sim = await startD365Simulator({ port: 0, seed: 3 });
  d = wire(sim, await tokenFor(sim));
});
afterAll(async () => sim.stop());
beforeEach(async () => {
  sim.reset();
  d = wire(sim, await tokenFor(sim));
});

const ENUM = "Microsoft.Dynamics.DataEntities";

async function openOrder(extra: Record<string, unknown> = {}): Promise<string> {
  const r = await d.post("SalesOrderHeadersV4", {
    dataAreaId: "usmf",
    CustomersOrderReference: `113-${Math.random().toString().slice(2, 9)}`,
    OrderingCustomerAccountNumber: "AMZ-US",
    DefaultShippingWarehouseId: "FBA-US",
    ...extra,
  });
  expect(r.status, r.message).toBe(201);
  return String(r.json.SalesOrderNumber);
}

const lineOf = (so: string, extra: Record<string, unknown> = {}) => ({
  dataAreaId: "usmf",
  SalesOrderNumber: so,
  ItemNumber: "D0001",
  OrderedSalesQuantity: 2,
  SalesPrice: 49.99,
  ...extra,
});

async function journal(name = "GenJrn"): Promise<string> {
  const r = await d.post("LedgerJournalHeaders", { dataAreaId: "usmf", JournalName: name, Description: `strict ${name}` });
  expect(r.status, r.message).toBe(201);
  return String(r.json.JournalBatchNumber);
}

const journalLine = (jbn: string, n: number, account: string, side: "DebitAmount" | "CreditAmount", amount: number, extra = {}) => ({
  dataAreaId: "usmf",
  JournalBatchNumber: jbn,
  LineNumber: n,
  AccountType: "Ledger",
  AccountDisplayValue: account,
  [side]: amount,
  CurrencyCode: "USD",
  TransDate: "2026-01-15T12:00:00Z",
  ...extra,
});

describe("property names are F&O's 2025 ones", () => {
  it("accepts CalculateLineAmount, IsPriceLocked, OverrideSalesTax and SalesDeliverNow on the real entities", async () => {
    const so = await openOrder({ OverrideSalesTax: "No", SkipCreateAutoCharges: "Yes", SalesOrderPromisingMethod: "None" });
    const line = await d.post(
      "SalesOrderLinesV3",
      lineOf(so, { CalculateLineAmount: "Yes", IsPriceLocked: "Yes", OverrideSalesTax: "No", SalesDeliverNow: 0, SalesPriceQuantity: 2 }),
    );
    expect(line.status, line.message).toBe(201);
    expect(line.json).toMatchObject({ IsPriceLocked: "Yes", CalculateLineAmount: "Yes", LineAmount: 49.99 });
    const jl = await d.post("LedgerJournalLines", journalLine(await journal(), 1, "401100", "CreditAmount", 5, { OverrideSalesTax: "No" }));
    expect(jl.status, jl.message).toBe(201);
  });

  it("refuses a property the entity does not have, naming it and the type", async () => {
    const so = await openOrder();
    const r = await d.post("SalesOrderLinesV3", lineOf(so, { MainAccountId: "401100" }));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/The property 'MainAccountId' does not exist on type 'Microsoft\.Dynamics\.DataEntities\.SalesOrderLineV3'/);
  });

  it("has MainAccounts.MainAccountType (DimensionLedgerAccountType), not Type", async () => {
    const ok = await d.get(`MainAccounts?$filter=MainAccountType eq ${ENUM}.DimensionLedgerAccountType'Revenue'&$select=MainAccountId`);
    expect(ok.status, ok.message).toBe(200);
    expect(ok.json.value!.map((r) => r.MainAccountId)).toContain("401100");
    const old = await d.get("MainAccounts?$select=MainAccountId,Type");
    expect(old.status).toBe(400);
    expect(old.message).toMatch(/property named 'Type'/);
  });

  it("has SalesOrderOriginCodes.OriginDescription, not Description", async () => {
    const ok = await d.get("SalesOrderOriginCodes?$select=OriginCode,OriginDescription&$filter=OriginCode eq 'AMZ-FBA'");
    expect(ok.json.value).toEqual([expect.objectContaining({ OriginCode: "AMZ-FBA", OriginDescription: "Amazon FBA" })]);
    expect((await d.post("SalesOrderOriginCodes", { dataAreaId: "usmf", OriginCode: "AMZ-X", Description: "x" })).status).toBe(400);
    expect((await d.post("SalesOrderOriginCodes", { dataAreaId: "usmf", OriginCode: "AMZ-X", OriginDescription: "x" })).status).toBe(201);
  });

  it("knows the journal name voucher setting members BalanceSheet, Manually and OneVoucher (and no other)", async () => {
    for (const member of ["BalanceSheet", "Manually", "OneVoucher"]) {
      const r = await d.post("JournalNames", {
        dataAreaId: "usmf",
        Name: `J-${member}`,
        Type: "Daily",
        NewVoucher: member,
        VoucherSeriesCode: "X",
      });
      expect(r.status, `${member}: ${r.message}`).toBe(201);
    }
    const old = await d.post("JournalNames", { dataAreaId: "usmf", Name: "J-old", NewVoucher: "InConnectionWithBalance" });
    expect(old.status).toBe(400);
    expect(old.message).toMatch(/Requested value 'InConnectionWithBalance' was not found.*BalanceSheet, Manually, OneVoucher/);
    const manual = await d.get(`JournalNames?$filter=NewVoucher eq ${ENUM}.NewVoucher'Manually'&$select=Name`);
    expect(manual.json.value!.map((r) => r.Name)).toEqual(expect.arrayContaining(["GenJrnMan", "J-Manually"]));
  });

  it("serves $metadata with the schema's entity types, properties, keys and enum types", async () => {
    const r = await d.get("$metadata");
    expect(r.status).toBe(200);
    expect(r.text).toContain(
      '<EntityType Name="SalesOrderLineV3"><Key><PropertyRef Name="dataAreaId"/><PropertyRef Name="InventoryLotId"/></Key>',
    );
    expect(r.text).toContain(`<Property Name="CalculateLineAmount" Type="${ENUM}.NoYes" Nullable="true"/>`);
    expect(r.text).toContain('<Property Name="SalesPrice" Type="Edm.Decimal" Nullable="false"/>');
    expect(r.text).toContain('<EnumType Name="NewVoucher"><Member Name="BalanceSheet" Value="0"/><Member Name="Manually" Value="1"/>');
    expect(r.text).toContain(`<EntitySet Name="PackingSlipTrackingInformation" EntityType="${ENUM}.PackingSlipTrackingInformation"/>`);
  });
});

describe("values are typed as F&O's OData reads JSON", () => {
  it("refuses a DateTimeOffset without a time", async () => {
    const jbn = await journal();
    const r = await d.post("LedgerJournalLines", journalLine(jbn, 1, "401100", "CreditAmount", 5, { TransDate: "2026-01-15" }));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/Cannot convert the literal '2026-01-15' to the expected type 'Edm\.DateTimeOffset'/);
    const ok = await d.post("LedgerJournalLines", journalLine(jbn, 1, "401100", "CreditAmount", 5, { TransDate: "2026-01-15T12:00:00Z" }));
    expect(ok.status).toBe(201);
  });

  it("refuses a decimal sent as a JSON string", async () => {
    const so = await openOrder();
    const r = await d.post("SalesOrderLinesV3", lineOf(so, { SalesPrice: "49.99" }));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/Cannot convert the literal '49\.99' to the expected type 'Edm\.Decimal'. \(property 'SalesPrice'\)/);
    const jl = await d.post("LedgerJournalLines", journalLine(await journal(), 1, "401100", "CreditAmount", 5, { CreditAmount: "5.00" }));
    expect(jl.status).toBe(400);
  });

  it("refuses a fractional Int32 and Int64", async () => {
    const so = await openOrder();
    const int32 = await d.post("SalesOrderLinesV3", lineOf(so, { CustomersLineNumber: 1.5 }));
    expect(int32.status).toBe(400);
    expect(int32.message).toMatch(/expected type 'Edm\.Int32'/);
    const int64 = await d.post("SalesOrderLinesV3", lineOf(so, { Catalog: 2.5 }));
    expect(int64.status).toBe(400);
    expect(int64.message).toMatch(/expected type 'Edm\.Int64'/);
    expect((await d.post("SalesOrderLinesV3", lineOf(so, { CustomersLineNumber: 1 }))).status).toBe(201);
  });

  it("refuses an enum member in the wrong case", async () => {
    const r = await d.post("SalesOrderHeadersV4", {
      dataAreaId: "usmf",
      CustomersOrderReference: "113-case",
      OrderingCustomerAccountNumber: "AMZ-US",
      IsDeliveryAddressOrderSpecific: "yes",
    });
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/Requested value 'yes' was not found/);
  });

  it("refuses null for a non-nullable property", async () => {
    const so = await openOrder();
    const r = await d.post("SalesOrderLinesV3", lineOf(so, { SalesPrice: null }));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/A null value was found for the property named 'SalesPrice'.*Nullable=False/);
  });

  it("refuses the whole PATCH when it names a read-only field, instead of dropping the field", async () => {
    const so = await openOrder();
    const key = `SalesOrderHeadersV4(dataAreaId='usmf',SalesOrderNumber='${so}')`;
    const r = await d.patch(key, { CustomerRequisitionNumber: "PO-1", SalesOrderStatus: "Invoiced" });
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/Field 'SalesOrderStatus' in data entity 'SalesOrderHeaderV4Entity' is read-only/);
    const after = await d.get(key);
    expect(after.json).toMatchObject({ CustomerRequisitionNumber: "", SalesOrderStatus: "Backorder" });
    expect((await d.patch(key, { CustomerRequisitionNumber: "PO-1" })).status).toBe(204);
  });
});

describe("$filter and key literals are typed", () => {
  it("refuses an enum literal of the wrong enum type, of no known enum, or a member spelled differently", async () => {
    const wrongType = await d.get(`SalesOrderHeadersV4?$filter=SalesOrderStatus eq ${ENUM}.NoYes'Yes'`);
    expect(wrongType.status).toBe(400);
    expect(wrongType.message).toMatch(/incompatible types.*SalesStatus.*NoYes/);
    const unknownType = await d.get(`LedgerJournalHeaders?$filter=IsPosted eq ${ENUM}.YesNo'No'`);
    expect(unknownType.status).toBe(400);
    expect(unknownType.message).toMatch(/is not a valid enumeration type constant/);
    const wrongCase = await d.get(`LedgerJournalHeaders?$filter=IsPosted eq ${ENUM}.NoYes'no'`);
    expect(wrongCase.status).toBe(400);
    const otherNamespace = await d.get("LedgerJournalHeaders?$filter=IsPosted eq Microsoft.Dynamics.NoYes'No'");
    expect(otherNamespace.status).toBe(400);
    expect((await d.get(`LedgerJournalHeaders?$filter=IsPosted eq ${ENUM}.NoYes'No'`)).status).toBe(200);
  });

  it("refuses comparing a string property with a number", async () => {
    const r = await d.get("CustomersV3?$filter=CustomerAccount eq 1");
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/incompatible types.*Edm\.String.*Edm\.Int32/);
  });

  it("refuses a string literal for a decimal key, and a bare number for a string key", async () => {
    const jbn = await journal();
    expect((await d.post("LedgerJournalLines", journalLine(jbn, 1, "401100", "CreditAmount", 5))).status).toBe(201);
    const good = await d.get(`LedgerJournalLines(dataAreaId='usmf',JournalBatchNumber='${jbn}',LineNumber=1)`);
    expect(good.status, good.message).toBe(200);
    const quoted = await d.get(`LedgerJournalLines(dataAreaId='usmf',JournalBatchNumber='${jbn}',LineNumber='1')`);
    expect(quoted.status).toBe(400);
    expect(quoted.message).toMatch(/not a valid literal of type 'Edm\.Decimal'/);
    const bare = await d.get(`LedgerJournalHeaders(dataAreaId='usmf',JournalBatchNumber=${jbn})`);
    expect(bare.status).toBe(400);
  });
});

describe("$batch stops at the first failing part unless continue-on-error is preferred", () => {
  const parts = (jbn: string) => [
    { method: "POST", path: "LedgerJournalLines", body: journalLine(jbn, 1, "401100", "CreditAmount", 1) },
    { method: "POST", path: "LedgerJournalLines", body: journalLine(jbn, 2, "000001", "CreditAmount", 1) },
    { method: "POST", path: "LedgerJournalLines", body: journalLine(jbn, 3, "401100", "CreditAmount", 1) },
  ];

  it("answers 200 with the parts up to the failing one and runs nothing after it", async () => {
    const jbn = await journal();
    const r = await d.post("$batch", batchBody(sim.url, parts(jbn)), { "Content-Type": "multipart/mixed; boundary=batch_1" });
    expect(r.status).toBe(200);
    expect(batchStatuses(r.text)).toEqual([201, 400]);
    expect(r.headers.get("preference-applied")).toBeNull();
    expect(sim.rows("LedgerJournalLines").map((l) => l.LineNumber)).toEqual([1]);
  });

  it("with Prefer: odata.continue-on-error runs every part and says so", async () => {
    const jbn = await journal();
    const r = await d.post("$batch", batchBody(sim.url, parts(jbn)), {
      "Content-Type": "multipart/mixed; boundary=batch_1",
      Prefer: "odata.continue-on-error",
    });
    expect(batchStatuses(r.text)).toEqual([201, 400, 201]);
    expect(r.headers.get("preference-applied")).toBe("odata.continue-on-error");
    expect(sim.rows("LedgerJournalLines").map((l) => l.LineNumber)).toEqual([1, 3]);
  });

  it("keeps change sets atomic: a failing change set writes nothing and ends the batch", async () => {
    const jbn = await journal();
    const [a, b, c] = parts(jbn);
    const r = await d.post("$batch", batchBody(sim.url, [[a!, b!], c!]), { "Content-Type": "multipart/mixed; boundary=batch_1" });
    expect(batchStatuses(r.text)).toEqual([400]);
    expect(sim.rows("LedgerJournalLines")).toEqual([]);
  });
});

describe("the journal name's voucher setting decides a line's voucher", () => {
  it("a journal name with manual vouchers refuses a line without one and takes a line with one", async () => {
    const jbn = await journal("GenJrnMan");
    const r = await d.post("LedgerJournalLines", journalLine(jbn, 1, "401100", "CreditAmount", 5));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/Voucher must be filled in.*GenJrnMan.*Manual/);
    const ok = await d.post("LedgerJournalLines", journalLine(jbn, 1, "401100", "CreditAmount", 5, { Voucher: "AMZ-1-1" }));
    expect(ok.status).toBe(201);
    expect(ok.json.Voucher).toBe("AMZ-1-1");
  });

  it("'in connection with balance' takes a new number from the series once the open voucher balances", async () => {
    const jbn = await journal("GenJrn");
    const lines = [
      journalLine(jbn, 1, "401100", "CreditAmount", 10),
      journalLine(jbn, 2, "110180", "DebitAmount", 10),
      journalLine(jbn, 3, "401100", "CreditAmount", 4),
      journalLine(jbn, 4, "605100", "DebitAmount", 1),
      journalLine(jbn, 5, "110180", "DebitAmount", 3),
    ];
    const vouchers: string[] = [];
    for (const l of lines) vouchers.push(String((await d.post("LedgerJournalLines", l)).json.Voucher));
    expect(vouchers[0]).toMatch(/^GNJL\d{6}$/);
    expect(vouchers).toEqual([vouchers[0], vouchers[0], vouchers[2], vouchers[2], vouchers[2]]);
    expect(vouchers[2]).not.toBe(vouchers[0]);
    sim.postJournal(jbn);
  });

  it("one voucher only gives every line the same voucher; allocation at posting renumbers when posted", async () => {
    const one = await journal("GenJrnOne");
    const a = await d.post("LedgerJournalLines", journalLine(one, 1, "401100", "CreditAmount", 10));
    const b = await d.post("LedgerJournalLines", journalLine(one, 2, "110180", "DebitAmount", 10));
    const c = await d.post("LedgerJournalLines", journalLine(one, 3, "401100", "CreditAmount", 1));
    expect(new Set([a.json.Voucher, b.json.Voucher, c.json.Voucher]).size).toBe(1);
    const post = await journal("GenJrnPost");
    await d.post("LedgerJournalLines", journalLine(post, 1, "401100", "CreditAmount", 10, { Voucher: "TMP-1" }));
    await d.post("LedgerJournalLines", journalLine(post, 2, "110180", "DebitAmount", 10, { Voucher: "TMP-1" }));
    sim.postJournal(post);
    const posted = sim.rows("LedgerJournalLines").filter((l) => l.JournalBatchNumber === post);
    expect(posted.map((l) => l.Voucher)).toEqual(["GNJP000001", "GNJP000001"]);
  });

  it("refuses to post a journal whose voucher does not balance", async () => {
    const jbn = await journal("GenJrnMan");
    await d.post("LedgerJournalLines", journalLine(jbn, 1, "401100", "CreditAmount", 10, { Voucher: "V1" }));
    await d.post("LedgerJournalLines", journalLine(jbn, 2, "110180", "DebitAmount", 10, { Voucher: "V2" }));
    const err = (() => {
      try {
        sim.postJournal(jbn);
      } catch (e) {
        return e as { body?: unknown };
      }
    })();
    expect(JSON.stringify(err?.body)).toMatch(/voucher V1 do not balance as per 2026-01-15/);
  });
});

describe("seeds fit the schema", () => {
  it("checks every seeded row: a field the entity lacks or a wrong type fails with the set and the field", () => {
    const store = new SimStore("usmf", () => new Date());
    expect(() => store.put("MainAccounts", { ChartOfAccounts: "Shared", MainAccountId: "1", Name: "x", Type: "Revenue" }, "seed")).toThrow(
      /seed MainAccounts: 'Type' is not a property of MainAccount/,
    );
    expect(() => store.put("ReleasedProductsV2", { dataAreaId: "usmf", ItemNumber: "X", SalesPrice: "9.99" }, "seed")).toThrow(
      /seed ReleasedProductsV2: 'SalesPrice' = "9\.99".*Edm\.Decimal/,
    );
  });

  it("refuses to start with extra rows that do not fit, naming the set and the field", async () => {
    const err = await startD365Simulator({
      port: 0,
      extraRows: { ReturnDispositionCodes: [{ dataAreaId: "usmf", DispositionCode: "X", DispositionAction: "Refund" }] },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/seed ReturnDispositionCodes: 'DispositionAction' = "Refund"/);
  });

  it("takes rows through the control API only when they fit the schema", async () => {
    const bad = await fetch(`${sim.url}/_control/entities/ReturnReasonCodeBiEntities`, {
      method: "POST",
      body: JSON.stringify({ rows: [{ dataAreaId: "usmf", ReasonCodeId: "X", Reason: "no such field" }] }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/'Reason' is not a property/);
  });
});
