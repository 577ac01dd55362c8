#!/usr/bin/env node
// The `d365-amazon` command. It runs the compiled app in dist/ when that build is current (`npm run build`,
// which `npm ci` runs too, and no source changed since: scripts/build-stamp.js), which starts in about a
// tenth of a second; otherwise the TypeScript source through tsx, so it never runs a stale build. Where only
// the compiled app exists (a package without src/), it runs dist/.
"use strict";
const path = require("node:path");
const fs = require("node:fs");
const root = path.join(__dirname, "..");
const source = path.join(root, "src", "cli.ts");
const compiled = path.join(root, "dist", "src", "cli.js");

function runCompiled() {
  require(compiled)
    .main(process.argv.slice(2))
    .then((code) => process.exit(code ?? 0));
}

if (!fs.existsSync(source)) {
  runCompiled();
} else if (process.env.D365_AMAZON_FROM_SOURCE !== "1" && !require("../scripts/build-stamp").staleReason(root, compiled)) {
  runCompiled();
} else {
  let tsx;
  try {
    // Resolved from the app, not from the working directory: the command works from any folder.
    tsx = require("node:url").pathToFileURL(require.resolve("tsx", { paths: [root] })).href;
  } catch {
    console.error("d365-amazon: the sources changed since the last build and tsx is not installed; run `npm run build` (or `npm ci`).");
    process.exit(1);
  }
  // The CLI loads its commands with import(), which needs tsx in the ESM loader too (node --import tsx).
  const { spawn } = require("node:child_process");
  const child = spawn(process.execPath, ["--import", tsx, source, ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child too (same process group); it stops cleanly and its exit code becomes ours.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
