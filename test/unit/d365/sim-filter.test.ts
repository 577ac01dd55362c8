import { describe, expect, it } from "vitest";
import { evaluate, parseFilter, type FieldInfo } from "../../../src/local/d365-sim/filter";

const info = (field: string): FieldInfo =>
  field === "Qty"
    ? { kind: "number" }
    : field === "Status"
      ? { kind: "enum", enumName: "SalesStatus" }
      : field === "When"
        ? { kind: "date" }
        : { kind: "string" };
const row = { Name: "Contoso Retail", Qty: 5, Status: "Backorder", When: "2026-01-15T12:00:00Z", Ref: "O'Brien" };
const match = (filter: string) => evaluate(parseFilter(filter), row, info);

describe("simulator $filter (the subset D365 supports)", () => {
  it("compares strings without case and matches * wildcards inside eq", () => {
    expect(match("Name eq 'contoso retail'")).toBe(true);
    expect(match("Name eq '*RETAIL*'")).toBe(true);
    expect(match("Name eq 'Cont*'")).toBe(true);
    expect(match("Name ne '*tail'")).toBe(false);
    expect(match("Ref eq 'O''Brien'")).toBe(true);
  });

  it("handles numbers, dates, enums, not, and/or precedence and parentheses", () => {
    expect(match("Qty gt 4 and Qty le 5")).toBe(true);
    expect(match("When ge 2026-01-01 and When lt 2026-02-01T00:00:00Z")).toBe(true);
    expect(match("Status eq Microsoft.Dynamics.DataEntities.SalesStatus'Backorder'")).toBe(true);
    expect(match("Qty eq 1 or Qty eq 5 and Name eq 'x'")).toBe(false);
    expect(match("(Qty eq 1 or Qty eq 5) and not (Name eq 'x')")).toBe(true);
    expect(match("5 eq Qty")).toBe(true);
  });

  it("refuses in, has, arithmetic and functions", () => {
    expect(() => parseFilter("Name in ('a','b')")).toThrow(/The query specified in the URI is not valid. Syntax error at position 5/);
    expect(() => parseFilter("Qty add 1 eq 2")).toThrow(/not valid/);
    expect(() => parseFilter("contains(Name,'x')")).toThrow(/unknown function/);
    expect(() => parseFilter("Name eq 'open")).toThrow(/unterminated/);
  });

  it("refuses comparing an enum with a plain string", () => {
    expect(() => match("Status eq 'Backorder'")).toThrow(/incompatible types/);
  });
});
