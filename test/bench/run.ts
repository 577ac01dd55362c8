/**
 * `npm run bench`: the performance table. Measures every row of the registry (test/bench/rows/index.ts) on
 * this machine and prints each with its target and whether it is met.
 *
 *   npm run bench                          the table, one note per row saying how it was measured
 *   npm run -s bench -- --json             one JSON object: "meta" (machine, commit, load) and one key per row
 *                                          with its value, unit, target, met and details (-s keeps npm's own
 *                                          "> script" banner off stdout)
 *   npm run bench -- --out run.json        also write that JSON object to a file (whatever stdout shows)
 *   npm run bench -- --only a,b            only these rows (keys as in --list)
 *   npm run bench -- --quick               smaller sizes and fewer repetitions (a smoke run, not the numbers)
 *   npm run bench -- --check               exit 1 when a target is not met (otherwise only a row that could
 *                                          not be measured makes the exit code 1)
 *   npm run bench -- --verbose             the app's own log lines on stderr (dropped otherwise)
 *   npm run bench -- --list                the rows' keys and targets
 *   npm run bench -- orders [...]          the detailed orders benchmark (test/bench/orders-bench.ts)
 *   npm run bench -- settlements [...]     the in-process settlement benchmark (test/bench/settlement-bench.ts)
 *
 * Progress goes to stderr, and only on a terminal; with --json, stdout carries the JSON object and nothing else.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { compare, targetText, type BenchContext, type BenchRow, type RowResult } from "./bench-row";
import { main as ordersBench } from "./orders-bench";
import { benchRows } from "./rows";
import { main as settlementBench } from "./settlement-bench";
import { progressBar } from "../../src/platform/progress";

const detailed: Record<string, (argv: string[]) => Promise<number>> = {
  orders: ordersBench,
  settlements: settlementBench,
};

export interface BenchOptions {
  json: boolean;
  quick: boolean;
  check: boolean;
  only?: string[];
}

export interface BenchReport {
  meta: {
    date: string;
    commit?: string;
    node: string;
    platform: string;
    cpus: number;
    cpuModel?: string;
    /** 1-minute load average before and after the run: other work on the machine slows timed rows. */
    loadBefore: number;
    loadAfter: number;
    quick: boolean;
    seconds: number;
  };
  [row: string]: RowResult | BenchReport["meta"];
}

/** Rows are keyed by `key` in one JSON object next to "meta": keys must be unique and not "meta". */
export function checkRegistry(rows: readonly BenchRow[]): void {
  const seen = new Set<string>(["meta"]);
  for (const r of rows) {
    if (seen.has(r.key)) throw new Error(`benchmark row key "${r.key}" is used twice (or is "meta")`);
    if (!/^[a-z][A-Za-z0-9]*$/.test(r.key)) throw new Error(`benchmark row key "${r.key}" is not camelCase`);
    seen.add(r.key);
  }
}

export function repoRoot(from = __dirname): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bin", "d365-amazon.js"))) return dir;
    dir = dirname(dir);
  }
  throw new Error(`cannot find the repository root above ${from}`);
}

function gitCommit(root: string): string | undefined {
  const r = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, encoding: "utf8" });
  return r.stdout.trim() + (dirty.stdout?.trim() ? "+changes" : "");
}

