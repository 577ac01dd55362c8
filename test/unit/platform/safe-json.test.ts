import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/platform/errors";
import { jsonDepth, parseJsonText } from "../../../src/platform/safe-json";

describe("JSON from outside", () => {
  it("measures nesting outside string literals, escapes included", () => {
    expect(jsonDepth("1")).toBe(0);
    expect(jsonDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonDepth('{"text":"[[[[{{{\\"[[["}')).toBe(1);
    expect(jsonDepth("[".repeat(100_000), 64)).toBe(65);
  });

  it("refuses a text nested deeper than the limit before parsing it, with a 400 that says so", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    let err: unknown;
    try {
      parseJsonText(deep, { what: "The body", code: "notification.invalidJson" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).message).toBe("The body is nested more than 64 levels deep; no valid request is");
    expect((err as ValidationError).httpStatus).toBe(400);
  });

  it("parses what fits and names malformed JSON", () => {
    expect(parseJsonText('{"a":[1,2]}', { what: "x", code: "c" })).toEqual({ a: [1, 2] });
    expect(() => parseJsonText("{a:", { what: "The request body", code: "http.invalidJson" })).toThrow(
      /The request body is not valid JSON/,
    );
  });
});
