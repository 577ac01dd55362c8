/**
 * Every field the app writes to D365 exists in F&O's 2025 metadata with the type the app sends: the real
 * writers (the orders transform through the sales-order adapter, the settlement journal adapter, the DMF
 * General journal columns) run against a recording client, and each body is read with the simulator's
 * schema. A failure lists every unknown or mistyped field at once.
 */
import { describe, expect, it } from "vitest";
import type { BatchOperation, D365Client } from "../../../src/d365/client";
import { LedgerJournals } from "../../../src/d365/entities";
import { toODataJson } from "../../../src/d365/odata";
import { toSalesOrder } from "../../../src/flows/orders/transform";
import { toReturnOrder } from "../../../src/flows/returns/transform";
import type { JournalLine } from "../../../src/flows/settlements/journal";
import { ODataSalesOrders } from "../../../src/wiring/adapters/d365-sales-orders";
import { d365LedgerJournals, GENERAL_JOURNAL_COLUMNS } from "../../../src/wiring/adapters/ledger-journals";
import { ODataReturnOrders } from "../../../src/wiring/adapters/d365-return-orders";
import { ReturnMappings } from "../../../src/mapping/returns";
import { ODataInventoryJournals } from "../../../src/wiring/adapters/d365-inventory-journals";
import { GENERAL_JOURNAL_ENTITY_FIELDS } from "../../../src/local/d365-sim/dmf";
import { ENTITY_BY_SET } from "../../../src/local/d365-sim/schema";
import { readBody } from "../../../src/local/d365-sim/values";
import { Mappings } from "../../../src/mapping/mappings";
import { anAmazonOrder, anOrderItem, testMappings, UK, US } from "../../unit/orders/builders";

interface Write {
  set: string;
  mode: "create" | "update";
  body: Record<string, unknown>;
}

/** A D365 client that records what would go on the wire (bodies as toODataJson writes them) and answers as D365 would. */
function recordingClient(): { client: D365Client; writes: Write[] } {
  const writes: Write[] = [];
  const wire = (body: unknown) => JSON.parse(toODataJson(body)) as Record<string, unknown>;
  const answer = (body: Record<string, unknown>) => ({ SalesOrderNumber: "000701", JournalBatchNumber: "00501", IsPosted: "No", ...body });
  const client = {
    company: "usmf",
    async create(set: string, body: object) {
      const b = wire(body);
      writes.push({ set, mode: "create", body: b });
      return answer(b);
    },
    async update(set: string, _key: unknown, patch: object) {
      writes.push({ set, mode: "update", body: wire(patch) });
    },
    async batch(ops: readonly BatchOperation[]) {
      return ops.map((op, index) => {
        const b = wire(op.body ?? {});
        if (op.method === "POST" || op.method === "PATCH")
          writes.push({ set: op.entitySet, mode: op.method === "POST" ? "create" : "update", body: b });
        return { index, status: 201, ok: true, body: answer(b) };
      });
    },
    async collect() {
      return [];
    },
    query() {
      return { first: async () => undefined, collect: async () => [] };
    },
    async getByKey() {
      return { dataAreaId: "usmf", SalesOrderNumber: "000701", SalesOrderStatus: "Backorder" };
    },
    async delete() {},
  };
  return { client: client as unknown as D365Client, writes };
}

/** Each field of each write read with the simulator's schema: "Set.Field (create): why". */
function schemaProblems(writes: Write[]): string[] {
  const problems: string[] = [];
  for (const w of writes) {
    const def = ENTITY_BY_SET.get(w.set);
    if (!def) {
      problems.push(`${w.set}: no such entity set`);
      continue;
    }
    for (const [field, value] of Object.entries(w.body)) {
      try {
        readBody(def, { [field]: value }, w.mode);
      } catch (err) {
        const body = (err as { body?: { error?: { message?: string; innererror?: { message?: string } } } }).body;
        problems.push(
          `${w.set}.${field} (${w.mode}${def.verified ? "" : ", unverified set"}): ${body?.error?.innererror?.message ?? body?.error?.message ?? String(err)}`,
        );
      }
    }
  }
  return [...new Set(problems)];
}

