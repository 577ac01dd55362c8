import { describe, expect, it } from "vitest";
import { fromMinorUnits, MAX_MINOR, MinorSum, minorUnitOf } from "../../../src/platform/money";

describe("money in minor units", () => {
  it("knows each currency's minor unit from ISO 4217, not from display digits", () => {
    expect(
      ["USD", "EUR", "GBP", "CAD", "MXN", "BRL", "SEK", "PLN", "TRY", "AED", "SAR", "EGP", "INR", "AUD", "SGD"].map(minorUnitOf),
    ).toEqual(Array(15).fill(2));
    expect(minorUnitOf("JPY")).toBe(0);
    expect(minorUnitOf("KWD")).toBe(3);
    // Intl displays these with 0 digits; ISO 4217 gives them 2.
    expect([minorUnitOf("HUF"), minorUnitOf("IDR"), minorUnitOf("COP")]).toEqual([2, 2, 2]);
  });

  it("sums exactly beyond the range of safe integers", () => {
    const sum = new MinorSum();
    let exact = 0n;
    for (let i = 0; i < 1000; i++) {
      const v = (i % 3 === 0 ? -1 : 1) * (MAX_MINOR - i);
      sum.add(v);
      exact += BigInt(v);
    }
    expect(sum.value()).toBe(exact);
    expect(exact > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(fromMinorUnits(sum, 2).toFixed(2)).toBe(`${exact / 100n}.${(exact % 100n).toString().padStart(2, "0")}`);
  });

  it("turns minor units into decimals for every minor unit", () => {
    expect(fromMinorUnits(-12345, 2).toFixed(2)).toBe("-123.45");
    expect(fromMinorUnits(12345, 0).toFixed(0)).toBe("12345");
    expect(fromMinorUnits(12345n, 3).toFixed(3)).toBe("12.345");
    expect(new MinorSum().isZero()).toBe(true);
    const back = new MinorSum();
    for (const v of [MAX_MINOR, 3, -MAX_MINOR, -5, 2]) back.add(v);
    expect(back.isZero()).toBe(true);
    back.add(1);
    expect(back.isZero()).toBe(false);
  });
});
