#!/usr/bin/env node
// `npm run build`, and `npm ci` / `npm install` in a clone (the prepare script, with --if-possible): compiles
// src/ and the benchmarks into dist/ with tsc, then stamps the build (scripts/build-stamp.js) so that
// bin/d365-amazon.js runs the compiled code until a source changes.
// Files under src/ that the app reads at run time and tsc does not emit (the dashboard's page: *.html, *.css,
// and its browser *.js) are copied beside the compiled modules, so dist/ and the Azure package serve them.
//   --if-possible   a failed build warns and exits 0 (an install must not fail on a type error in the working
//                   tree, or where the development dependencies are left out); the command then runs the source.
"use strict";
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { removeStamp, snapshot, writeStamp } = require("./build-stamp");

const root = path.join(__dirname, "..");
const ifPossible = process.argv.includes("--if-possible");
removeStamp(root); // while tsc writes, dist/ is neither finished nor current
const snap = snapshot(root);
let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
} catch {
  tsc = undefined;
}
const result = tsc ? spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" }) : undefined;
/** Copies src/**\/*.{html,css,js} to dist/src/ (src/ holds no other .js: the app's modules are TypeScript). */
function copyAssets() {
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && /\.(html|css|js)$/.test(entry.name)) {
        fs.mkdirSync(path.join(root, "dist", rel), { recursive: true });
        fs.copyFileSync(path.join(root, child), path.join(root, "dist", child));
      }
    }
  };
  walk("src");
}

if (result?.status === 0) {
  copyAssets();
  writeStamp(root, snap);
  process.exit(0);
}
const why = tsc ? `tsc exited ${result?.status ?? result?.signal}` : "typescript is not installed (development dependencies left out?)";
if (ifPossible) {
  console.warn(`d365-amazon-connect: no build (${why}); the d365-amazon command will run the TypeScript source.`);
  process.exit(0);
}
console.error(`build failed: ${why}`);
process.exit(1);
