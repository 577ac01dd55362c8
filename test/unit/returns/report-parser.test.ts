import iconv from "iconv-lite";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { FBA_RETURNS_COLUMNS, FBM_RETURNS_COLUMNS } from "../../../src/amazon/reports";
import { parseReportDate, parseReturnsReport } from "../../../src/flows/returns/report-parser";
import { anFbaRow, anFbmRow, fbaReport, fbmReport } from "./builders";

describe("the FBA customer returns report", () => {
  it("reads a return per order and license plate, with SKU, quantity, reason, disposition and Amazon's status", () => {
    const parsed = parseReturnsReport("fba", fbaReport([anFbaRow({ quantity: "2", "detailed-disposition": "CUSTOMER_DAMAGED" })]), {
      marketplaceId: "ATVPDKIKX0DER",
      reportId: "R1",
    });
    expect(parsed.fatal).toBeUndefined();
    expect(parsed.problems).toEqual([]);
    expect(parsed.returns).toEqual([
      {
        key: "FBA|111-0000001-0000001|LPNAAAA0001",
        channel: "FBA",
        amazonOrderId: "111-0000001-0000001",
        returnId: "LPNAAAA0001",
        marketplaceId: "ATVPDKIKX0DER",
        returnDate: "2026-11-12T10:00:00.000Z",
        items: [
          {
            sku: "DEMO-SPEAKER-BLK",
            asin: "B0DEMO0001",
            fnsku: "X0DEMO0001",
            quantity: 2,
            reason: "UNWANTED_ITEM",
            disposition: "CUSTOMER_DAMAGED",
            amazonStatus: "Unit returned to inventory",
            fulfillmentCenterId: "PHX7",
          },
        ],
        source: { reportId: "R1", line: 2 },
      },
    ]);
  });

  it("finds columns by name: amazon-order-id instead of order-id, another order, other case and spaces, unknown columns", () => {
    const columns = [
      "License-Plate-Number ",
      "amazon-order-id",
      "SKU",
      "Quantity",
      "return-date",
      "reason",
      "detailed-disposition",
      "new-column",
    ];
    const values = ["LPNAAAA0001", "222-1", "DEMO-SPEAKER-BLK", "1", "2026-11-12T10:00:00+00:00", "DEFECTIVE", "SELLABLE", "x"];
    const parsed = parseReturnsReport("fba", `${columns.join("\t")}\n${values.join("\t")}\n`);
    expect(parsed.fatal).toBeUndefined();
    expect(parsed.unknownColumns).toEqual(["new-column"]);
    expect(parsed.returns[0]).toMatchObject({
      amazonOrderId: "222-1",
      returnId: "LPNAAAA0001",
      items: [{ sku: "DEMO-SPEAKER-BLK", quantity: 1 }],
    });
  });

  it("reads windows-1252 bytes (umlauts in Amazon's text) and UTF-8 with a byte-order mark", () => {
    const text = fbaReport([anFbaRow({ status: "Zurück ins Lager – geprüft", "customer-comments": "Gerät lässt sich nicht einschalten" })]);
    const cp1252 = parseReturnsReport("fba", iconv.encode(text, "win1252"));
    expect(cp1252.encoding).toBe("windows-1252");
    expect(cp1252.returns[0].items[0].amazonStatus).toBe("Zurück ins Lager – geprüft");
    expect(cp1252.returns[0].hasCustomerComment).toBe(true);
    const bom = parseReturnsReport("fba", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]));
    expect(bom.encoding).toBe("utf-8-bom");
    expect(bom.returns[0].items[0].amazonStatus).toBe("Zurück ins Lager – geprüft");
    const utf16 = parseReturnsReport("fba", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]));
    expect(utf16.encoding).toBe("utf-16le");
    expect(utf16.returns).toHaveLength(1);
  });

  it("keeps no buyer text: customer comments and product names are not in what it returns", () => {
    const parsed = parseReturnsReport("fba", fbaReport([anFbaRow({ "customer-comments": "Call me at 555-0100, Jane Roe" })]));
    expect(JSON.stringify(parsed)).not.toMatch(/Jane|555-0100|Demo speaker/);
  });

  it("reports a bad row with its line number and reads the others", () => {
    const parsed = parseReturnsReport(
      "fba",
      fbaReport([
        anFbaRow({ "license-plate-number": "LPN1" }),
        anFbaRow({ "license-plate-number": "LPN2", "return-date": "2026-13-45T25:61:00+00:00", quantity: "two" }),
        anFbaRow({ "license-plate-number": "LPN3", "order-id": "" }),
        anFbaRow({ "license-plate-number": "LPN4", quantity: "0" }),
        anFbaRow({ "license-plate-number": "LPN5" }),
      ]),
    );
    expect(parsed.rows).toBe(5);
    expect(parsed.returns.map((r) => r.returnId)).toEqual(["LPN1", "LPN5"]);
    expect(parsed.problemCount).toBe(3);
    expect(parsed.problems).toEqual([
      { line: 3, message: 'return-date "2026-13-45T25:61:00+00:00" is not a date; quantity "two" is not a whole number above 0' },
      { line: 4, message: "order-id is empty" },
      { line: 5, message: 'quantity "0" is not a whole number above 0' },
    ]);
  });

  it("counts a line split by a stray tab or cut short as a problem, skips blank lines and reads CRLF files", () => {
    const good = fbaReport([anFbaRow({ "license-plate-number": "LPN1" })]).split("\n");
    const text = [good[0], good[1], "", `${good[1]!.replace("LPN1", "LPN2")}\textra`, good[1]!.split("\t").slice(0, 4).join("\t"), ""].join(
      "\r\n",
    );
    const parsed = parseReturnsReport("fba", text);
    expect(parsed.returns.map((r) => r.returnId)).toEqual(["LPN1"]);
    expect(parsed.problems.map((p) => p.line)).toEqual([4, 5]);
    expect(parsed.problems[0]!.message).toContain("a tab inside a value");
    expect(parsed.problems[1]!.message).toContain("truncated");
  });

  it("reads a row whose trailing empty fields Amazon left out", () => {
    const line = fbaReport([anFbaRow()]).split("\n")[1]!.replace(/\t+$/, "");
    const parsed = parseReturnsReport("fba", `${FBA_RETURNS_COLUMNS.join("\t")}\n${line}\n`);
    expect(parsed.problems).toEqual([]);
    expect(parsed.returns).toHaveLength(1);
  });

  it("reads a row repeated by an overlapping report once, the later reading winning", () => {
    const parsed = parseReturnsReport(
      "fba",
      fbaReport([
        anFbaRow({ status: "Unit returned to inventory" }),
        anFbaRow({ status: "Reimbursed", "detailed-disposition": "DAMAGED" }),
      ]),
    );
    expect(parsed.returns).toHaveLength(1);
    expect(parsed.duplicateRows).toBe(1);
    expect(parsed.returns[0].items).toMatchObject([{ amazonStatus: "Reimbursed", disposition: "DAMAGED" }]);
  });

  it("keys a row without a license plate by its own content, the same in every report", () => {
    const row = anFbaRow({ "license-plate-number": "" });
    const a = parseReturnsReport("fba", fbaReport([row]));
    const b = parseReturnsReport("fba", fbaReport([anFbaRow({ "license-plate-number": "LPN9" }), row]));
    expect(a.returns[0].returnId).toMatch(/^row-[0-9a-f]{16}$/);
    expect(b.returns.find((r) => r.returnId.startsWith("row-"))?.key).toBe(a.returns[0].key);
  });

  it("refuses files that are not this report, saying what they are", () => {
    const cases: [string | Uint8Array, string][] = [
      [fbmReport([anFbmRow()]), "returns.columns"],
      ['{"errors":[{"code":"InvalidInput"}]}', "returns.json"],
      ["<?xml version='1.0'?><AmazonEnvelope/>", "returns.xml"],
      [gzipSync(Buffer.from(fbaReport([anFbaRow()]))), "returns.gzip"],
      [Buffer.from(fbaReport([anFbaRow()]), "utf16le"), "returns.binary"],
      ["return-date,order-id,sku,quantity,reason\n", "returns.not-tab-separated"],
      [new Uint8Array(0), "returns.empty"],
      ["return-date\torder-id\tsku\tsku\tquantity\treason\n", "returns.duplicate-column"],
    ];
    for (const [content, code] of cases) {
      const parsed = parseReturnsReport("fba", content);
      expect(parsed.fatal?.code, code).toBe(code);
      expect(parsed.returns).toEqual([]);
    }
    expect(parseReturnsReport("fba", fbmReport([anFbmRow()])).fatal?.message).toContain("this looks like the FBM returns report");
  });
});

