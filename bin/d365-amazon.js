#!/usr/bin/env node
// The `d365-amazon` command. Runs the compiled CLI when it exists, the TypeScript source otherwise.
const path = require("node:path");
const fs = require("node:fs");
const compiled = path.join(__dirname, "..", "dist", "src", "cli.js");
if (fs.existsSync(compiled)) {
  require(compiled).main(process.argv.slice(2)).then((code) => process.exit(code ?? 0));
} else {
  require("tsx/cjs");
  require(path.join(__dirname, "..", "src", "cli.ts")).main(process.argv.slice(2)).then((code) => process.exit(code ?? 0));
}
