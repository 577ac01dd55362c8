/**
 * Writes the Power Platform custom connector in connector/ from the app's route descriptions:
 *   npx tsx scripts/connector.ts            write apiDefinition.swagger.json, apiProperties.json and icon.png
 *   npx tsx scripts/connector.ts --check    exit 1 when the committed files differ from what would be written
 *   npx tsx scripts/connector.ts --host my-app.azurewebsites.net --out <dir>   a copy for your own app
 * The definition is what GET /api/openapi.json serves, with the placeholder host (or --host).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { checkRouteDocs } from "../src/platform/api-docs/check";
import { ICON_BRAND_COLOR, PLACEHOLDER_HOST, connectorDefinition, connectorProperties } from "../src/platform/api-docs/connector";
import { type DescribedRoute, describedRoutes } from "../src/platform/api-docs/routes";
import { loadApp } from "../src/local/registry";

export const ICON_SIZE = 230;
/** The logo stays inside this centred square (the certification rules: a ~160 px logo in a 230 px square). */
export const LOGO_BOX = 160;

function rgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The icon: two white panels (D365 and Amazon) with arrows between them, on the brand colour; no transparency. */
export function drawIcon(): Buffer {
  const png = new PNG({ width: ICON_SIZE, height: ICON_SIZE, colorType: 2 });
  const [br, bg, bb] = rgb(ICON_BRAND_COLOR);
  const set = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    const i = (y * ICON_SIZE + x) * 4;
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  };
  const fill = (x0: number, y0: number, x1: number, y1: number, c: [number, number, number]) => {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) set(x, y, c);
  };
  const white: [number, number, number] = [255, 255, 255];
  fill(0, 0, ICON_SIZE, ICON_SIZE, [br, bg, bb]);
  // Panels: x 40..92 and 138..190, y 50..180, with lines of "journal" text in the brand colour.
  for (const x0 of [40, 138]) {
    fill(x0, 50, x0 + 52, 180, white);
    for (let y = 68; y < 170; y += 18) fill(x0 + 9, y, x0 + 43 - ((y / 18) % 2) * 10, y + 7, [br, bg, bb]);
  }
  // Arrow to the right (upper) and to the left (lower).
  fill(98, 92, 120, 100, white);
  for (let i = 0; i < 12; i++) fill(120 + i, 84 + i, 121 + i, 108 - i, white);
  fill(110, 130, 132, 138, white);
  for (let i = 0; i < 12; i++) fill(109 - i, 122 + i, 110 - i, 146 - i, white);
  return PNG.sync.write(png, { colorType: 2 });
}

/** The connector's files for `routes` (the app's described routes: load the app first). */
export function connectorFiles(routes: readonly DescribedRoute[], host = PLACEHOLDER_HOST): Record<string, Buffer> {
  const problems = checkRouteDocs(routes);
  if (problems.length) throw new Error(`route descriptions:\n  ${problems.join("\n  ")}`);
  const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
  return {
    "apiDefinition.swagger.json": json(connectorDefinition(routes, host)),
    "apiProperties.json": json(connectorProperties()),
    "icon.png": drawIcon(),
  };
}

function main(argv: string[]): number {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const out = arg("--out") ?? join(__dirname, "..", "connector");
  loadApp();
  const files = connectorFiles(describedRoutes(), arg("--host") ?? PLACEHOLDER_HOST);
  if (argv.includes("--check")) {
    const stale = Object.entries(files)
      .filter(([name, content]) => !existsSync(join(out, name)) || !readFileSync(join(out, name)).equals(content))
      .map(([name]) => name);
    if (stale.length) console.error(`connector/ is out of date (${stale.join(", ")}): run npx tsx scripts/connector.ts`);
    return stale.length ? 1 : 0;
  }
  mkdirSync(out, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(out, name), content);
  console.log(`wrote ${Object.keys(files).join(", ")} to ${out}`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