/** Measures the rows (all, or `only`) one after the other; a row that throws is reported, not fatal. */
export async function runBench(
  rows: readonly BenchRow[],
  opts: { quick: boolean; only?: string[]; progress?: (message: string) => void },
): Promise<BenchReport> {
  checkRegistry(rows);
  const unknown = (opts.only ?? []).filter((k) => !rows.some((r) => r.key === k));
  if (unknown.length) throw new Error(`no benchmark row ${unknown.join(", ")} (see --list)`);
  const selected = opts.only ? rows.filter((r) => opts.only!.includes(r.key)) : rows;
  const root = repoRoot();
  const tmpDir = mkdtempSync(join(tmpdir(), "d365-amazon-bench-"));
  const sharedRuns = new Map<string, Promise<unknown>>();
  const started = Date.now();
  const meta: BenchReport["meta"] = {
    date: new Date().toISOString(),
    commit: gitCommit(root),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadBefore: Math.round(loadavg()[0]! * 100) / 100,
    loadAfter: 0,
    quick: opts.quick,
    seconds: 0,
  };
  const report: BenchReport = { meta };
  try {
    for (const [i, row] of selected.entries()) {
      const ctx: BenchContext = {
        quick: opts.quick,
        root,
        tmpDir,
        progress: (m) => opts.progress?.(`[${i + 1}/${selected.length}] ${m}`),
        shared: <T>(name: string, run: () => Promise<T>) => {
          let p = sharedRuns.get(name);
          if (!p) sharedRuns.set(name, (p = run()));
          return p as Promise<T>;
        },
      };
      ctx.progress(row.title);
      const target = { ...row.target, text: targetText(row) };
      try {
        const m = await row.measure(ctx);
        report[row.key] = {
          title: row.title,
          value: m.value,
          unit: row.unit,
          target,
          met: m.value !== null && (m.met ?? compare(m.value, row.target)),
          ...(m.details ? { details: m.details } : {}),
          ...(m.note ? { note: m.note } : {}),
        };
      } catch (err) {
        report[row.key] = { title: row.title, value: null, unit: row.unit, target, met: false, error: (err as Error).message };
      }
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
  meta.loadAfter = Math.round(loadavg()[0]! * 100) / 100;
  meta.seconds = Math.round((Date.now() - started) / 100) / 10;
  return report;
}

export function rowResults(report: BenchReport): [string, RowResult][] {
  return Object.entries(report).filter(([k]) => k !== "meta") as [string, RowResult][];
}

/** The table a person reads: one line per row, then how it was measured. */
export function formatReport(report: BenchReport, rows: readonly BenchRow[]): string {
  const m = report.meta;
  const lines = [
    `Performance on ${m.cpus} CPU(s) (${m.cpuModel ?? "?"}), node ${m.node}, commit ${m.commit ?? "?"}, load ${m.loadBefore} → ${m.loadAfter}, ${m.seconds} s${m.quick ? " — QUICK RUN: smaller sizes, not the table's numbers" : ""}`,
    "",
  ];
  const results = rowResults(report);
  const value = (key: string, r: RowResult) => {
    if (r.value === null) return "—";
    const decimals = rows.find((x) => x.key === key)?.decimals ?? 2;
    return `${r.value.toFixed(decimals)}${r.unit === "x" ? "" : ` ${r.unit}`}`;
  };
  const table = results.map(([k, r]) => [r.title, value(k, r), r.target.text, r.value === null ? "error" : r.met ? "yes" : "no"]);
  const head = ["measure", "now", "target", "met"];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  lines.push(fmt(head), widths.map((w) => "-".repeat(w)).join("  "));
  for (const t of table) lines.push(fmt(t));
  lines.push("");
  for (const [k, r] of results) lines.push(`${k}: ${r.error ? `ERROR ${r.error}` : (r.note ?? "")}`);
  return lines.join("\n");
}

export function parseArgs(argv: string[]): BenchOptions & { verbose: boolean; list: boolean; help: boolean; out?: string } {
  const out = {
    json: false,
    quick: false,
    check: false,
    verbose: false,
    list: false,
    help: false,
    only: undefined as string[] | undefined,
    out: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") out.json = true;
    else if (a === "--quick") out.quick = true;
    else if (a === "--check") out.check = true;
    else if (a === "--verbose") out.verbose = true;
    else if (a === "--list") out.list = true;
    else if (a === "--help" || a === "-h") out.help = true;
    else if (a === "--only") out.only = (argv[++i] ?? "").split(",").filter(Boolean);
    else if (a === "--out") out.out = argv[++i];
    else if (a.startsWith("--only=")) out.only = a.slice("--only=".length).split(",").filter(Boolean);
    else throw new Error(`unknown option ${a} (npm run bench -- --help)`);
  }
  return out;
}

/** On a terminal: a bar over the rows ("[2/5] row title: what it does now"); nothing on a pipe or with --json. */
function terminalProgress(enabled: boolean): { update: (message: string) => void; done: () => void } | undefined {
  if (!enabled || !process.stderr.isTTY) return undefined;
  const bar = progressBar("bench", { unit: "steps" });
  return {
    update: (message) => {
      const m = /^\[(\d+)\/(\d+)\] (.*)$/.exec(message);
      if (m) bar.update(Number(m[1]) - 1, { total: Number(m[2]), label: m[3]!.slice(0, 48) });
      else bar.update(0, { label: message.slice(0, 48) });
    },
    done: () => bar.done(),
  };
}

export async function run(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first && detailed[first]) return detailed[first]!(rest);
  const opts = parseArgs(argv);
  if (opts.help) {
    console.log(
      "usage: npm run bench [-- --json] [--out file.json] [--only key,key] [--quick] [--check] [--verbose] [--list]\n" +
        "       npm run bench -- orders|settlements [flags of that benchmark]",
    );
    return 0;
  }
  if (opts.list) {
    for (const r of benchRows) console.log(`${r.key.padEnd(32)} ${targetText(r).padEnd(50)} ${r.title}`);
    return 0;
  }
  const progress = terminalProgress(!opts.json);
  // The app's own log lines (the local host's telemetry goes to console.log) are not the bench's output: they
  // go to stderr with --verbose and nowhere otherwise, so that stdout is the table or the JSON object alone.
  const { log, info, debug } = console;
  const aside = opts.verbose ? (...args: unknown[]) => console.error(...args) : () => undefined;
  console.log = console.info = console.debug = aside;
  let report: BenchReport;
  try {
    report = await runBench(benchRows, { quick: opts.quick, only: opts.only, progress: progress?.update });
  } finally {
    Object.assign(console, { log, info, debug });
    progress?.done();
  }
  const results = rowResults(report);
  if (opts.out) writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else console.log(formatReport(report, benchRows));
  if (results.some(([, r]) => r.error)) return 1;
  return opts.check && results.some(([, r]) => !r.met) ? 1 : 0;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
