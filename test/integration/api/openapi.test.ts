/**
 * The OpenAPI (Swagger 2.0) document Power Automate imports: valid by a real Swagger 2.0 validator, one
 * operation per registered HTTP function (read from the registrations, as the manifest test does) and no
 * other, every operation complete, and the committed connector/ equal to what the app serves.
 */
import SwaggerParser from "@apidevtools/swagger-parser";
import { readFileSync } from "node:fs";
import { PNG } from "pngjs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalHost, startLocalHost } from "../../../src/local/host";
import { type Registration, loadAppAsync } from "../../../src/local/registry";
import { checkRouteDocs } from "../../../src/platform/api-docs/check";
import { ICON_BRAND_COLOR, PLACEHOLDER_HOST, connectorDefinition } from "../../../src/platform/api-docs/connector";
import { describedRoutes } from "../../../src/platform/api-docs/routes";
import { swaggerPath } from "../../../src/platform/api-docs/swagger";
import { loadConfig } from "../../../src/wiring/config";
import { ICON_SIZE, LOGO_BOX, connectorFiles } from "../../../scripts/connector";

const ROOT = join(__dirname, "..", "..", "..");
type Doc = Record<string, any> & { paths: Record<string, Record<string, any>> };

let regs: Registration[];
let host: LocalHost;
let served: Doc;

beforeAll(async () => {
  regs = (await loadAppAsync()).filter((r) => r.kind === "http");
  host = await startLocalHost({ port: 0, schedules: false, registrations: await loadAppAsync(), config: loadConfig({}), app: {} });
  const res = await fetch(`${host.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  served = (await res.json()) as Doc;
});

afterAll(async () => {
  await host?.stop();
});

const operations = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

describe("GET /api/openapi.json", () => {
  it("is a valid Swagger 2.0 document (swagger-parser validates it against the Swagger 2.0 schema and its rules)", async () => {
    expect(served.swagger).toBe("2.0");
    await expect(SwaggerParser.validate(structuredClone(served) as any)).resolves.toBeDefined();
  });

  it("describes every registered HTTP function, with its method and route, and nothing else", () => {
    const registered = regs
      .flatMap((r) => (r.trigger.methods as string[]).map((m) => `${m.toUpperCase()} ${swaggerPath(String(r.trigger.route ?? r.name))}`))
      .sort();
    const documented = operations(served)
      .map((o) => `${o.method.toUpperCase()} ${o.path}`)
      .sort();
    expect(documented).toEqual(registered);
    const described = new Map(describedRoutes().map((d) => [d.functionName, d]));
    for (const r of regs) {
      const d = described.get(r.name);
      expect(d, `${r.name} has no describeRoute (docs/power-automate.md)`).toBeDefined();
      expect(`${d!.method} ${d!.route}`, r.name).toBe(`${(r.trigger.methods as string[])[0]!.toUpperCase()} ${String(r.trigger.route)}`);
      expect(Boolean(d!.anonymous), `${r.name}: "anonymous" says why, exactly when authLevel is anonymous`).toBe(
        r.trigger.authLevel === "anonymous",
      );
    }
    expect([...described.keys()].filter((n) => !regs.some((r) => r.name === n))).toEqual([]);
  });

  it("gives every operation an operationId, summary, description, visibility, responses with schemas and examples", () => {
    expect(checkRouteDocs(describedRoutes())).toEqual([]);
    for (const { path, method, op } of operations(served)) {
      const at = `${method} ${path}`;
      expect(op.operationId, at).toMatch(/^[A-Z][A-Za-z0-9]+$/);
      expect(op.summary, at).toBeTruthy();
      expect(op.description, at).toBeTruthy();
      expect(["important", "advanced", "internal"], at).toContain(op["x-ms-visibility"]);
      const success = Object.entries(op.responses as Record<string, any>).filter(([s]) => /^2/.test(s));
      expect(success.length, at).toBeGreaterThan(0);
      for (const [status, r] of success) {
        if (r.schema) expect(r.examples?.["application/json"], `${at} ${status}: example`).toBeDefined();
      }
      for (const p of op.parameters ?? []) expect(p["x-ms-summary"], `${at} ${p.name}`).toBeTruthy();
    }
    const important = operations(served).filter((o) => o.op["x-ms-visibility"] === "important");
    expect(important.map((o) => o.op.operationId)).toEqual(
      expect.arrayContaining(["ImportSettlement", "GetSettlement", "ApproveSettlement", "SyncOrder", "GetStatus", "ListDeadLetters"]),
    );
  });

  it("asks for the function key as an apiKey (x-functions-key), except on the anonymous routes", () => {
    expect(served.securityDefinitions).toEqual({
      api_key: expect.objectContaining({ type: "apiKey", in: "header", name: "x-functions-key" }),
    });
    expect(served.security).toEqual([{ api_key: [] }]);
    const anonymous = regs.filter((r) => r.trigger.authLevel === "anonymous").map((r) => swaggerPath(String(r.trigger.route)));
    for (const { path, op } of operations(served)) {
      if (anonymous.includes(path)) expect(op.security, path).toEqual([]);
      else expect(op.security, path).toBeUndefined();
    }
  });

  it("documents the long calls with 202 + Location and Retry-After, and the result as the 200 schema", () => {
    for (const id of ["ImportSettlement", "ApproveSettlement", "BackfillOrders", "GetSettlement"]) {
      const op = operations(served).find((o) => o.op.operationId === id)!.op;
      expect(op.responses["202"].headers, id).toEqual({
        Location: expect.objectContaining({ type: "string" }),
        "Retry-After": expect.objectContaining({ type: "integer" }),
      });
      expect(op.responses["200"].schema, id).toBeDefined();
    }
    // The import, the approval and the settlement's status URL end with the same 200 body (the flow goes on with it).
    const get = operations(served).find((o) => o.op.operationId === "GetSettlement")!.op;
    for (const id of ["ImportSettlement", "ApproveSettlement"]) {
      expect(operations(served).find((o) => o.op.operationId === id)!.op.responses["200"].schema, id).toEqual(get.responses["200"].schema);
    }
  });

  it("uses only the Swagger 2.0 schema subset: no anyOf, oneOf, not, nullable or type arrays", () => {
    const bad: string[] = [];
    const walk = (v: unknown, at: string) => {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}[${i}]`));
      else if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (["anyOf", "oneOf", "not", "nullable", "const", "$defs"].includes(k) && !at.includes("examples")) bad.push(`${at}.${k}`);
          if (k === "type" && Array.isArray(x)) bad.push(`${at}.type`);
          walk(x, `${at}.${k}`);
        }
      }
    };
    walk(served.paths, "paths");
    walk(served.definitions, "definitions");
    expect(bad).toEqual([]);
  });

  it("names this app as the host, so a maker can import it from the app's own URL", () => {
    expect(served.host).toBe(new URL(host.url).host);
    expect(served.basePath).toBe("/api");
  });
});

