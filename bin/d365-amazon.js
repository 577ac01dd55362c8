#!/usr/bin/env node
// The `d365-amazon` command. Runs the compiled CLI when it exists, the TypeScript source otherwise.
const path = require("node:path");
const fs = require("node:fs");
const compiled = path.join(__dirname, "..", "dist", "src", "cli.js");
if (fs.existsSync(compiled)) {
  require(compiled).main(process.argv.slice(2)).then((code) => process.exit(code ?? 0));
} else {
  // The CLI loads its commands with import(), which needs tsx in the ESM loader too (node --import tsx).
  const { spawn } = require("node:child_process");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "..", "src", "cli.ts"), ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child too (same process group); it stops cleanly and its exit code becomes ours.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