describe("every field the app writes exists in F&O's metadata with the type sent", () => {
  it("sales order headers, lines and charges from the orders transform, and a stop-processing PATCH", async () => {
    const { client, writes } = recordingClient();
    const orders = new ODataSalesOrders(client);
    const shipped = Mappings.load("mappings");
    const us = anAmazonOrder({
      marketplaceId: "ATVPDKIKX0DER",
      fulfillmentChannel: "AFN",
      shippingAddress: {
        name: "Buyer",
        addressLine1: "1 Main St",
        city: "SEATTLE",
        stateOrRegion: "WA",
        postalCode: "98109",
        countryCode: "US",
      },
    });
    const usItems = [
      anOrderItem({
        sku: "DEMO-SPEAKER-BLK",
        quantityOrdered: 3,
        itemPrice: { amount: "10.00", currency: "USD" },
        promotionDiscount: { amount: "1.00", currency: "USD" },
      }),
      anOrderItem({
        sku: "DEMO-HEADPHONES",
        quantityOrdered: 1,
        itemPrice: { amount: "89.00", currency: "USD" },
        shippingPrice: { amount: "4.99", currency: "USD" },
      }),
    ];
    const uk = anAmazonOrder({
      marketplaceId: UK,
      fulfillmentChannel: "MFN",
      shippingAddress: { city: "LONDON", stateOrRegion: "KENT", postalCode: "SW1A 1AA", countryCode: "GB" },
    });
    const ukItems = [
      anOrderItem({
        sku: "SKU-A",
        itemPrice: { amount: "20.00", currency: "GBP" },
        shippingPrice: { amount: "3.50", currency: "GBP" },
      }),
    ];
    const usTest = anAmazonOrder({ marketplaceId: US });
    const usTestItems = [
      anOrderItem({
        sku: "SKU-6PACK",
        quantityOrdered: 1,
        itemPrice: { amount: "10.00", currency: "USD" },
        shippingPrice: { amount: "2.00", currency: "USD" },
      }),
    ];
    for (const draft of [
      toSalesOrder(us, usItems, shipped),
      toSalesOrder(uk, ukItems, testMappings()),
      toSalesOrder(usTest, usTestItems, testMappings()),
    ]) {
      const ref = await orders.createHeader(draft.header);
      await orders.createLines(draft.dataAreaId, ref.SalesOrderNumber, draft.lines);
      if (draft.charges.length) await orders.createCharges(draft.dataAreaId, ref.SalesOrderNumber, draft.charges);
    }
    await orders.cancel("usmf", "000701", "stop-processing");
    expect(new Set(writes.map((w) => w.set))).toEqual(new Set(["SalesOrderHeadersV4", "SalesOrderLinesV3", "SalesOrderHeaderChargesV2"]));
    expect(schemaProblems(writes)).toEqual([]);
  });

  it("settlement journal headers and lines through OData, the release of a journal on hold included", async () => {
    const { client, writes } = recordingClient();
    const journals = d365LedgerJournals(new LedgerJournals(client));
    const { journalBatchNumber } = await journals.createHeader("usmf", {
      journalName: "GenJrn",
      description: "HOLD Amazon settlement 1234 USD (importing)",
    });
    const line = (n: number, side: "debit" | "credit"): JournalLine => ({
      lineNumber: n,
      voucher: 1,
      account: n === 1 ? "401100" : "110180",
      accountType: "Ledger",
      accountDisplayValue: n === 1 ? "401100" : "110180-001",
      dimensions: n === 1 ? {} : { BusinessUnit: "001" },
      debit: side === "debit" ? "12.34" : "0",
      credit: side === "credit" ? "12.34" : "0",
      currency: "USD",
      date: "2026-01-31",
      text: "Amazon settlement 1234",
      kind: n === 1 ? "income" : "deposit",
      document: "1234",
      key: `2026-01-31|Ledger|${n}`,
    });
    await journals.createLines("usmf", journalBatchNumber, [line(1, "credit"), line(2, "debit")]);
    await journals.setDescription("usmf", journalBatchNumber, "Amazon settlement 1234 USD");
    expect(writes.map((w) => w.set)).toEqual(["LedgerJournalHeaders", "LedgerJournalLines", "LedgerJournalLines", "LedgerJournalHeaders"]);
    expect(writes[1]!.body).toMatchObject({ Voucher: "AMZ-1234-1", Document: "1234" });
    expect(schemaProblems(writes)).toEqual([]);
  });

  it("return order headers and lines from the returns transform (FBA with a disposition, FBM, a variant item)", async () => {
    const { client, writes } = recordingClient();
    const port = new ODataReturnOrders(client);
    const shipped = Mappings.load("mappings");
    const so = {
      dataAreaId: "usmf",
      salesOrderNumber: "000701",
      customerAccount: "AMZ-US",
      currency: "USD",
      lines: [{ itemNumber: "D0001", salesPrice: "54.11", salesUnit: "ea" }],
    };
    const variants = Mappings.fromObjects({
      marketplaces: shipped.marketplacesFile,
      skus: { items: [{ sellerSku: "SHIRT-RED-M", itemNumber: "D0001", colorId: "RED", sizeId: "M", styleId: "S", configurationId: "C" }] },
      statuses: shipped.statusFile,
    });
    const returns = ReturnMappings.load("mappings");
    const cases = [
      { channel: "FBA" as const, sku: "DEMO-SPEAKER-BLK", disposition: "CUSTOMER_DAMAGED", mappings: shipped },
      { channel: "FBM" as const, sku: "DEMO-SPEAKER-BLK", disposition: undefined, mappings: shipped },
      { channel: "FBA" as const, sku: "SHIRT-RED-M", disposition: "SELLABLE", mappings: variants },
    ];
    for (const c of cases) {
      const draft = toReturnOrder(
        {
          key: `${c.channel}|111-1|R1`,
          channel: c.channel,
          amazonOrderId: "111-1",
          returnId: "R1",
          marketplaceId: US,
          items: [{ sku: c.sku, quantity: 1, reason: "DEFECTIVE", ...(c.disposition ? { disposition: c.disposition } : {}) }],
        },
        so,
        c.mappings,
        returns,
      );
      await port.createReturnOrder(draft.header);
      await port.createReturnLines("usmf", "000702", draft.lines);
    }
    expect(new Set(writes.map((w) => w.set))).toEqual(new Set(["ReturnOrderHeadersV2", "ReturnOrderLinesV2"]));
    expect(schemaProblems(writes)).toEqual([]);
  });

  it("inventory counting and adjustment journals of the FBA reconciliation (headers and lines)", async () => {
    const { client, writes } = recordingClient();
    const journals = new ODataInventoryJournals(client);
    for (const kind of ["counting", "adjustment"] as const) {
      const h = await journals.createHeader(kind, {
        company: "usmf",
        description: "Amazon FBA reconciliation ATVPDKIKX0DER 2026-03-02T10:00Z",
        warehouseId: "FBA-US",
        journalNameId: "InvCount",
      });
      await journals.addLines(kind, "usmf", h.journalNumber, [
        {
          lineNumber: 1,
          itemNumber: "D0002",
          warehouseId: "FBA-US",
          siteId: "FBA",
          countedQuantity: "44",
          adjustmentQuantity: "-4",
          date: "2026-03-02T12:00:00Z",
        },
      ]);
    }
    expect(writes.map((w) => w.set)).toEqual([
      "InventoryCountingJournalHeaders",
      "InventoryCountingJournalLines",
      "InventoryAdjustmentJournalHeaders",
      "InventoryAdjustmentJournalEntriesV2",
    ]);
    expect(schemaProblems(writes)).toEqual([]);
  });

  it("the General journal DMF columns are fields of the General journal entity", () => {
    expect(GENERAL_JOURNAL_COLUMNS.filter((c) => !GENERAL_JOURNAL_ENTITY_FIELDS.includes(c))).toEqual([]);
  });

  it("catches a wrong field: the check is not vacuous", () => {
    expect(
      schemaProblems([
        { set: "MainAccounts", mode: "create", body: { Type: "Revenue" } },
        { set: "SalesOrderLinesV3", mode: "create", body: { SalesPrice: "1.50", IsPriceLocked: "yes" } },
        { set: "SalesOrderHeadersV4", mode: "update", body: { SalesOrderStatus: "Canceled" } },
      ]),
    ).toEqual([
      expect.stringMatching(/^MainAccounts\.Type \(create\): The property 'Type' does not exist/),
      expect.stringMatching(/^SalesOrderLinesV3\.SalesPrice \(create\): Cannot convert the literal '1\.50'/),
      expect.stringMatching(/^SalesOrderLinesV3\.IsPriceLocked \(create\): Requested value 'yes' was not found/),
      expect.stringMatching(/^SalesOrderHeadersV4\.SalesOrderStatus \(update\): .*read-only/),
    ]);
  });
});