describe("The committed connector/ folder", () => {
  it("holds exactly what the app serves, with the placeholder host (npx tsx scripts/connector.ts writes it)", () => {
    const committed = JSON.parse(readFileSync(join(ROOT, "connector", "apiDefinition.swagger.json"), "utf8"));
    expect(committed).toEqual({ ...served, host: PLACEHOLDER_HOST, schemes: ["https"] });
    expect(committed).toEqual(connectorDefinition(describedRoutes()));
    for (const [name, content] of Object.entries(connectorFiles(describedRoutes()))) {
      expect(
        readFileSync(join(ROOT, "connector", name)).equals(content),
        `connector/${name} is out of date: npx tsx scripts/connector.ts`,
      ).toBe(true);
    }
  });

  it("has apiProperties.json with the brand colour and the function key as a securestring connection parameter", () => {
    const props = JSON.parse(readFileSync(join(ROOT, "connector", "apiProperties.json"), "utf8")).properties;
    expect(props.iconBrandColor).toBe(ICON_BRAND_COLOR);
    expect(props.iconBrandColor).toMatch(/^#[0-9a-f]{6}$/);
    expect(["#007ee5", "#ffffff"]).not.toContain(props.iconBrandColor.toLowerCase());
    expect(props.connectionParameters.api_key).toMatchObject({ type: "securestring", uiDefinition: { constraints: { required: "true" } } });
  });

  it("has an icon by the certification rules: 230 px square, opaque, the logo within 160 px, on the brand colour", () => {
    const png = PNG.sync.read(readFileSync(join(ROOT, "connector", "icon.png")));
    expect([png.width, png.height]).toEqual([ICON_SIZE, ICON_SIZE]);
    const brand = [1, 3, 5].map((i) => Number.parseInt(ICON_BRAND_COLOR.slice(i, i + 2), 16));
    const margin = (ICON_SIZE - LOGO_BOX) / 2;
    let logo = 0;
    for (let y = 0; y < png.height; y++) {
      for (let x = 0; x < png.width; x++) {
        const i = (y * png.width + x) * 4;
        expect(png.data[i + 3], `alpha at ${x},${y}`).toBe(255);
        const background = [0, 1, 2].every((c) => png.data[i + c] === brand[c]);
        if (!background) {
          logo++;
          const inside = x >= margin && x < ICON_SIZE - margin && y >= margin && y < ICON_SIZE - margin;
          if (!inside) throw new Error(`logo pixel outside the ${LOGO_BOX} px square at ${x},${y}`);
        }
      }
    }
    expect(logo).toBeGreaterThan(ICON_SIZE * 10);
  });

  it("keeps the title and description within the certification rules", () => {
    expect(served.info.title.length).toBeLessThanOrEqual(30);
    expect(served.info.title).not.toMatch(/\b(API|Connector|Power Automate|Power Apps|Logic Apps)\b/);
    expect(served.info.description.length).toBeGreaterThanOrEqual(30);
    expect(served.info.description.length).toBeLessThanOrEqual(500);
    expect(served.info.contact).toBeDefined();
  });
});
