/**
 * bin/d365-amazon.js runs the compiled dist/ while the build is current and the TypeScript source as soon as
 * anything under src/ changed, was added or removed — never a stale build. Checked on a miniature app (the
 * real launcher and stamp code, a src/cli.ts and a dist/src/cli.js that say which one ran), and on the app
 * itself from another working directory.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = join(__dirname, "../..");
// The plain CommonJS module the launcher and the build use.
const stamp = createRequire(__filename)(join(root, "scripts/build-stamp.js")) as {
  snapshot(root: string): unknown;
  writeStamp(root: string, snap: unknown): void;
  removeStamp(root: string): void;
};

let app: string;
const cli = (body: string) => `export async function main(argv: string[]): Promise<number> { ${body}; return 0; }\n`;
const run = (cwd = app) => {
  const r = spawnSync(process.execPath, [join(app, "bin/d365-amazon.js"), "hello"], { cwd, encoding: "utf8", timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
};
/** A build: dist/ written from the current sources, then stamped (as scripts/build.js does after tsc). */
const build = () => {
  const snap = stamp.snapshot(app);
  writeFileSync(join(app, "dist/src/cli.js"), 'exports.main = async (argv) => { console.log("compiled " + argv.join(" ")); return 0; };\n');
  stamp.writeStamp(app, snap);
};

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "launch-"));
  mkdirSync(join(app, "bin"));
  mkdirSync(join(app, "scripts"));
  mkdirSync(join(app, "src"));
  mkdirSync(join(app, "dist/src"), { recursive: true });
  cpSync(join(root, "bin/d365-amazon.js"), join(app, "bin/d365-amazon.js"));
  cpSync(join(root, "scripts/build-stamp.js"), join(app, "scripts/build-stamp.js"));
  writeFileSync(join(app, "package.json"), '{ "name": "launch-test", "private": true }\n');
  symlinkSync(join(root, "node_modules"), join(app, "node_modules"), "dir");
  writeFileSync(
    join(app, "src/cli.ts"),
    `${cli('console.log("source " + argv.join(" "))')}if (require.main === module) main(process.argv.slice(2));\n`,
  );
  writeFileSync(join(app, "src/other.ts"), "export const other = 1;\n");
});

afterAll(() => rmSync(app, { recursive: true, force: true }));

describe("the d365-amazon command", () => {
  it("runs the source when there is no build", () => {
    stamp.removeStamp(app);
    expect(run()).toBe("source hello");
  });

  it("runs the compiled app while the build is current, from any working directory", () => {
    build();
    expect(run()).toBe("compiled hello");
    expect(run(tmpdir())).toBe("compiled hello");
  });

  it("runs the source as soon as a source file is saved after the build", () => {
    build();
    utimesSync(join(app, "src/other.ts"), new Date(), new Date());
    expect(run()).toBe("source hello");
  });

  it("runs the source when a file was added, removed, or given an older time stamp", () => {
    build();
    writeFileSync(join(app, "src/added.ts"), "export {};\n");
    expect(run()).toBe("source hello");
    rmSync(join(app, "src/added.ts"));
    expect(run()).toBe("compiled hello");
    rmSync(join(app, "src/other.ts"));
    expect(run()).toBe("source hello");
    writeFileSync(join(app, "src/other.ts"), "export const other = 1;\n");
    build();
    expect(run()).toBe("compiled hello");
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(app, "src/other.ts"), past, past);
    expect(run()).toBe("source hello");
  });

  it("starts the real app from another working directory", () => {
    const r = spawnSync(process.execPath, [join(root, "bin/d365-amazon.js"), "--help"], {
      cwd: tmpdir(),
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/usage: d365-amazon <command>/);
  });
});
