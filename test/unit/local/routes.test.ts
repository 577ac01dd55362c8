import { describe, expect, it } from "vitest";
import { compileRoute } from "../../../src/local/host/routes";
import { resolveSetting } from "../../../src/local/host";

describe("HTTP route templates", () => {
  it("match literal segments case-insensitively and capture parameters", () => {
    expect(compileRoute("orders/{id}").match("/Orders/111-222")).toEqual({ id: "111-222" });
    expect(compileRoute("orders/{id}").match("/orders")).toBeUndefined();
    expect(compileRoute("orders/{id}").match("/orders/1/2")).toBeUndefined();
  });
  it("allow optional parameters, constraints and catch-all segments", () => {
    expect(compileRoute("settlements/{id?}").match("/settlements")).toEqual({});
    expect(compileRoute("items/{n:int}").match("/items/12")).toEqual({ n: "12" });
    expect(compileRoute("items/{n:int}").match("/items/abc")).toBeUndefined();
    expect(compileRoute("files/{*path}").match("/files/a/b%20c.txt")).toEqual({ path: "a/b c.txt" });
  });
});

describe("%SETTING% expressions in binding metadata", () => {
  it("are replaced by the app setting's value", () => {
    expect(resolveSetting("%QUEUE_ORDER_IMPORT%", { QUEUE_ORDER_IMPORT: "order-import" })).toBe("order-import");
  });
  it("name the missing setting", () => {
    expect(() => resolveSetting("%NOPE%", {})).toThrow(/NOPE/);
  });
});
