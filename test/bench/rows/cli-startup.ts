/**
 * Start-up of the `d365-amazon` command in a clone: wall time of `node bin/d365-amazon.js --help` (the
 * command's fixed cost) and of `node bin/d365-amazon.js mappings check` (a real command that does little),
 * each started 7 times (3 with --quick) after one warm-up, alternating; the row is the slower of the two
 * medians. npx adds its own start-up on top (about 0.8 s on the reference machine), which the app cannot change.
 * The details also show the same commands when a source changed since the last build (D365_AMAZON_FROM_SOURCE=1
 * forces that path: the TypeScript source through tsx), which is not the row's value.
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import type { BenchRow } from "../bench-row";
import { median, round } from "../bench-row";
import { runNode } from "../lib/processes";

interface StampModule {
  staleReason(root: string, compiled: string): string | undefined;
}

const COMMANDS: Record<string, string[]> = {
  help: ["--help"],
  mappingsCheck: ["mappings", "check"],
};

export const cliStartup: BenchRow = {
  key: "cliStartupSeconds",
  title: "start-up of the d365-amazon command in a clone",
  unit: "s",
  decimals: 2,
  target: { op: "<=", value: 0.5 },
  async measure(ctx) {
    const bin = join(ctx.root, "bin", "d365-amazon.js");
    const repeats = ctx.quick ? 3 : 7;
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
    const once = async (name: string, env?: Record<string, string>) => {
      const r = await runNode([bin, ...COMMANDS[name]!], { cwd: ctx.root, env, timeoutMs: 60_000 });
      if (r.exitCode !== 0) throw new Error(`d365-amazon ${COMMANDS[name]!.join(" ")} exited ${r.exitCode}: ${r.stderr.slice(-2000)}`);
      return r.seconds;
    };
    for (const name of Object.keys(COMMANDS)) await once(name);
    for (let i = 0; i < repeats; i++) {
      ctx.progress(`start-up: run ${i + 1} of ${repeats}`);
      for (const name of Object.keys(COMMANDS)) times[name]!.push(round(await once(name)));
    }
    const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round(median(v))]));
    ctx.progress("start-up: the same after a source edit (source through tsx)");
    const fromSource: Record<string, number[]> = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
    for (let i = 0; i < 3; i++)
      for (const name of Object.keys(COMMANDS)) fromSource[name]!.push(round(await once(name, { D365_AMAZON_FROM_SOURCE: "1" })));
    const sourceMedians = Object.fromEntries(Object.entries(fromSource).map(([k, v]) => [k, round(median(v))]));
    // Which way the command ran: the compiled build (npm run bench builds first) or the source, and why.
    const stale = (createRequire(__filename)(join(ctx.root, "scripts", "build-stamp.js")) as StampModule).staleReason(
      ctx.root,
      join(ctx.root, "dist", "src", "cli.js"),
    );
    const ran = stale ? `the TypeScript source (${stale})` : "the compiled build";
    return {
      value: Math.max(...Object.values(medians)),
      details: { medians, runs: times, ran, afterSourceEdit: sourceMedians },
      note: `--help ${medians.help} s, mappings check ${medians.mappingsCheck} s (medians of ${repeats}, ${ran}); after a source edit, before the next build: ${sourceMedians.help} s and ${sourceMedians.mappingsCheck} s`,
    };
  },
};