describe("the FBM (seller-fulfilled) returns report", () => {
  it("reads one return per order and Amazon RMA ID, its SKUs as lines", () => {
    const parsed = parseReturnsReport(
      "fbm",
      fbmReport([
        anFbmRow(),
        anFbmRow({ "Merchant SKU": "DEMO-CABLE-USBC-2M", "Return quantity": "2", "Return Reason": "UNWANTED_ITEM" }),
        anFbmRow({ "Amazon RMA ID": "DSECONDRMA", "Return request date": "2026-11-21" }),
      ]),
      { marketplaceId: "ATVPDKIKX0DER" },
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.returns.map((r) => [r.key, r.returnDate, r.items.map((i) => `${i.sku}x${i.quantity} ${i.reason}`)])).toEqual([
      [
        "FBM|111-0000002-0000002|DABCDEFGHRMA",
        "2026-11-18T00:00:00.000Z",
        ["DEMO-CHARGER-65Wx1 DEFECTIVE", "DEMO-CABLE-USBC-2Mx2 UNWANTED_ITEM"],
      ],
      ["FBM|111-0000002-0000002|DSECONDRMA", "2026-11-21T00:00:00.000Z", ["DEMO-CHARGER-65Wx1 DEFECTIVE"]],
    ]);
    expect(parsed.returns[0].items[0].disposition).toBeUndefined();
  });

  it("matches its mixed-case, spaced column names whatever their order and case", () => {
    const columns = [...FBM_RETURNS_COLUMNS].reverse().map((c) => c.toUpperCase());
    const row = Object.fromEntries(Object.entries(anFbmRow()).map(([k, v]) => [k.toUpperCase(), v]));
    const parsed = parseReturnsReport("fbm", `${columns.join("\t")}\n${columns.map((c) => row[c] ?? "").join("\t")}\n`);
    expect(parsed.problems).toEqual([]);
    expect(parsed.returns[0]?.returnId).toBe("DABCDEFGHRMA");
  });

  it("reports a row without an RMA or with a bad date by line number", () => {
    const parsed = parseReturnsReport(
      "fbm",
      fbmReport([anFbmRow({ "Amazon RMA ID": "" }), anFbmRow({ "Return request date": "31/31/2026" }), anFbmRow()]),
    );
    expect(parsed.returns).toHaveLength(1);
    expect(parsed.problems).toEqual([
      { line: 2, message: "Amazon RMA ID is empty" },
      { line: 3, message: 'Return request date "31/31/2026" is not a date' },
    ]);
  });
});

