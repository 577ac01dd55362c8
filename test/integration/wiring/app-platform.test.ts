import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { TableStateStore } from "../../../src/platform/azure/table-state";
import { AzureBlobStore } from "../../../src/platform/azure/blob-store";
import { loadConfig } from "../../../src/wiring/config";
import { ConfigurationError } from "../../../src/platform/errors";
import { runHealthChecks } from "../../../src/platform/health";
import { getWatermark, listRuns, recordRun, setWatermark } from "../../../src/platform/run-records";
import { listParked, parkMessage, removeParked } from "../../../src/platform/parked-messages";
import { EnvSecretStore } from "../../../src/platform/secrets";
import { type App, createApp } from "../../../src/wiring/app";
import { healthProbes } from "../../../src/wiring/operations";

function appWith(env: Record<string, string>): App {
  return createApp(
    loadConfig({
      STORAGE_CONNECTION_STRING: process.env.TEST_STORAGE_CONNECTION_STRING!,
      STATE_TABLE_PREFIX: `w${randomBytes(4).toString("hex")}`,
      ...env,
    }),
  );
}

describe("the app's platform parts", () => {
  it("builds Table state and Blob storage from the settings", () => {
    const app = appWith({});
    expect(app.state).toBeInstanceOf(TableStateStore);
    expect(app.blobs).toBeInstanceOf(AzureBlobStore);
    expect(app.secrets).toBeInstanceOf(EnvSecretStore);
  });

  it("explains that the bus needs a namespace in Azure and comes from the local host locally", () => {
    const app = appWith({});
    let err: unknown;
    try {
      void app.bus;
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as ConfigurationError).message).toMatch(/ServiceBusConnection__fullyQualifiedNamespace/);
    expect((err as ConfigurationError).message).toMatch(/in-memory bus/);
  });

  it("reports healthy state and names (never values) of the secrets that are set", async () => {
    const app = appWith({});
    process.env.SPAPI_REFRESH_TOKEN = "fake-refresh-token-value";
    try {
      const result = await runHealthChecks(healthProbes(app));
      const state = result.checks.find((c) => c.name === "state");
      const secrets = result.checks.find((c) => c.name === "secrets");
      expect(state).toMatchObject({ ok: true });
      expect(secrets?.ok).toBe(true);
      expect(secrets?.detail).toMatch(/environment: \d of 4 set/);
      expect(JSON.stringify(result)).not.toContain("fake-refresh-token-value");
    } finally {
      delete process.env.SPAPI_REFRESH_TOKEN;
    }
  });

  it("reports unhealthy state when storage cannot be reached", async () => {
    const app = createApp(
      loadConfig({
        STORAGE_CONNECTION_STRING:
          "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=ZmFrZQ==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;",
      }),
    );
    const result = await runHealthChecks(healthProbes(app), 20_000);
    expect(result.checks.find((c) => c.name === "state")?.ok).toBe(false);
    expect(result.ok).toBe(false);
  });
});

describe("run records, watermarks and parked messages on Table Storage", () => {
  it("work the same on Azurite as in memory", async () => {
    const state = appWith({}).state;
    await recordRun(state, {
      flow: "orders-catchup",
      scope: "ATVPDKIKX0DER",
      startedAt: new Date("2026-01-01T00:00:00Z"),
      finishedAt: new Date("2026-01-01T00:00:02Z"),
      outcome: "succeeded",
      counts: { orders: 2 },
    });
    const [run] = await listRuns(state);
    expect(run).toMatchObject({ flow: "orders-catchup", scope: "ATVPDKIKX0DER", totals: { orders: 2 } });
    expect(run!.lastRun?.finishedAt).toBeInstanceOf(Date);

    await Promise.all(
      ["2026-01-01T00:03:00Z", "2026-01-01T00:01:00Z", "2026-01-01T00:02:00Z"].map((v) =>
        setWatermark(state, "orders-catchup", "ATVPDKIKX0DER", new Date(v)),
      ),
    );
    expect((await getWatermark(state, "orders-catchup", "ATVPDKIKX0DER"))?.toISOString()).toBe("2026-01-01T00:03:00.000Z");

    await parkMessage(state, {
      queue: "order-import",
      messageId: "111-2223333-4444444@2026-01-01T00:00:00Z",
      body: { amazonOrderId: "111-2223333-4444444" },
      reason: "mapping-gap",
      description: "SKU ABC-1 unknown",
    });
    const parked = await listParked(state, { queue: "order-import" });
    expect(parked.map((p) => p.messageId)).toEqual(["111-2223333-4444444@2026-01-01T00:00:00Z"]);
    await removeParked(state, "order-import", parked[0]!.messageId);
    expect(await listParked(state)).toHaveLength(0);
  });
});
