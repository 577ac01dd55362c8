// "Never a stale build": `npm run build` (scripts/build.js) records in dist/.build-stamp.json the size and
// modification time of every file under src/ and of the tsconfig files as the build starts to read them;
// bin/d365-amazon.js runs the compiled dist/ only while all of them are still the same (none saved since,
// added or removed), and the TypeScript source otherwise. Plain CommonJS: it runs before anything is compiled.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const STAMP = path.join("dist", ".build-stamp.json");
const CONFIGS = ["tsconfig.json", "tsconfig.build.json"];

/** Every file under src/ and the tsconfig files: relative path -> { size, mtimeMs }. */
function sourceFiles(root) {
  const out = new Map();
  const walk = (dir) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile()) {
        const st = fs.statSync(path.join(root, rel));
        out.set(rel.split(path.sep).join("/"), { size: st.size, mtimeMs: st.mtimeMs });
      }
    }
  };
  walk("src");
  for (const c of CONFIGS) {
    const file = path.join(root, c);
    if (fs.existsSync(file)) {
      const st = fs.statSync(file);
      out.set(c, { size: st.size, mtimeMs: st.mtimeMs });
    }
  }
  return out;
}

/** What the build saw when it started; write it with writeStamp once the build succeeded. */
function snapshot(root) {
  const files = {};
  for (const [rel, f] of sourceFiles(root)) files[rel] = [f.size, f.mtimeMs];
  return { started: new Date().toISOString(), files };
}

function removeStamp(root) {
  fs.rmSync(path.join(root, STAMP), { force: true });
}

function writeStamp(root, snap) {
  fs.writeFileSync(path.join(root, STAMP), `${JSON.stringify(snap)}\n`);
}

/** Why dist/ cannot be run (undefined when it is current): no build, or the first source changed since. */
function staleReason(root, compiled) {
  let stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(root, STAMP), "utf8"));
  } catch {
    return "no finished build (npm run build)";
  }
  if (!fs.existsSync(compiled)) return `${path.relative(root, compiled)} is missing`;
  const now = sourceFiles(root);
  for (const [rel, f] of now) {
    const built = stamp.files[rel];
    if (!Array.isArray(built)) return `${rel} is new since the build`;
    // Any other time stamp counts, earlier ones too (a checkout or a copy can set an older time).
    if (f.size !== built[0] || f.mtimeMs !== built[1]) return `${rel} changed since the build`;
  }
  for (const rel of Object.keys(stamp.files)) if (!now.has(rel)) return `${rel} was removed since the build`;
  return undefined;
}

module.exports = { snapshot, writeStamp, removeStamp, staleReason, STAMP };