describe("report dates", () => {
  it("reads ISO date-times with offsets, plain dates and the other forms Amazon's flat files use, in UTC", () => {
    expect(parseReportDate("2026-11-12T10:00:00+00:00")).toBe("2026-11-12T10:00:00.000Z");
    expect(parseReportDate("2026-11-12T10:00:00-08:00")).toBe("2026-11-12T18:00:00.000Z");
    expect(parseReportDate("2026-11-12T10:00:00Z")).toBe("2026-11-12T10:00:00.000Z");
    expect(parseReportDate("2026-11-12 10:00:00 UTC")).toBe("2026-11-12T10:00:00.000Z");
    expect(parseReportDate("2026-11-12")).toBe("2026-11-12T00:00:00.000Z");
    expect(parseReportDate("12.11.2026")).toBe("2026-11-12T00:00:00.000Z");
    expect(parseReportDate("12-Nov-2026")).toBe("2026-11-12T00:00:00.000Z");
    expect(parseReportDate("11/12/2026")).toBe("2026-11-12T00:00:00.000Z");
  });

  it("refuses impossible calendar values", () => {
    for (const bad of ["2026-13-45T25:61:00+00:00", "2026-02-30", "31.02.2026", "yesterday", "", "2026-11-12T24:00:00Z"])
      expect(parseReportDate(bad), bad).toBeUndefined();
  });
});
