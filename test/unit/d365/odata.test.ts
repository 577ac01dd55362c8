import { describe, expect, it } from "vitest";
import { buildQueryString, dateOnly, enumValue, f, formatKey, literal, quote, toODataJson } from "../../../src/d365/odata";
import { dec } from "../../../src/platform/money";

describe("OData literals and keys", () => {
  it("doubles single quotes in string literals", () => {
    expect(quote("O'Brien's")).toBe("'O''Brien''s'");
    expect(f.eq("OrganizationName", "O'Brien")).toBe("OrganizationName eq 'O''Brien'");
  });

  it("writes enum literals in the Microsoft.Dynamics.DataEntities namespace", () => {
    expect(literal(enumValue("SalesStatus", "Backorder"))).toBe("Microsoft.Dynamics.DataEntities.SalesStatus'Backorder'");
    expect(f.eq("SalesOrderStatus", enumValue("SalesStatus", "Backorder"))).toBe(
      "SalesOrderStatus eq Microsoft.Dynamics.DataEntities.SalesStatus'Backorder'",
    );
  });

  it("URL-encodes every key value, quotes included", () => {
    expect(formatKey({ dataAreaId: "usmf", CustomerAccount: "O'B&1 /#" })).toBe(
      "(dataAreaId=%27usmf%27,CustomerAccount=%27O%27%27B%261%20%2F%23%27)",
    );
    expect(formatKey({ dataAreaId: "usmf", JournalBatchNumber: "00501", LineNumber: 3 })).toBe(
      "(dataAreaId=%27usmf%27,JournalBatchNumber=%2700501%27,LineNumber=3)",
    );
  });

  it("writes decimals and dates exactly", () => {
    expect(literal(dec("12.30"))).toBe("12.3");
    expect(literal(new Date("2026-01-31T00:00:00Z"))).toBe("2026-01-31T00:00:00Z");
    expect(dateOnly("2026-01-31")).toBe("2026-01-31T12:00:00Z");
    expect(() => literal(Number.NaN)).toThrow();
  });

  it("builds or-chains instead of `in`, and wildcards for contains", () => {
    expect(f.anyOf("ItemNumber", ["A", "B'"])).toBe("(ItemNumber eq 'A' or ItemNumber eq 'B''')");
    expect(f.anyOf("ItemNumber", ["A"])).toBe("ItemNumber eq 'A'");
    expect(() => f.anyOf("ItemNumber", [])).toThrow();
    expect(f.contains("Name", "retail")).toBe("Name eq '*retail*'");
    expect(f.and(f.eq("a", 1), undefined, f.or(f.eq("b", "x"), f.eq("c", true)))).toBe("(a eq 1) and ((b eq 'x') or (c eq true))");
  });

  it("encodes query options and adds cross-company=true unless told otherwise", () => {
    expect(buildQueryString({ filter: "Name eq 'a b'", select: ["A", "B"], orderBy: "A desc", top: 5, count: true })).toBe(
      "$filter=Name%20eq%20%27a%20b%27&$select=A%2CB&$orderby=A%20desc&$top=5&$count=true&cross-company=true",
    );
    expect(buildQueryString({ crossCompany: false })).toBe("");
  });

  it("serializes Dec amounts as exact JSON numbers and leaves out undefined properties", () => {
    const json = toODataJson({
      DebitAmount: dec("0.1000000000000000055511151231257827"),
      CreditAmount: undefined,
      Text: "x",
      Status: enumValue("NoYes", "Yes"),
    });
    expect(json).toBe('{"DebitAmount":0.1000000000000000055511151231257827,"Text":"x","Status":"Yes"}');
  });
});
