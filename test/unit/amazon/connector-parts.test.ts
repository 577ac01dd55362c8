import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { quoteCurrencyAmounts } from "../../../src/amazon/client";
import { decodeBytes } from "../../../src/amazon/documents";
import { errorFromResponse } from "../../../src/amazon/errors";
import { ADDITIONAL_ENDPOINT_VERSIONS, ENDPOINT_VERSIONS, OPERATIONS, matchOperation } from "../../../src/amazon/operations";
import { NotFoundError, ThrottledError, UnauthorizedError, UnavailableError, ValidationError } from "../../../src/platform/errors";

describe("SP-API connector parts", () => {
  it("decodes UTF-8 documents as UTF-8 and falls back to windows-1252 when the bytes are not UTF-8", () => {
    expect(decodeBytes(Buffer.from("ship-city\nKöln\n", "utf8"))).toEqual({ text: "ship-city\nKöln\n", encoding: "utf-8" });
    expect(decodeBytes(iconv.encode("ship-city\nKöln – 5 €\n", "win1252"))).toEqual({
      text: "ship-city\nKöln – 5 €\n",
      encoding: "windows-1252",
    });
    expect(decodeBytes(iconv.encode("Köln", "win1252"), "cp1252").text).toBe("Köln");
  });

  it("keeps Finances amounts exact by quoting them before JSON.parse", () => {
    const body = '{"CurrencyAmount": 0.1, "x": {"CurrencyAmount":-12345678901234.99}, "Other": 1.5}';
    expect(JSON.parse(quoteCurrencyAmounts(body))).toEqual({
      CurrencyAmount: "0.1",
      x: { CurrencyAmount: "-12345678901234.99" },
      Other: 1.5,
    });
  });

  it("maps SP-API statuses to the app's error family", () => {
    const body = { errors: [{ code: "InvalidInput", message: "bad MarketplaceIds", details: "" }] };
    const bad = errorFromResponse("getOrders", 400, body, 60_000);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.message).toContain("InvalidInput: bad MarketplaceIds");
    const throttled = errorFromResponse("getOrders", 429, { errors: [{ code: "QuotaExceeded", message: "x" }] }, 60_000);
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterMs).toBe(60_000);
    expect(errorFromResponse("getOrders", 503, undefined, 1)).toBeInstanceOf(UnavailableError);
    expect(errorFromResponse("getOrders", 500, undefined, 1).retryable).toBe(true);
    expect(errorFromResponse("getOrders", 403, body, 1)).toBeInstanceOf(UnauthorizedError);
    expect(errorFromResponse("getOrder", 404, body, 1)).toBeInstanceOf(NotFoundError);
  });

  it("pins every endpoint version and matches request paths to operations", () => {
    for (const spec of Object.values(OPERATIONS)) {
      const endpoint = spec.endpoint as keyof typeof ENDPOINT_VERSIONS;
      expect([ENDPOINT_VERSIONS[endpoint], ...(ADDITIONAL_ENDPOINT_VERSIONS[endpoint] ?? [])]).toContain(spec.version);
    }
    expect(OPERATIONS.getOrder2026).toMatchObject({ endpoint: "orders", version: "2026-01-01", operation: "getOrder" });
    expect(matchOperation("GET", "/orders/2026-01-01/orders/111-1111111-1111111")).toEqual({
      name: "getOrder2026",
      params: { orderId: "111-1111111-1111111" },
    });
    expect(matchOperation("GET", "/orders/2026-01-01/orders")?.name).toBe("searchOrders");
    expect(matchOperation("GET", "/orders/v0/orders/111-1-1/orderItems")).toEqual({
      name: "getOrderItems",
      params: { orderId: "111-1-1" },
    });
    expect(matchOperation("GET", "/reports/2021-06-30/reports")?.name).toBe("getReports");
    expect(matchOperation("GET", "/reports/2021-06-30/reports/42")?.name).toBe("getReport");
    expect(matchOperation("PUT", "/fba/outbound/2020-07-01/fulfillmentOrders/A%2FB/cancel")).toEqual({
      name: "cancelFulfillmentOrder",
      params: { sellerFulfillmentOrderId: "A/B" },
    });
    expect(matchOperation("GET", "/orders/v0/orderz")).toBeUndefined();
  });

  it("uses the published usage plans (getOrders 0.0167/20, patchListingsItem 5/5)", () => {
    expect(OPERATIONS.getOrders).toMatchObject({ rate: 0.0167, burst: 20 });
    expect(OPERATIONS.patchListingsItem).toMatchObject({ rate: 5, burst: 5 });
    expect(OPERATIONS.getInventorySummaries).toMatchObject({ rate: 2, burst: 2 });
    expect(OPERATIONS.searchOrders).toMatchObject({ rate: 0.0056, burst: 20 });
    expect(OPERATIONS.getOrder2026).toMatchObject({ rate: 0.5, burst: 30 });
  });
});

describe("streamed document decoding", () => {
  async function decode(chunks: Buffer[], charset?: string) {
    const { decodeChunks } = await import("../../../src/amazon/documents");
    const state = { encoding: "utf-8" as string };
    let text = "";
    for await (const s of decodeChunks(
      (async function* () {
        yield* chunks;
      })(),
      charset,
      state,
    ))
      text += s;
    return { text, encoding: state.encoding };
  }

  it("keeps a UTF-8 character that is split between two chunks", async () => {
    const bytes = Buffer.from("sku\tcity\nA\tKöln\n", "utf8");
    const cut = bytes.indexOf(0xc3) + 1; // in the middle of "ö"
    expect(await decode([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual({ text: "sku\tcity\nA\tKöln\n", encoding: "utf-8" });
  });

  it("switches to windows-1252 when a later chunk is not UTF-8", async () => {
    const head = Buffer.from("sku\tcity\n", "utf8");
    const tail = iconv.encode("A\tMünchen\n", "win1252");
    expect(await decode([head, tail])).toEqual({ text: "sku\tcity\nA\tMünchen\n", encoding: "windows-1252" });
  });

  it("uses the charset the server names", async () => {
    expect((await decode([iconv.encode("Köln", "win1252")], "cp1252")).text).toBe("Köln");
  });
});
