#!/usr/bin/env node
// The `d365-amazon` command. In a clone it runs the TypeScript source (so it never runs a stale build);
// where only the compiled app exists (a published package), it runs dist/.
const path = require("node:path");
const fs = require("node:fs");
const source = path.join(__dirname, "..", "src", "cli.ts");
const compiled = path.join(__dirname, "..", "dist", "src", "cli.js");
if (!fs.existsSync(source) && fs.existsSync(compiled)) {
  require(compiled)
    .main(process.argv.slice(2))
    .then((code) => process.exit(code ?? 0));
} else {
  // The CLI loads its commands with import(), which needs tsx in the ESM loader too (node --import tsx).
  const { spawn } = require("node:child_process");
  const child = spawn(process.execPath, ["--import", "tsx", source, ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child too (same process group); it stops cleanly and its exit code becomes ours.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
