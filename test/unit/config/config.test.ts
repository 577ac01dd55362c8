import { describe, expect, it } from "vitest";
import { ConfigurationError } from "../../../src/platform/errors";
import { SETTING_NAMES, loadConfig } from "../../../src/wiring/config";

function errorOf(env: Record<string, string | undefined>): ConfigurationError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigurationError);
    return e as ConfigurationError;
  }
  throw new Error("loadConfig accepted the settings");
}

describe("loadConfig", () => {
  it("parses an empty environment into the local defaults, which point at the simulators", () => {
    const cfg = loadConfig({});
    expect(cfg.D365_AUTH_MODE).toBe("simulator");
    expect(cfg.D365_BASE_URL).toBe("http://localhost:7171");
    expect(cfg.SPAPI_MARKETPLACE_IDS).toEqual(["ATVPDKIKX0DER", "A1F83G8C2ARO7P", "A1PA6795UKMFR9"]);
    expect(cfg.QUEUE_ORDER_IMPORT).toBe("order-import");
    expect(cfg.QUEUE_MAX_DELIVERY_COUNT).toBe(10);
    expect(cfg.KEY_VAULT_URI).toBeUndefined();
    expect(Object.keys(cfg).sort()).toEqual(expect.arrayContaining([...SETTING_NAMES].filter((n) => cfg[n] !== undefined).sort()));
  });

  it("turns setting strings into typed values: numbers, booleans, lists", () => {
    const cfg = loadConfig({
      D365_BATCH_SIZE: "50",
      SPAPI_USE_RDT: "TRUE",
      SETTLEMENT_REQUIRE_APPROVAL: "0",
      SPAPI_MARKETPLACE_IDS: " A1PA6795UKMFR9 , ATVPDKIKX0DER ",
    });
    expect(cfg.D365_BATCH_SIZE).toBe(50);
    expect(cfg.SPAPI_USE_RDT).toBe(true);
    expect(cfg.SETTLEMENT_REQUIRE_APPROVAL).toBe(false);
    expect(cfg.SPAPI_MARKETPLACE_IDS).toEqual(["A1PA6795UKMFR9", "ATVPDKIKX0DER"]);
  });

  it("treats a blank setting as unset, so an empty value in local.settings.json means the default", () => {
    expect(loadConfig({ D365_COMPANY: "  ", KEY_VAULT_URI: "" }).D365_COMPANY).toBe("usmf");
  });

  it("names the setting and the bad value when a URL is not a URL", () => {
    const e = errorOf({ D365_BASE_URL: "not-a-url" });
    expect(e.message).toContain("D365_BASE_URL");
    expect(e.message).toContain('"not-a-url"');
    expect(e.code).toBe("config.invalid");
  });

  it("names every offending setting at once", () => {
    const e = errorOf({ D365_BATCH_SIZE: "lots", SPAPI_REGION: "mars", ORDERS_CATCHUP_SCHEDULE: "*/5 * * * *" });
    for (const name of ["D365_BATCH_SIZE", "SPAPI_REGION", "ORDERS_CATCHUP_SCHEDULE"]) expect(e.message).toContain(name);
    expect(e.message).toContain("six-field NCRONTAB");
  });

  it("rejects numbers outside their range", () => {
    expect(errorOf({ D365_BATCH_SIZE: "5000" }).message).toContain("D365_BATCH_SIZE");
    expect(errorOf({ QUEUE_MAX_DELIVERY_COUNT: "0" }).message).toContain("QUEUE_MAX_DELIVERY_COUNT");
  });

  it("requires the tenant and client id in client-secret mode, and says which is missing", () => {
    const e = errorOf({ D365_AUTH_MODE: "client-secret", D365_BASE_URL: "https://contoso.operations.dynamics.com" });
    expect(e.message).toContain("D365_TENANT_ID");
    expect(e.message).toContain("D365_CLIENT_ID");
    expect(e.message).toContain("client-secret");
    expect(errorOf({ D365_AUTH_MODE: "client-secret", D365_TENANT_ID: "tenant-guid" }).message).not.toContain("D365_TENANT_ID");
    const cfg = loadConfig({ D365_AUTH_MODE: "client-secret", D365_TENANT_ID: "tenant-guid", D365_CLIENT_ID: "client-guid" });
    expect(cfg.D365_CLIENT_ID).toBe("client-guid");
  });

  it("accepts managed-identity mode without a client id (the app's own identity)", () => {
    expect(
      loadConfig({ D365_AUTH_MODE: "managed-identity", D365_BASE_URL: "https://contoso.operations.dynamics.com" }).D365_AUTH_MODE,
    ).toBe("managed-identity");
  });

  it("ignores environment variables that are not settings", () => {
    const cfg = loadConfig({ PATH: "/usr/bin", SPAPI_REFRESH_TOKEN: "fake-refresh-token" }) as Record<string, unknown>;
    expect(cfg.PATH).toBeUndefined();
    expect(cfg.SPAPI_REFRESH_TOKEN).toBeUndefined();
  });
});
