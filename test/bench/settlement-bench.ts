/**
 * Settlement benchmark: generates a settlement flat file V2 with N transaction rows (default 1,000,000) in a
 * temp file, then in the same process
 *   1. a bare read-and-split of the file (read, decode, split lines and tabs: the floor), and
 *   2. the real thing: parse, validate, map and aggregate into the journal, streaming,
 * printing rows/second for both, the ratio, and peak memory (RSS and heap sampled every 20 ms while each
 * step runs). Streaming means the peak does not grow with the file: compare `--rows 100000` and the default.
 *
 *   npx tsx test/bench/settlement-bench.ts [--rows N] [--json]
 */
import { resolveMappingsDir } from "../../src/mapping/runtime";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeSettlement } from "../../src/flows/settlements/analyze";
import { fileSource } from "../../src/flows/settlements/parser";
import { SettlementAccounts } from "../../src/mapping/settlement-accounts";
import { bareReadAndSplit } from "./lib/bare-read-split";
import { settlementHeader, settlementRow, summaryRow, type FileSpec, type RowSpec } from "../fixtures/settlements/builder";

export interface BenchResult {
  rows: number;
  fileBytes: number;
  bare: { seconds: number; rowsPerSecond: number; peakRssMb: number; peakHeapMb: number };
  full: { seconds: number; rowsPerSecond: number; peakRssMb: number; peakHeapMb: number; reconciled: boolean; journalLines: number };
  /** full rows/s divided by bare rows/s (1.0 = as fast as just splitting the file). */
  ratio: number;
}

/** Writes a file of `rows` transaction rows (EU format, decimal commas) and returns its path. */
export function generateSettlementFile(path: string, rows: number): void {
  const spec: FileSpec = {
    settlementId: "90000000001",
    start: "2024-09-25T08:00:00Z",
    end: "2024-10-09T08:00:00Z",
    deposit: "2024-10-11T08:00:00Z",
    currency: "EUR",
    decimal: ",",
    rows: [],
  };
  const kinds: [string, string, string, number][] = [
    ["Order", "ItemPrice", "Principal", 1999],
    ["Order", "ItemFees", "Commission", -300],
    ["Order", "ItemFees", "FBAPerUnitFulfillmentFee", -280],
    ["Order", "ItemPrice", "Shipping", 299],
    ["Order", "Promotion", "Shipping", -299],
    ["Refund", "ItemPrice", "Principal", -1999],
    ["Refund", "ItemFees", "Commission", 300],
    ["Refund", "ItemFees", "RefundCommission", -60],
  ];
  const centsOf = (i: number) => {
    const k = kinds[i % kinds.length]!;
    return k[2] === "Principal" ? k[3] + Math.sign(k[3]) * (Math.floor(i / kinds.length) % 97) : k[3];
  };
  const plain = (cents: number | bigint) => {
    const c = BigInt(cents);
    const abs = c < 0n ? -c : c;
    return `${c < 0n ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
  };
  // First pass: the exact total (integer cents) for the summary row, which comes first in the file.
  let totalCents = 0n;
  for (let i = 0; i < rows; i++) totalCents += BigInt(centsOf(i));
  const fd = openSync(path, "w");
  const lines: string[] = [settlementHeader(), summaryRow(spec, plain(totalCents))];
  const flush = () => {
    if (lines.length) writeSync(fd, lines.join("\n") + "\n");
    lines.length = 0;
  };
  const start = Date.parse(spec.start);
  const span = Date.parse(spec.end) - start;
  for (let i = 0; i < rows; i++) {
    const k = kinds[i % kinds.length]!;
    const order = Math.floor(i / kinds.length);
    const r: RowSpec = {
      transactionType: k[0],
      amountType: k[1],
      amountDescription: k[2],
      amount: plain(centsOf(i)),
      posted: new Date(start + Math.floor((span * i) / rows)).toISOString(),
      orderId: `028-${String(order).padStart(7, "0")}-1234567`,
      marketplace: "Amazon.de",
      sku: `SKU-${order % 500}`,
      quantity: k[0] === "Order" ? 1 : undefined,
      fulfillmentId: "AFN",
    };
    lines.push(settlementRow(spec, r));
    if (lines.length >= 5000) flush();
  }
  flush();
  closeSync(fd);
}

class MemorySampler {
  peakRss = 0;
  peakHeap = 0;
  private timer?: NodeJS.Timeout;
  start(): void {
    global.gc?.();
    this.peakRss = 0;
    this.peakHeap = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), 20);
  }
  sample(): void {
    const m = process.memoryUsage();
    this.peakRss = Math.max(this.peakRss, m.rss);
    this.peakHeap = Math.max(this.peakHeap, m.heapUsed);
  }
  stop(): { peakRssMb: number; peakHeapMb: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakRssMb: round(this.peakRss / 1048576), peakHeapMb: round(this.peakHeap / 1048576) };
  }
}

const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

export async function runSettlementBench(rows: number, accounts: SettlementAccounts): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "settlement-bench-"));
  const path = join(dir, "settlement.txt");
  try {
    generateSettlementFile(path, rows);
    const fileBytes = statSync(path).size;
    const mem = new MemorySampler();

    mem.start();
    let t = process.hrtime.bigint();
    const bareRows = await bareReadAndSplit(path);
    const bareSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    const bareMem = mem.stop();

    mem.start();
    t = process.hrtime.bigint();
    const analysis = await analyzeSettlement(fileSource(path), accounts);
    const fullSeconds = Number(process.hrtime.bigint() - t) / 1e9;
    const fullMem = mem.stop();
    if (analysis.parse.rowCount !== rows || bareRows !== rows)
      throw new Error(`expected ${rows} rows, read ${analysis.parse.rowCount} (bare ${bareRows}): ${analysis.reasons.join("; ")}`);

    const bareRps = rows / bareSeconds;
    const fullRps = rows / fullSeconds;
    return {
      rows,
      fileBytes,
      bare: { seconds: round(bareSeconds, 3), rowsPerSecond: Math.round(bareRps), ...bareMem },
      full: {
        seconds: round(fullSeconds, 3),
        rowsPerSecond: Math.round(fullRps),
        ...fullMem,
        reconciled: analysis.parse.reconciled,
        journalLines: analysis.journal?.lines.length ?? 0,
      },
      ratio: round(fullRps / bareRps, 3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const i = argv.indexOf("--rows");
  const rows = i >= 0 ? Number(argv[i + 1]) : 1_000_000;
  const accounts = SettlementAccounts.load(resolveMappingsDir("mappings", __dirname));
  const r = await runSettlementBench(rows, accounts);
  if (argv.includes("--json")) console.log(JSON.stringify(r, null, 2));
  else {
    console.log(`settlement bench: ${r.rows.toLocaleString("en")} rows, ${round(r.fileBytes / 1048576)} MB`);
    console.log(
      `  bare read+split : ${r.bare.rowsPerSecond.toLocaleString("en")} rows/s (${r.bare.seconds} s), peak RSS ${r.bare.peakRssMb} MB, heap ${r.bare.peakHeapMb} MB`,
    );
    console.log(
      `  parse+map+build : ${r.full.rowsPerSecond.toLocaleString("en")} rows/s (${r.full.seconds} s), peak RSS ${r.full.peakRssMb} MB, heap ${r.full.peakHeapMb} MB, reconciled ${r.full.reconciled}, ${r.full.journalLines} journal lines`,
    );
    console.log(`  ratio full/bare : ${r.ratio}`);
  }
  return r.full.reconciled ? 0 : 1;
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
