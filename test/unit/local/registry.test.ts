import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { isFunctionsCoreShimInstalled, loadAppAsync, registrations } from "../../../src/local/registry";

const root = path.resolve(__dirname, "..", "..", "..");

describe("the @azure/functions-core stand-in", () => {
  it("is installed in every vitest worker before @azure/functions loads", () => {
    expect(isFunctionsCoreShimInstalled()).toBe(true);
    const core = createRequire(__filename)("@azure/functions-core") as { registerFunction: unknown };
    expect(typeof core.registerFunction).toBe("function");
  });

  it("captures every app.* and df.app.* registration with its kind, trigger and handler", async () => {
    const regs = await loadAppAsync(() => import("../../fixtures/local-app"));
    const byName = new Map(regs.map((r) => [r.name, r]));
    expect(byName.get("fxHello")).toMatchObject({
      kind: "http",
      trigger: { type: "httpTrigger", route: "hello/{name}", methods: ["GET"] },
    });
    expect(byName.get("fxTick")).toMatchObject({ kind: "timer", trigger: { type: "timerTrigger", schedule: "%FX_TICK_SCHEDULE%" } });
    expect(byName.get("fxQueue")).toMatchObject({
      kind: "serviceBusQueue",
      trigger: { type: "serviceBusTrigger", queueName: "%FX_QUEUE%", connection: "ServiceBusConnection" },
    });
    expect(byName.get("fxRetry")?.kind).toBe("orchestration");
    expect(byName.get("fxDouble")?.kind).toBe("activity");
    const starter = byName.get("fxStart")!;
    expect(Object.values(starter.metadata.bindings).some((b) => b.type === "durableClient" && b.direction === "in")).toBe(true);
    expect(typeof starter.handler).toBe("function");
  });

  it("keeps one registration per function name, the last one winning, when a module registers again", () => {
    const core = createRequire(__filename)("@azure/functions-core") as {
      registerFunction(metadata: unknown, handler: () => unknown): unknown;
    };
    const meta = { name: "fxTwice", bindings: { t: { type: "timerTrigger", direction: "in", name: "t", schedule: "0 * * * * *" } } };
    core.registerFunction(meta, () => "first");
    core.registerFunction(meta, () => "second");
    const twice = registrations().filter((r) => r.name === "fxTwice");
    expect(twice).toHaveLength(1);
    expect(twice[0]!.handler()).toBe("second");
  });

  it("loads the app's entry with loadApp() under tsx, outside vitest", () => {
    const script = `const r = require("./src/local/registry.ts"); console.log(JSON.stringify(r.loadApp().map((x) => [x.name, x.kind])));`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    const names = JSON.parse(out.trim().split("\n").pop()!) as [string, string][];
    expect(names).toContainEqual(["health", "http"]);
  });
});
