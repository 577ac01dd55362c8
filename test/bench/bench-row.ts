/**
 * One row of the performance table (`npm run bench`): what it measures, its target, and how to measure it.
 * Each row is a small module under test/bench/rows/ and is listed once in test/bench/rows/index.ts; the
 * runner (test/bench/run.ts) measures the rows in that order, prints the table, and with --json prints one
 * JSON object whose keys are the rows' keys, so that two runs can be compared key by key.
 *
 * Rows that come from one measurement (the settlement preview's speed and its memory, the orders' SP-API
 * calls and D365 requests) share it through `ctx.shared(name, run)`: it runs once per bench run.
 */

export type Comparison = "<=" | ">=" | "<" | ">";

export interface Target {
  op: Comparison;
  value: number;
}

export interface Measured {
  /** The row's number, in `unit`; null when it could not be measured (then `note` says why). */
  value: number | null;
  /**
   * Whether the target holds, when it needs more than `value op target` (for example "and flat in file size").
   * Omitted: the runner compares `value` with the target.
   */
  met?: boolean;
  /** Everything a reader needs to trust the number: sizes, repetitions, the raw measurements, the settings. */
  details?: Record<string, unknown>;
  /** One line printed under the row (how it was measured, or what a reader should know). */
  note?: string;
}

export interface BenchContext {
  /** --quick: smaller sizes and fewer repetitions, for a smoke run (the numbers are not the issue's). */
  readonly quick: boolean;
  /** Progress for a person watching (stderr, only on a terminal); never part of the results. */
  progress(message: string): void;
  /** Runs `run` once per bench run and hands every caller the same result. */
  shared<T>(name: string, run: () => Promise<T>): Promise<T>;
  /** A directory for this run's files, removed at the end. */
  readonly tmpDir: string;
  /** The repository root (where package.json and bin/ are). */
  readonly root: string;
}

export interface BenchRow {
  /** Key in the --json output; camelCase, stable across runs (renaming it breaks comparisons). */
  key: string;
  /** The measure, as the performance table names it. */
  title: string;
  /** Unit of `value`, as printed ("calls/order", "s", "MB", "x"). */
  unit: string;
  /** Decimals when printed. */
  decimals: number;
  target: Target;
  /** A target that needs words as well (e.g. "≤ 150 MB, flat in file size"); default: op and value. */
  targetText?: string;
  measure(ctx: BenchContext): Promise<Measured>;
}

export interface RowResult {
  title: string;
  value: number | null;
  unit: string;
  target: Target & { text: string };
  met: boolean;
  details?: Record<string, unknown>;
  note?: string;
  error?: string;
}

export function compare(value: number, target: Target): boolean {
  switch (target.op) {
    case "<=":
      return value <= target.value;
    case ">=":
      return value >= target.value;
    case "<":
      return value < target.value;
    case ">":
      return value > target.value;
  }
}

const SYMBOL: Record<Comparison, string> = { "<=": "≤", ">=": "≥", "<": "<", ">": ">" };

export function targetText(row: BenchRow): string {
  return row.targetText ?? `${SYMBOL[row.target.op]} ${row.target.value}${row.unit === "x" ? "" : ` ${row.unit}`}`;
}

/** Median of a non-empty list of numbers. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error("median of nothing");
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The p-th percentile (0-100) by the nearest-rank method: a value that was actually measured. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new Error("percentile of nothing");
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function round(n: number, places = 3): number {
  const f = 10 ** places;
  return Math.round(n * f) / f;
}
