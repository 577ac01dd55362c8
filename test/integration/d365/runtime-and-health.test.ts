import { afterAll, beforeAll, describe, expect, it } from "vitest";
import "../../../src/d365/index";
import { loadConfig } from "../../../src/platform/config";
import { runHealthChecks } from "../../../src/platform/health";
import type { SecretStore } from "../../../src/platform/ports";
import { runtime, setRuntimeOverrides } from "../../../src/runtime";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";

let sim: D365Simulator;
const secrets: SecretStore = {
  get: async (name) => (name === "d365-client-secret" ? "fake-secret" : Promise.reject(new Error(`no ${name}`))),
  tryGet: async (name) => (name === "d365-client-secret" ? "fake-secret" : undefined),
};

beforeAll(async () => {
  sim = await startD365Simulator({ port: 0 });
  setRuntimeOverrides({ config: loadConfig({ D365_BASE_URL: sim.url, D365_MAX_RETRIES: "1" }), secrets });
});
afterAll(async () => {
  setRuntimeOverrides({});
  await sim.stop();
});

describe("the d365 runtime member and health check", () => {
  it("builds the connector from settings (simulator auth mode) and reads through it", async () => {
    const c = await runtime().d365.customers.get("AMZ-DE");
    expect(c?.SalesCurrencyCode).toBe("EUR");
    expect(sim.requests().counts["token POST"]).toBe(1);
  });

  it("reports healthy when a token is obtained and one row can be read", async () => {
    const result = await runHealthChecks(runtime());
    const d365 = result.checks.find((c) => c.name === "d365");
    expect(d365).toMatchObject({ ok: true, detail: expect.stringMatching(/token ok; read CustomersV3/) });
  });

  it("reports unhealthy with the reason when D365 keeps failing", async () => {
    sim.injectFault({ kind: "error", status: 503, target: "CustomersV3", times: 0 });
    try {
      const result = await runHealthChecks(runtime());
      const d365 = result.checks.find((c) => c.name === "d365");
      expect(d365?.ok).toBe(false);
      expect(d365?.detail).toMatch(/503/);
    } finally {
      sim.clearFaults();
    }
  });
});
