import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { DescribedRoute } from "../../../../src/platform/api-docs/routes";
import { buildSwagger } from "../../../../src/platform/api-docs/swagger";

const report: DescribedRoute = {
  functionName: "report-get",
  method: "GET",
  route: "report",
  operationId: "GetReport",
  summary: "Get the report",
  description: "The report's lines as JSON.",
  visibility: "important",
  tag: "Things",
  query: z.object({ format: z.enum(["json", "csv"]).optional() }),
  responses: { 200: { description: "The report", schema: z.object({ lines: z.array(z.string()) }), example: { lines: [] } } },
};

describe("the Swagger 2.0 document of a route", () => {
  it("lists the other content types a route answers in its produces, and says when in its description", () => {
    const doc = buildSwagger(
      [{ ...report, alsoProduces: [{ contentType: "text/csv", description: "with format=csv, the lines as CSV." }] }],
      { host: "example.test" },
    );
    const op = doc.paths["/report"]!.get!;
    expect(op.produces).toEqual(["application/json", "text/csv"]);
    expect(op.description).toBe("The report's lines as JSON. It also answers text/csv: with format=csv, the lines as CSV.");
  });

  it("keeps the document's JSON default for a route that answers JSON only", () => {
    const op = buildSwagger([report], { host: "example.test" }).paths["/report"]!.get!;
    expect(op.produces).toBeUndefined();
    expect(op.description).toBe("The report's lines as JSON.");
  });
});
