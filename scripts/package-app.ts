/**
 * Builds the deployment package for Azure Functions (Flex Consumption "one deploy", or any zip deploy):
 *
 *   npm run package            # = npm run build, then this script; writes app.zip
 *   az functionapp deployment source config-zip -g <rg> -n <app> --src app.zip
 *
 * The zip holds what the Functions host loads and nothing else: host.json and package.json at its root,
 * dist/src/ (the compiled app; package.json "main" points there), mappings/, and node_modules/ with the
 * production dependencies only. Those are read from package-lock.json (every installed package the lockfile
 * does not mark "dev"), so the package is what `npm ci --omit=dev` would install, without touching the
 * working tree's node_modules. Needs no Azure Functions Core Tools.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { Zip, ZipDeflate } from "fflate";

export interface PackageOptions {
  /** The repository root (host.json, package.json, package-lock.json, mappings/, node_modules/). */
  root: string;
  /** Folder whose src/ holds the compiled app; it lands as dist/ in the zip. Default <root>/dist. */
  buildDir?: string;
  /** Where to write the zip. Default <root>/app.zip. */
  outFile?: string;
  /** Deflate level 0 (store) to 9. Default 6. */
  level?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
}

export interface PackageResult {
  outFile: string;
  files: number;
  bytes: number;
  /** The production packages in node_modules (lockfile paths, e.g. node_modules/@azure/functions). */
  packages: string[];
}

interface LockPackage {
  dev?: boolean;
  link?: boolean;
}

/** Lockfile paths of the installed packages that `npm ci --omit=dev` keeps. */
export function productionPackages(root: string): string[] {
  const lockFile = path.join(root, "package-lock.json");
  const lock = JSON.parse(readFileSync(lockFile, "utf8")) as { lockfileVersion?: number; packages?: Record<string, LockPackage> };
  if (!lock.packages || (lock.lockfileVersion ?? 0) < 2)
    throw new Error(`${lockFile}: a lockfile of version 2 or later is needed (npm 7+)`);
  const out: string[] = [];
  for (const [key, pkg] of Object.entries(lock.packages)) {
    if (!key.startsWith("node_modules/") || pkg.dev || pkg.link) continue;
    // An optional dependency for another platform is in the lockfile but not installed: npm skips it too.
    if (!existsSync(path.join(root, key))) continue;
    out.push(key);
  }
  return out.sort();
}

/** Files under dir (relative paths with /), without nested node_modules and symbolic links. */
function filesUnder(dir: string, skipNodeModules: boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (skipNodeModules && entry.name === "node_modules") continue;
        walk(child);
      } else if (entry.isFile()) out.push(child);
    }
  };
  walk("");
  return out.sort();
}

/** The files of the package: zip path -> file on disk. */
export function packageFiles(options: PackageOptions): Map<string, string> {
  const root = path.resolve(options.root);
  const buildDir = path.resolve(options.buildDir ?? path.join(root, "dist"));
  const entry = path.join(buildDir, "src", "index.js");
  if (!existsSync(entry)) throw new Error(`${entry} is missing: build the app first (npm run build)`);
  const files = new Map<string, string>();
  for (const name of ["host.json", "package.json"]) {
    const file = path.join(root, name);
    if (!existsSync(file)) throw new Error(`${file} is missing`);
    files.set(name, file);
  }
  for (const rel of filesUnder(path.join(buildDir, "src"), false)) files.set(`dist/src/${rel}`, path.join(buildDir, "src", rel));
  const mappings = path.join(root, "mappings");
  if (existsSync(mappings)) for (const rel of filesUnder(mappings, false)) files.set(`mappings/${rel}`, path.join(mappings, rel));
  for (const pkg of productionPackages(root)) {
    const dir = path.join(root, pkg);
    // Each nested node_modules/<x> is a lockfile entry of its own (with its own dev flag).
    for (const rel of filesUnder(dir, true)) if (!rel.startsWith(".bin/")) files.set(`${pkg}/${rel}`, path.join(dir, rel));
  }
  return files;
}

/** Writes the zip and says what is in it. */
export async function buildAppZip(options: PackageOptions): Promise<PackageResult> {
  const root = path.resolve(options.root);
  const outFile = path.resolve(options.outFile ?? path.join(root, "app.zip"));
  const files = packageFiles(options);
  const chunks: Uint8Array[] = [];
  let failure: Error | undefined;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else chunks.push(chunk);
  });
  for (const [name, file] of files) {
    const entry = new ZipDeflate(name, { level: options.level ?? 6 });
    entry.mtime = statSync(file).mtime;
    zip.add(entry);
    entry.push(readFileSync(file), true);
    if (failure) throw failure;
  }
  zip.end();
  if (failure) throw failure;
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, Buffer.concat(chunks, bytes));
  const packages = productionPackages(root);
  return { outFile, files: files.size, bytes, packages };
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, "..");
  const outFile = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  const result = await buildAppZip({ root, outFile });
  const size = (result.bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `${path.relative(process.cwd(), result.outFile) || result.outFile}: ${result.files} files, ${size} MB, ${result.packages.length} production packages\n`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`package: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
