// Prints the numbers of src/'s import graph (arrows, cycles, upward arrows, layering violations):
//   npx tsx scripts/import-graph.ts [--list] [<src folder>]
import { join } from "node:path";
import { arrowCount, buildImportGraph, collapse, cycles } from "../test/unit/architecture/import-graph";
import { layeringViolations, unitOf, upwardArrows } from "../test/unit/architecture/layering";

const root = process.argv.slice(2).find((a) => !a.startsWith("--")) ?? join(__dirname, "..", "src");
const graph = buildImportGraph(root);
const found = cycles(graph);
const runtimeCycles = cycles(buildImportGraph(root, { runtimeOnly: true }));
const upward = upwardArrows(graph);
const violations = layeringViolations(graph);
const list = process.argv.includes("--list");
const folders = collapse(graph, unitOf);
const folderCycles = cycles(folders);

console.log(`modules              ${graph.modules.length}`);
console.log(`import arrows        ${arrowCount(graph)}`);
const inCycles = found.reduce((n, c) => n + c.length, 0);
console.log(`cycles               ${found.length} (modules in cycles: ${inCycles}); of runtime imports: ${runtimeCycles.length}`);
console.log(`areas                ${folders.modules.length}, arrows between areas ${arrowCount(folders)}`);
console.log(
  `area cycles          ${folderCycles.length}${folderCycles.length ? ` (${folderCycles.map((c) => c.join(" <-> ")).join("; ")})` : ""}`,
);
console.log(`upward arrows        ${upward.length}`);
console.log(`layering violations  ${violations.length}`);
if (list) {
  for (const c of found) console.log(`cycle: ${c.join(" <-> ")}`);
  for (const u of upward) console.log(`upward: ${u.from} -> ${u.to}`);
  for (const v of violations) console.log(`violation: ${v.from} -> ${v.to} (${v.rule})`);
}
