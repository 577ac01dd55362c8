/**
 * Anomalies worth a look before a settlement is posted: fee rates per unit and per order outside the range
 * of earlier settlements, refund and reserve jumps, transaction types never seen before. History comes
 * from the settlement records of earlier settlements in the same currency (a few numbers each). Anomalies do not
 * block posting by themselves; with SETTLEMENT_REQUIRE_APPROVAL finance sees them before approving.
 */
import { Dec } from "../../platform/money";
import type { SettlementMetrics } from "./journal";

/** What a run record keeps of a settlement's metrics (JSON-safe). */
export interface MetricsSnapshot {
  settlementId: string;
  currency: string;
  endDate: string;
  feePerUnit?: string;
  feePerOrder?: string;
  commissionRate?: string;
  refundRate?: string;
  reserveHeld: string;
  transactionTypes: string[];
}

export interface Anomaly {
  code:
    | "fee-per-unit-out-of-range"
    | "fee-per-order-out-of-range"
    | "commission-rate-out-of-range"
    | "refund-jump"
    | "reserve-jump"
    | "new-transaction-type"
    | "suspense-lines"
    | "negative-settlement";
  severity: "info" | "warning";
  message: string;
  value?: string;
  expected?: string;
}

const ratio = (num: Dec, den: Dec | number): Dec | undefined => {
  const d = new Dec(den);
  return d.isZero() ? undefined : num.abs().div(d.abs());
};

export function snapshotOf(settlementId: string, currency: string, endDate: string, m: SettlementMetrics): MetricsSnapshot {
  const fix = (d: Dec | undefined, places = 4) => (d === undefined ? undefined : d.toDecimalPlaces(places).toFixed(places));
  return {
    settlementId,
    currency,
    endDate,
    feePerUnit: fix(ratio(m.fulfillmentFees, m.units)),
    feePerOrder: fix(ratio(m.orderFees, m.orders)),
    commissionRate: fix(ratio(m.commission, m.principal)),
    refundRate: fix(ratio(m.refundedPrincipal, m.principal)),
    reserveHeld: m.reserveHeld.toFixed(2),
    transactionTypes: [...m.transactionTypes].sort(),
  };
}

/** Judges one settlement against earlier ones (same currency; the caller picks the most recent few). */
export function detectAnomalies(
  current: MetricsSnapshot,
  history: MetricsSnapshot[],
  extra: { suspenseTotal?: Dec; totalAmount?: Dec } = {},
): Anomaly[] {
  const out: Anomaly[] = [];
  const past = history.filter((h) => h.currency === current.currency && h.settlementId !== current.settlementId);
  const range = (field: "feePerUnit" | "feePerOrder" | "commissionRate", code: Anomaly["code"], label: string) => {
    const values = past
      .map((h) => h[field])
      .filter((v): v is string => v !== undefined)
      .map((v) => new Dec(v));
    const value = current[field];
    if (values.length < 2 || value === undefined) return;
    const lo = Dec.min(...values).times("0.75");
    const hi = Dec.max(...values).times("1.25");
    const v = new Dec(value);
    if (v.lt(lo) || v.gt(hi)) {
      out.push({
        code,
        severity: "warning",
        message: `${label} ${v.toFixed(2)} is outside the range of the last ${values.length} settlements (${lo.toFixed(2)}–${hi.toFixed(2)})`,
        value: v.toFixed(4),
        expected: `${lo.toFixed(4)}..${hi.toFixed(4)}`,
      });
    }
  };
  range("feePerUnit", "fee-per-unit-out-of-range", "FBA fee per unit");
  range("feePerOrder", "fee-per-order-out-of-range", "Fees per order");
  range("commissionRate", "commission-rate-out-of-range", "Commission rate");

  if (past.length >= 1 && current.refundRate !== undefined) {
    const rates = past
      .map((h) => h.refundRate)
      .filter((v): v is string => v !== undefined)
      .map((v) => new Dec(v));
    const max = rates.length ? Dec.max(...rates) : new Dec(0);
    const v = new Dec(current.refundRate);
    if (v.gt("0.02") && v.gt(max.times("1.5"))) {
      out.push({
        code: "refund-jump",
        severity: "warning",
        message: `Refunds are ${v.times(100).toFixed(1)}% of sales, up from at most ${max.times(100).toFixed(1)}% in earlier settlements`,
        value: v.toFixed(4),
        expected: `<= ${max.times("1.5").toFixed(4)}`,
      });
    }
  }
  if (past.length >= 1) {
    const max = Dec.max(...past.map((h) => new Dec(h.reserveHeld)));
    const v = new Dec(current.reserveHeld);
    if (v.gt(0) && v.gt(max.times("1.5"))) {
      out.push({
        code: "reserve-jump",
        severity: "warning",
        message: `Amazon holds ${v.toFixed(2)} ${current.currency} in reserve, up from at most ${max.toFixed(2)} in earlier settlements`,
        value: v.toFixed(2),
        expected: `<= ${max.times("1.5").toFixed(2)}`,
      });
    }
    const known = new Set(past.flatMap((h) => h.transactionTypes));
    for (const t of current.transactionTypes) {
      if (!known.has(t))
        out.push({ code: "new-transaction-type", severity: "info", message: `"${t}" appears for the first time`, value: t });
    }
  }
  if (extra.suspenseTotal && !extra.suspenseTotal.isZero()) {
    out.push({
      code: "suspense-lines",
      severity: "warning",
      message: `${extra.suspenseTotal.toFixed(2)} ${current.currency} of unmapped lines go to the suspense account`,
      value: extra.suspenseTotal.toFixed(2),
    });
  }
  if (extra.totalAmount?.isNegative()) {
    out.push({
      code: "negative-settlement",
      severity: "info",
      message: `The settlement is negative (${extra.totalAmount.toFixed(2)} ${current.currency}): Amazon charges the card on file`,
      value: extra.totalAmount.toFixed(2),
    });
  }
  return out;
}
