/**
 * Two rows from one measurement of `d365-amazon settlement preview` on the generated settlement file of
 * 1,000,000 rows (100,000 with --quick), each a whole process started as a user starts it
 * (`node bin/d365-amazon.js settlement preview <file>`):
 *
 * - speed, as a ratio to a bare read+split of the same file in the same run (a process that only reads,
 *   decodes and splits lines and tabs: test/bench/lib/bare-read-split.ts). The two alternate, three times;
 *   the row is the median of the three ratios bare seconds / preview seconds (1.0 = as fast as the bare read),
 *   so a busy machine slows both sides of each pair alike;
 * - peak RSS of the preview (every Node process of the command, summed), the median of those runs, and the
 *   same on a file of half the rows: "flat in file size" means twice the rows need at most 10 MB more. (Half,
 *   not a tenth: V8 grows its young generation during the first few hundred thousand rows of any run, so a
 *   small file shows that warm-up, not a growth with the file; the plateau is what a multi-year file sees.)
 */
import { statSync } from "node:fs";
import { extname, join } from "node:path";
import { generateSettlementFile } from "../settlement-bench";
import type { BenchContext, BenchRow } from "../bench-row";
import { median, round } from "../bench-row";
import { nodeArgsFor, runNode, type ProcessRun } from "../lib/processes";

/** Allowed growth of the preview's peak RSS from a file of half the rows to the full one. */
const FLAT_MB = 10;

interface PreviewMeasurement {
  rows: number;
  fileMb: number;
  pairs: { bareSeconds: number; previewSeconds: number; ratio: number; previewPeakRssMb: number }[];
  ratio: number;
  bareSeconds: number;
  previewSeconds: number;
  peakRssMb: number;
  smallRows: number;
  smallPeakRssMb: number;
}

function check(run: ProcessRun, what: string): ProcessRun {
  if (run.exitCode !== 0) throw new Error(`${what} exited ${run.exitCode}: ${run.stderr.slice(-2000)}`);
  return run;
}

function measurePreview(ctx: BenchContext): Promise<PreviewMeasurement> {
  return ctx.shared("settlement preview", async () => {
    const rows = ctx.quick ? 100_000 : 1_000_000;
    const smallRows = rows / 2;
    const repeats = ctx.quick ? 1 : 3;
    const big = join(ctx.tmpDir, `settlement-${rows}.txt`);
    const small = join(ctx.tmpDir, `settlement-${smallRows}.txt`);
    ctx.progress(`settlement preview: writing files of ${rows.toLocaleString("en")} and ${smallRows.toLocaleString("en")} rows`);
    generateSettlementFile(big, rows);
    generateSettlementFile(small, smallRows);
    const bin = join(ctx.root, "bin", "d365-amazon.js");
    const bare = (file: string) =>
      runNode([...nodeArgsFor(join(__dirname, "..", "lib", `bare-read-split${extname(__filename)}`)), file], {
        cwd: ctx.root,
        rssDir: ctx.tmpDir,
      });
    const preview = (file: string) =>
      runNode([bin, "settlement", "preview", file], { cwd: ctx.root, rssDir: ctx.tmpDir, timeoutMs: 600_000 });

    // Warm-up: the file in the page cache, the command's first start (a launcher may compile once).
    check(await bare(big), "bare read+split");
    check(await preview(small), "settlement preview");
    const pairs: PreviewMeasurement["pairs"] = [];
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`settlement preview: pair ${i + 1} of ${repeats} (bare read+split, then the preview)`);
      const b = check(await bare(big), "bare read+split");
      const p = check(await preview(big), "settlement preview");
      pairs.push({
        bareSeconds: round(b.seconds),
        previewSeconds: round(p.seconds),
        ratio: round(b.seconds / p.seconds),
        previewPeakRssMb: p.peakRssMb!,
      });
    }
    const smallRss: number[] = [];
    for (let i = 0; i < repeats; i++) smallRss.push(check(await preview(small), "settlement preview").peakRssMb!);
    return {
      rows,
      fileMb: round(statSync(big).size / 1048576, 1),
      pairs,
      ratio: round(median(pairs.map((p) => p.ratio))),
      bareSeconds: round(median(pairs.map((p) => p.bareSeconds))),
      previewSeconds: round(median(pairs.map((p) => p.previewSeconds))),
      peakRssMb: round(median(pairs.map((p) => p.previewPeakRssMb)), 1),
      smallRows,
      smallPeakRssMb: round(median(smallRss), 1),
    };
  });
}

export const settlementPreviewVsBareRead: BenchRow = {
  key: "settlementPreviewVsBareRead",
  title: "settlement preview of 1 M rows, whole process, vs a bare read+split in the same run",
  unit: "x",
  decimals: 2,
  target: { op: ">=", value: 0.5 },
  async measure(ctx) {
    const m = await measurePreview(ctx);
    return {
      value: m.ratio,
      details: {
        rows: m.rows,
        fileMb: m.fileMb,
        bareSeconds: m.bareSeconds,
        previewSeconds: m.previewSeconds,
        pairs: m.pairs.map(({ bareSeconds, previewSeconds, ratio }) => ({ bareSeconds, previewSeconds, ratio })),
      },
      note: `${m.rows.toLocaleString("en")} rows (${m.fileMb} MB): preview ${m.previewSeconds} s, bare read+split ${m.bareSeconds} s (medians of ${m.pairs.length})`,
    };
  },
};

export const settlementPreviewPeakRss: BenchRow = {
  key: "settlementPreviewPeakRssMb",
  title: "peak RSS of that preview",
  unit: "MB",
  decimals: 0,
  target: { op: "<=", value: 150 },
  targetText: `≤ 150 MB, flat in file size (≤ +${FLAT_MB} MB from half the rows)`,
  async measure(ctx) {
    const m = await measurePreview(ctx);
    const growth = round(m.peakRssMb - m.smallPeakRssMb, 1);
    return {
      value: m.peakRssMb,
      met: m.peakRssMb <= 150 && growth <= FLAT_MB,
      details: {
        rows: m.rows,
        smallRows: m.smallRows,
        smallPeakRssMb: m.smallPeakRssMb,
        growthMb: growth,
        runs: m.pairs.map((p) => p.previewPeakRssMb),
      },
      note: `${m.smallRows.toLocaleString("en")} rows: ${m.smallPeakRssMb} MB; ${m.rows.toLocaleString("en")} rows: ${m.peakRssMb} MB (${growth >= 0 ? "+" : ""}${growth} MB)`,
    };
  },
};
