import { describe, expect, it } from "vitest";
import { z } from "zod";
import { checkRouteDocs } from "../../../../src/platform/api-docs/check";
import type { DescribedRoute } from "../../../../src/platform/api-docs/routes";

const good: DescribedRoute = {
  functionName: "thing-get",
  method: "GET",
  route: "things/{id}",
  operationId: "GetThing",
  summary: "Get a thing",
  description: "One thing, with everything the app knows of it.",
  visibility: "important",
  tag: "Things",
  path: z.object({ id: z.string() }),
  responses: { 200: { description: "The thing", schema: z.object({ id: z.string() }), example: { id: "1" } } },
};

describe("checking route descriptions", () => {
  it("accepts a complete description", () => {
    expect(checkRouteDocs([good])).toEqual([]);
  });

  it("names each problem: a path parameter missing, an example that does not parse, a duplicate operationId", () => {
    const problems = checkRouteDocs([
      { ...good, path: z.object({ thingId: z.string() }) },
      {
        ...good,
        functionName: "other",
        responses: { 200: { description: "x", schema: z.object({ id: z.string() }), example: { id: 1 } } },
      },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/thing-get .*path parameters \["thingId"\] differ from the route's \["id"\]/),
      expect.stringMatching(/other .*operationId GetThing is also used by thing-get/),
      expect.stringMatching(/other .*200: the example does not parse with its schema \(id: /),
    ]);
  });

  it("refuses a 200 given both by async and by responses, and a summary written as a sentence", () => {
    const result = z.object({ done: z.boolean() });
    const problems = checkRouteDocs([
      { ...good, summary: "Gets a thing.", async: { result, example: { done: true }, description: "done", retryAfterSeconds: 5 } },
    ]);
    expect(problems).toEqual([
      expect.stringMatching(/ends without a period/),
      expect.stringMatching(/with async, 200 and 202 come from async/),
    ]);
  });
});
