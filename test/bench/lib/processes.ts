/**
 * Whole processes, as a user runs them: wall time from spawn to exit, and the peak resident memory of every
 * Node process the command started (a launcher that spawns a child counts both: they are alive together).
 *
 * Peak memory comes from each process itself: a preload script (NODE_OPTIONS=--require, inherited by child
 * processes) writes `process.resourceUsage().maxRSS` (the kernel's high-water mark) to a file at exit. That
 * needs no platform tool and misses no short peak, unlike sampling from outside.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ProcessRun {
  seconds: number;
  exitCode: number | null;
  /** Sum over the command's Node processes of their peak RSS, MB; undefined when not asked for. */
  peakRssMb?: number;
  /** Peak RSS per process, MB, in exit order. */
  processes?: number[];
  stdout: string;
  stderr: string;
}

const PROBE = `"use strict";
const { appendFileSync } = require("node:fs");
process.on("exit", () => {
  try {
    appendFileSync(process.env.BENCH_RSS_FILE, process.pid + " " + process.resourceUsage().maxRSS + "\\n");
  } catch {}
});
`;

/** Writes the memory probe into `dir` once and returns its path. */
export function rssProbe(dir: string): string {
  const file = join(dir, "rss-probe.cjs");
  if (!existsSync(file)) writeFileSync(file, PROBE);
  return file;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Measure peak RSS (needs a directory for the probe and its output). */
  rssDir?: string;
  /** Keep stdout (default: drained and dropped, so that a large output does not cost memory here). */
  keepStdout?: boolean;
  timeoutMs?: number;
}

/** Runs `node <args>` to completion. */
export function runNode(args: string[], opts: RunOptions = {}): Promise<ProcessRun> {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  let rssFile: string | undefined;
  if (opts.rssDir) {
    rssFile = join(opts.rssDir, `rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
    const probe = rssProbe(opts.rssDir);
    env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --require ${JSON.stringify(probe)}`.trim();
    env.BENCH_RSS_FILE = rssFile;
  }
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      if (opts.keepStdout) stdout += d;
    });
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < 20_000) stderr += d;
    });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (timer) clearTimeout(timer);
      const run: ProcessRun = { seconds, exitCode: code, stdout, stderr };
      if (rssFile) {
        const kb = existsSync(rssFile)
          ? readFileSync(rssFile, "utf8")
              .trim()
              .split("\n")
              .filter(Boolean)
              .map((l) => Number(l.split(" ")[1]))
          : [];
        rmSync(rssFile, { force: true });
        run.processes = kb.map((k) => Math.round((k / 1024) * 10) / 10);
        run.peakRssMb = Math.round((kb.reduce((a, b) => a + b, 0) / 1024) * 10) / 10;
      }
      resolve(run);
    });
  });
}

/** How to run a module of this benchmark as its own process: compiled JavaScript, or TypeScript through tsx. */
export function nodeArgsFor(modulePath: string): string[] {
  return modulePath.endsWith(".ts") ? ["--import", "tsx", modulePath] : [modulePath];
}
