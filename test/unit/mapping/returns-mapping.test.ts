import { describe, expect, it } from "vitest";
import { isCodeGap, normalizeReturnCode, ReturnMappings, ReturnsFile } from "../../../src/mapping/returns";
import { ConfigurationError } from "../../../src/platform/errors";

const shipped = ReturnMappings.load("mappings");

describe("mappings/returns.json", () => {
  it("compares Amazon's spellings of one code as one: FBA UPPER_SNAKE, MCF PascalCase, hyphens and spaces", () => {
    expect(normalizeReturnCode("CustomerDamaged")).toBe("CUSTOMER_DAMAGED");
    expect(normalizeReturnCode(" customer-damaged ")).toBe("CUSTOMER_DAMAGED");
    expect(normalizeReturnCode("CR-DEFECTIVE")).toBe("CR_DEFECTIVE");
    expect(shipped.disposition("CustomerDamaged")).toEqual({ code: "CUSTDAMAGE", defaulted: false });
    expect(shipped.disposition("CUSTOMER_DAMAGED")).toEqual({ code: "CUSTDAMAGE", defaulted: false });
    expect(shipped.reason("cr-defective")).toEqual({ code: "DEFECT", defaulted: false });
  });

  it("maps every reason and disposition the demo seller's returns use, and leaves FOUND_BETTER_PRICE out on purpose", () => {
    for (const r of ["DEFECTIVE", "UNWANTED_ITEM", "NOT_AS_DESCRIBED", "ORDERED_WRONG_ITEM", "CR-DEFECTIVE"])
      expect(isCodeGap(shipped.reason(r)), r).toBe(false);
    for (const d of ["SELLABLE", "DEFECTIVE", "CUSTOMER_DAMAGED", "CARRIER_DAMAGED", "Defective", "Sellable", "FulfillerDamaged"])
      expect(isCodeGap(shipped.disposition(d)), d).toBe(false);
    expect(shipped.reason("FOUND_BETTER_PRICE")).toEqual({
      kind: "reason",
      code: "FOUND_BETTER_PRICE",
      key: "FOUND_BETTER_PRICE",
      suggestedCode: "UNWANTED",
    });
  });

  it("suggests the code of a similar known reason, else the file's OTHER", () => {
    expect(shipped.reason("ITEM_DEFECTIVE_ON_ARRIVAL")).toMatchObject({ suggestedCode: "DEFECT" });
    expect(shipped.reason("DAMAGED_IN_TRANSIT")).toMatchObject({ suggestedCode: "DAMAGED" });
    expect(shipped.reason("APPAREL_TOO_LARGE")).toMatchObject({ suggestedCode: "OTHER" });
  });

  it("refuses two keys that are the same code, and the default policy without its default codes", () => {
    const dup = ReturnsFile.safeParse({ ...shipped.file, reasons: { DEFECTIVE: "DEFECT", defective: "OTHER" } });
    expect(dup.success).toBe(false);
    expect(dup.error!.issues[0]!.message).toContain('the same code as "DEFECTIVE"');
    expect(() => ReturnMappings.parse({ ...shipped.file, unknownCodes: "default" })).toThrow(ConfigurationError);
    expect(() => ReturnMappings.parse({ ...shipped.file, reasons: { X: "A-CODE-LONGER-THAN-TEN" } })).toThrow(/reasons\.X/);
  });

  it("finds the warehouse of a channel in a marketplace before the channel's general one", () => {
    const m = ReturnMappings.parse({
      ...shipped.file,
      warehouses: [
        { channel: "FBM", warehouseId: "13", siteId: "1" },
        { channel: "FBM", marketplaceId: "A1PA6795UKMFR9", warehouseId: "DE-RET" },
      ],
    });
    expect(m.warehouse("FBM", "A1PA6795UKMFR9")).toEqual({ warehouseId: "DE-RET" });
    expect(m.warehouse("FBM", "ATVPDKIKX0DER")).toEqual({ warehouseId: "13", siteId: "1" });
    expect(m.warehouse("FBA", "ATVPDKIKX0DER")).toBeUndefined();
    expect(() =>
      ReturnMappings.parse({
        ...shipped.file,
        warehouses: [
          { channel: "FBA", warehouseId: "A" },
          { channel: "FBA", warehouseId: "B" },
        ],
      }),
    ).toThrow(/repeats warehouses\[0\]/);
  });
});
