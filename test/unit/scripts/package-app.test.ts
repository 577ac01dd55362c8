import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { unzipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAppAsync } from "../../../src/local/registry";
import { buildAppZip, type PackageResult, productionPackages } from "../../../scripts/package-app";

const run = promisify(execFile);
const ROOT = path.join(__dirname, "..", "..", "..");
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };

let tmp: string;
let result: PackageResult;
let entries: Record<string, Uint8Array>;
let site: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "app-package-"));
  // The same compile as `npm run build`, into a folder of its own.
  await run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", path.join(tmp, "build")], {
    cwd: ROOT,
  });
  result = await buildAppZip({ root: ROOT, buildDir: path.join(tmp, "build"), outFile: path.join(tmp, "app.zip"), level: 1 });
  entries = unzipSync(readFileSync(result.outFile));
  // Unpacked outside the repository, so that nothing resolves to the working tree's node_modules.
  site = path.join(tmp, "site");
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith("/")) continue;
    mkdirSync(path.dirname(path.join(site, name)), { recursive: true });
    writeFileSync(path.join(site, name), data);
  }
}, 300_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const names = () => Object.keys(entries);

describe("the deployment package (npm run package)", () => {
  it("is built by `npm run package` after the build", () => {
    expect(pkg.scripts.package).toBe("npm run build && tsx scripts/package-app.ts");
    expect(result.files).toBe(names().length);
  });

  it("has host.json and package.json at its root, unchanged, and the compiled app where package.json's main points", () => {
    expect(Buffer.from(entries["host.json"]!).toString("utf8")).toBe(readFileSync(path.join(ROOT, "host.json"), "utf8"));
    expect(Buffer.from(entries["package.json"]!).toString("utf8")).toBe(readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.main).toBe("dist/src/{index.js,functions/*.js}");
    expect(names()).toContain("dist/src/index.js");
    const functionFiles = readdirSync(path.join(ROOT, "src", "functions")).filter((f) => f.endsWith(".ts"));
    for (const f of functionFiles) expect(names(), f).toContain(`dist/src/functions/${f.replace(/\.ts$/, ".js")}`);
    const mappings = readdirSync(path.join(ROOT, "mappings"), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(mappings.length).toBeGreaterThan(0);
    for (const e of mappings) {
      const rel = path.relative(path.join(ROOT, "mappings"), path.join(e.parentPath, e.name)).split(path.sep).join("/");
      expect(names(), rel).toContain(`mappings/${rel}`);
    }
  });

  it("holds every production dependency and no development-only package", () => {
    for (const dep of Object.keys(pkg.dependencies)) expect(names(), dep).toContain(`node_modules/${dep}/package.json`);
    const devOnly = Object.entries(lock.packages)
      .filter(([k, v]) => k.startsWith("node_modules/") && v.dev)
      .map(([k]) => k);
    // The build and test tools are development-only (a devDependency that a production package also needs,
    // such as @types/node, is installed by `npm ci --omit=dev` too, and so is packaged).
    const tools = ["typescript", "vitest", "azurite", "tsx", "@biomejs/biome", "nock", "tree-sitter-bicep", "web-tree-sitter"];
    expect(devOnly).toEqual(expect.arrayContaining(tools.map((d) => `node_modules/${d}`)));
    const packaged = new Set(
      names().map((n) => /^(node_modules\/(?:@[^/]+\/)?[^/]+(?:\/node_modules\/(?:@[^/]+\/)?[^/]+)*)\//.exec(n)?.[1]),
    );
    expect(devOnly.filter((d) => packaged.has(d))).toEqual([]);
    expect(result.packages).toEqual(productionPackages(ROOT));
    expect(result.packages.length).toBeGreaterThan(Object.keys(pkg.dependencies).length);
  });

  it("leaves out sources, tests, templates, docs and local settings", () => {
    const outside = names().filter((n) => !/^(host\.json|package\.json|dist\/src\/|mappings\/|node_modules\/)/.test(n));
    expect(outside).toEqual([]);
    expect(names().filter((n) => /^dist\/src\/.*\.ts$/.test(n) && !n.endsWith(".d.ts"))).toEqual([]);
    expect(names().some((n) => n.includes("local.settings"))).toBe(false);
    expect(names().some((n) => n.startsWith("node_modules/.bin/"))).toBe(false);
  });

  it("loads on its own: the unpacked package registers the same functions as the sources, with only its own node_modules", async () => {
    // The Functions worker provides @azure/functions-core; this stand-in records the registrations instead.
    const probe = `
      const Module = require("module");
      const names = [];
      const load = Module._load;
      Module._load = function (request, ...rest) {
        if (request === "@azure/functions-core") return {
          setProgrammingModel() {}, log() {}, registerHook: () => ({ dispose() {} }),
          registerFunction: (metadata) => { names.push(metadata.name); return { dispose() {} }; },
        };
        return load.call(this, request, ...rest);
      };
      require("./dist/src/index.js");
      process.stdout.write(JSON.stringify(names));`;
    const { stdout } = await run(process.execPath, ["-e", probe], { cwd: site, env: { PATH: process.env.PATH ?? "" } });
    const fromPackage = (JSON.parse(stdout) as string[]).sort();
    const fromSources = (await loadAppAsync()).map((r) => r.name).sort();
    expect(fromPackage.length).toBeGreaterThan(10);
    expect(fromPackage).toEqual(fromSources);
  });
});
