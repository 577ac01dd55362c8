import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { runHealthChecks } from "../../../src/platform/health";
import type { SecretStore } from "../../../src/platform/ports";
import { type App, createApp } from "../../../src/wiring/app";
import { loadConfig } from "../../../src/wiring/config";
import { healthProbes } from "../../../src/wiring/operations";

let sim: D365Simulator;
let app: App;
const secrets: SecretStore = {
  get: async (name) => (name === "d365-client-secret" ? "fake-secret" : Promise.reject(new Error(`no ${name}`))),
  tryGet: async (name) => (name === "d365-client-secret" ? "fake-secret" : undefined),
};

beforeAll(async () => {
  sim = await startD365Simulator({ port: 0 });
  app = createApp(loadConfig({ D365_BASE_URL: sim.url, D365_MAX_RETRIES: "1" }), { secrets });
});
afterAll(async () => {
  await sim.stop();
});

describe("the app's D365 connector and its health check", () => {
  it("builds the connector from settings (simulator auth mode) and reads through it", async () => {
    const c = await app.d365.customers.get("AMZ-DE");
    expect(c?.SalesCurrencyCode).toBe("EUR");
    expect(sim.requests().counts["token POST"]).toBe(1);
  });

  it("reports healthy when a token is obtained and one row can be read", async () => {
    const result = await runHealthChecks(healthProbes(app));
    const d365 = result.checks.find((c) => c.name === "d365");
    expect(d365).toMatchObject({ ok: true, detail: expect.stringMatching(/token ok; read CustomersV3/) });
  });

  it("reports unhealthy with the reason when D365 keeps failing", async () => {
    sim.injectFault({ kind: "error", status: 503, target: "CustomersV3", times: 0 });
    try {
      const result = await runHealthChecks(healthProbes(app));
      const d365 = result.checks.find((c) => c.name === "d365");
      expect(d365?.ok).toBe(false);
      expect(d365?.detail).toMatch(/503/);
    } finally {
      sim.clearFaults();
    }
  });
});
