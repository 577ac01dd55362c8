import { describe, expect, it } from "vitest";
import { matchRefunds, type ReturnForMatching } from "../../../src/flows/returns/match-refunds";
import type { RefundEvent } from "../../../src/flows/returns/model";

const NOW = new Date("2026-11-27T12:00:00Z");
const options = { now: NOW, reviewAfterDays: 14 };

const aReturn = (key: string, date: string, items: { sku: string; quantity: number }[], channel: ReturnForMatching["channel"] = "FBA") => ({
  key,
  channel,
  returnDate: `${date}T10:00:00.000Z`,
  items,
});
const aRefund = (key: string, date: string, items: RefundEvent["items"]): RefundEvent => ({
  key,
  amazonOrderId: "111-1",
  postedDate: `${date}T08:00:00.000Z`,
  currency: "USD",
  refundedToBuyer: items.reduce((s, i) => s + Number(i.refundedToBuyer), 0).toFixed(2),
  total: "0",
  items,
});

describe("matching refunds to returns", () => {
  it("pairs two partial returns of one line with two partial refunds, oldest first", () => {
    const m = matchRefunds(
      [aReturn("R2", "2026-11-25", [{ sku: "A", quantity: 1 }]), aReturn("R1", "2026-11-22", [{ sku: "A", quantity: 1 }])],
      [
        aRefund("F2", "2026-11-26", [{ sku: "A", quantity: 1, refundedToBuyer: "-54.11" }]),
        aRefund("F1", "2026-11-23", [{ sku: "A", quantity: 1, refundedToBuyer: "-54.11" }]),
      ],
      options,
    );
    expect(m.returns.get("R1")).toEqual({
      refunds: [{ refundKey: "F1", postedDate: "2026-11-23T08:00:00.000Z", quantity: 1, amount: "-54.11", currency: "USD" }],
      refundedQuantity: 1,
      refundState: "refunded",
    });
    expect(m.returns.get("R2")?.refunds.map((r) => r.refundKey)).toEqual(["F2"]);
    expect(m.refunds.get("F1")).toEqual({ matchedReturns: ["R1"], unmatchedQuantity: 0, state: "matched" });
  });

  it("matches a refund that came before its return (Amazon refunds at the carrier scan)", () => {
    const m = matchRefunds(
      [aReturn("R1", "2026-11-12", [{ sku: "A", quantity: 3 }])],
      [aRefund("F1", "2026-11-08", [{ sku: "A", quantity: 3, refundedToBuyer: "-162.34" }])],
      options,
    );
    expect(m.returns.get("R1")?.refundState).toBe("refunded");
  });

  it("lets a refund item without a quantity cover the next return of its SKU in full", () => {
    const m = matchRefunds(
      [aReturn("R1", "2026-11-12", [{ sku: "A", quantity: 3 }])],
      [aRefund("F1", "2026-11-13", [{ sku: "A", refundedToBuyer: "-90.00" }])],
      options,
    );
    expect(m.returns.get("R1")).toMatchObject({ refundedQuantity: 3, refundState: "refunded" });
  });

  it("splits the amount when one refund covers units of two returns", () => {
    const m = matchRefunds(
      [aReturn("R1", "2026-11-20", [{ sku: "A", quantity: 1 }]), aReturn("R2", "2026-11-21", [{ sku: "A", quantity: 2 }])],
      [aRefund("F1", "2026-11-22", [{ sku: "A", quantity: 3, refundedToBuyer: "-30.00" }])],
      options,
    );
    expect(m.returns.get("R1")?.refunds[0]?.amount).toBe("-10.00");
    expect(m.returns.get("R2")?.refunds[0]?.amount).toBe("-20.00");
  });

  it("matches by SKU: a refund of another line of the order is a refund without a return", () => {
    const m = matchRefunds(
      [aReturn("R1", "2026-11-20", [{ sku: "A", quantity: 1 }])],
      [aRefund("F1", "2026-11-01", [{ sku: "B", quantity: 1, refundedToBuyer: "-5.00" }])],
      options,
    );
    expect(m.refunds.get("F1")).toEqual({ matchedReturns: [], unmatchedQuantity: 1, state: "without-return" });
    expect(m.returns.get("R1")?.refundState).toBe("awaiting-refund");
  });

  it("lists a return without a refund, and a refund without a return, only after the review period", () => {
    const young = matchRefunds(
      [aReturn("R1", "2026-11-23", [{ sku: "A", quantity: 1 }])],
      [aRefund("F1", "2026-11-26", [{ sku: "B", quantity: 1, refundedToBuyer: "-5" }])],
      options,
    );
    expect(young.returns.get("R1")?.refundState).toBe("awaiting-refund");
    expect(young.refunds.get("F1")?.state).toBe("awaiting-return");
    const old = matchRefunds(
      [aReturn("R1", "2026-11-10", [{ sku: "A", quantity: 1 }])],
      [aRefund("F1", "2026-11-01", [{ sku: "B", quantity: 1, refundedToBuyer: "-5" }])],
      options,
    );
    expect(old.returns.get("R1")?.refundState).toBe("no-refund");
    expect(old.refunds.get("F1")?.state).toBe("without-return");
  });

  it("says partly refunded or partly matched when the quantities do not cover each other", () => {
    const m = matchRefunds(
      [aReturn("R1", "2026-11-20", [{ sku: "A", quantity: 2 }])],
      [
        aRefund("F1", "2026-11-21", [{ sku: "A", quantity: 1, refundedToBuyer: "-10" }]),
        aRefund("F2", "2026-11-22", [{ sku: "A", quantity: 2, refundedToBuyer: "-20" }]),
      ],
      options,
    );
    expect(m.returns.get("R1")?.refundState).toBe("refunded");
    expect(m.refunds.get("F2")).toEqual({ matchedReturns: ["R1"], unmatchedQuantity: 1, state: "partly-matched" });
    const short = matchRefunds(
      [aReturn("R1", "2026-11-20", [{ sku: "A", quantity: 2 }])],
      [aRefund("F1", "2026-11-21", [{ sku: "A", quantity: 1, refundedToBuyer: "-10" }])],
      options,
    );
    expect(short.returns.get("R1")?.refundState).toBe("partly-refunded");
  });

  it("expects no Amazon refund for an MCF return and keeps it out of the pairing", () => {
    const m = matchRefunds(
      [aReturn("M1", "2026-11-01", [{ sku: "A", quantity: 1 }], "MCF")],
      [aRefund("F1", "2026-11-02", [{ sku: "A", quantity: 1, refundedToBuyer: "-5" }])],
      options,
    );
    expect(m.returns.get("M1")?.refundState).toBe("not-expected");
    expect(m.refunds.get("F1")?.state).toBe("without-return");
  });

  it("gives the same answer whatever order returns and refunds arrive in", () => {
    const returns = [
      aReturn("R1", "2026-11-20", [{ sku: "A", quantity: 1 }]),
      aReturn("R2", "2026-11-21", [
        { sku: "A", quantity: 1 },
        { sku: "B", quantity: 1 },
      ]),
    ];
    const refunds = [
      aRefund("F1", "2026-11-22", [{ sku: "A", quantity: 1, refundedToBuyer: "-1" }]),
      aRefund("F2", "2026-11-23", [
        { sku: "A", quantity: 1, refundedToBuyer: "-1" },
        { sku: "B", quantity: 1, refundedToBuyer: "-2" },
      ]),
    ];
    const a = matchRefunds(returns, refunds, options);
    const b = matchRefunds([...returns].reverse(), [...refunds].reverse(), options);
    expect([...b.returns.entries()].sort()).toEqual([...a.returns.entries()].sort());
    expect([...b.refunds.entries()].sort()).toEqual([...a.refunds.entries()].sort());
  });
});
