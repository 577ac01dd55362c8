import { describe, expect, it } from "vitest";
import { z } from "zod";
import { swaggerSchema, titleCase } from "../../../../src/platform/api-docs/swagger-schema";

describe("a zod schema as a Swagger 2.0 schema", () => {
  it("marks nullable values with x-nullable, which Swagger 2.0 has instead of null", () => {
    expect(swaggerSchema(z.object({ note: z.string().nullable() }), "output").properties).toEqual({
      note: { type: "string", "x-nullable": true, "x-ms-summary": "Note" },
    });
  });

  it("turns a union of objects into one object whose properties are required only where every branch requires them", () => {
    const s = swaggerSchema(
      z.union([z.object({ reportId: z.string() }).strict(), z.object({ settlementId: z.string() }).strict()]),
      "input",
    );
    expect(s).toMatchObject({
      type: "object",
      properties: { reportId: { type: "string" }, settlementId: { type: "string" } },
      additionalProperties: false,
      description: "Give one of: reportId; settlementId.",
    });
    expect(s.required).toBeUndefined();
    expect(s.anyOf).toBeUndefined();
  });

  it("turns a union of literals into one enum", () => {
    expect(swaggerSchema(z.union([z.literal("a"), z.literal("b")]), "output")).toEqual({ type: "string", enum: ["a", "b"] });
  });

  it("keeps a written regex but drops the long pattern zod writes for a date-time (the format says it)", () => {
    const s = swaggerSchema(z.object({ at: z.iso.datetime({ offset: true }), id: z.string().regex(/^\d+$/) }), "input");
    expect(s.properties).toEqual({
      at: { type: "string", format: "date-time", "x-ms-summary": "At" },
      id: { type: "string", pattern: "^\\d+$", "x-ms-summary": "ID" },
    });
  });

  it("labels every property for Power Automate: the title given with meta, else the name in words", () => {
    const s = swaggerSchema(
      z.object({ amazonOrderId: z.string(), lineCount: z.number().int().meta({ title: "Journal Lines" }) }),
      "output",
    );
    expect((s.properties as any).amazonOrderId["x-ms-summary"]).toBe("Amazon Order ID");
    expect((s.properties as any).lineCount["x-ms-summary"]).toBe("Journal Lines");
    expect((s.properties as any).lineCount.maximum).toBeUndefined();
  });

  it("describes a request's defaults as input and a response's as output", () => {
    const s = z.object({ max: z.number().default(100) });
    expect(swaggerSchema(s, "input").required).toBeUndefined();
    expect(swaggerSchema(s, "output").required).toEqual(["max"]);
  });

  it("says names in words with the usual acronyms", () => {
    expect(titleCase("marketplaceIds")).toBe("Marketplace IDs");
    expect(titleCase("x-api-key")).toBe("X API Key");
    expect(titleCase("statusUrl")).toBe("Status URL");
  });
});
