/**
 * The import graph of src/, read with the TypeScript compiler's parser: one node per .ts module, one arrow
 * per module it imports (value and type imports alike, re-exports, `import("...")` types, dynamic imports and
 * require calls). Package imports are kept per module, so the layering rules can refuse SDKs too.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import ts from "typescript";

export interface ImportGraph {
  /** Module paths relative to the root (posix separators), e.g. "flows/orders/import-order.ts". */
  modules: string[];
  /** module -> the modules it imports (relative paths, resolved to .ts files). */
  edges: Map<string, Set<string>>;
  /** module -> the packages it imports ("@azure/functions", "zod", ...; node: built-ins left out). */
  packages: Map<string, Set<string>>;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/**
 * Every module specifier a source file names. With `runtimeOnly`, only the imports that remain in the
 * compiled JavaScript (type-only imports and `import("...")` types vanish): what the app needs to start.
 */
export function importSpecifiers(fileName: string, text: string, options: { runtimeOnly?: boolean } = {}): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const specs: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!(options.runtimeOnly && node.importClause?.isTypeOnly)) specs.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!(options.runtimeOnly && node.isTypeOnly)) specs.push(node.moduleSpecifier.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      if (!options.runtimeOnly) specs.push(node.argument.literal.text);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === "require")) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      specs.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

const posix = (p: string) => p.split(sep).join("/");

/** The package a bare specifier names: "@azure/functions" for "@azure/functions/x", "zod" for "zod/v4". */
export function packageName(spec: string): string {
  return spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
}

/** The graph of every .ts module under `root`; with `runtimeOnly`, only the imports left in the compiled JavaScript. */
export function buildImportGraph(root: string, options: { runtimeOnly?: boolean } = {}): ImportGraph {
  const files = tsFiles(root);
  const modules = files.map((f) => posix(relative(root, f)));
  const edges = new Map<string, Set<string>>();
  const packages = new Map<string, Set<string>>();
  for (const file of files) {
    const from = posix(relative(root, file));
    const targets = new Set<string>();
    const pkgs = new Set<string>();
    for (const spec of importSpecifiers(file, readFileSync(file, "utf8"), options)) {
      if (spec.startsWith(".")) {
        const base = join(file, "..", spec);
        const target = [`${base}.ts`, join(base, "index.ts"), base].find((c) => c.endsWith(".ts") && existsSync(c));
        if (target) targets.add(posix(relative(root, target)));
      } else if (!spec.startsWith("node:")) {
        pkgs.add(packageName(spec));
      }
    }
    edges.set(from, targets);
    packages.set(from, pkgs);
  }
  return { modules, edges, packages };
}

/** A graph from a plain description (for the tests of the rules themselves). */
export function graphOf(arrows: Record<string, string[]>, pkgs: Record<string, string[]> = {}): ImportGraph {
  const names = new Set([...Object.keys(arrows), ...Object.values(arrows).flat(), ...Object.keys(pkgs)]);
  const modules = [...names].sort();
  return {
    modules,
    edges: new Map(modules.map((m) => [m, new Set(arrows[m] ?? [])])),
    packages: new Map(modules.map((m) => [m, new Set(pkgs[m] ?? [])])),
  };
}

export function arrowCount(graph: ImportGraph): number {
  let n = 0;
  for (const targets of graph.edges.values()) n += targets.size;
  return n;
}

/**
 * The import cycles: every strongly connected component with more than one module (or a module that
 * imports itself), each as its modules sorted. Tarjan's algorithm.
 */
export function cycles(graph: ImportGraph): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.edges.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.edges.get(v)?.has(v)) out.push(component.sort());
    }
  };
  for (const m of graph.modules) if (!indices.has(m)) connect(m);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The graph of folders: modules collapsed by `unitOf` (arrows inside one folder are dropped). */
export function collapse(graph: ImportGraph, unitOf: (module: string) => string): ImportGraph {
  const arrows: Record<string, string[]> = {};
  for (const m of graph.modules) arrows[unitOf(m)] ??= [];
  for (const [from, targets] of graph.edges) {
    for (const to of targets) {
      const a = unitOf(from);
      const b = unitOf(to);
      if (a !== b && !arrows[a]!.includes(b)) arrows[a]!.push(b);
    }
  }
  return graphOf(arrows);
}
