import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/platform/clock";
import { ConfigurationError, UnavailableError } from "../../../src/platform/errors";
import { EnvSecretStore, KeyVaultSecretStore, secretEnvName, type SecretClientLike } from "../../../src/platform/secrets";
import { createSecretStore } from "../../../src/platform/stores";

class FakeSecretClient implements SecretClientLike {
  readonly vaultUrl = "https://fake-vault.vault.azure.net";
  values = new Map<string, string>();
  calls = 0;
  failWith: unknown;
  async getSecret(name: string) {
    this.calls++;
    if (this.failWith) throw this.failWith;
    const value = this.values.get(name);
    if (value === undefined)
      throw Object.assign(new Error(`A secret with (name/id) ${name} was not found in this key vault`), { statusCode: 404 });
    return { value };
  }
}

describe("Key Vault secrets", () => {
  it("caches a secret for the TTL and picks up a rotated value after it", async () => {
    const client = new FakeSecretClient();
    const clock = new ManualClock();
    const store = new KeyVaultSecretStore(client, { ttlSeconds: 300, clock });
    client.values.set("spapi-refresh-token", "fake-old");
    expect(await store.get("spapi-refresh-token")).toBe("fake-old");

    client.values.set("spapi-refresh-token", "fake-rotated");
    clock.advance(299_000);
    expect(await store.get("spapi-refresh-token")).toBe("fake-old");
    expect(client.calls).toBe(1);

    clock.advance(2_000);
    expect(await store.get("spapi-refresh-token")).toBe("fake-rotated");
    expect(client.calls).toBe(2);
  });

  it("names the secret and the vault when a secret is missing, without caching the miss", async () => {
    const client = new FakeSecretClient();
    const store = new KeyVaultSecretStore(client, { ttlSeconds: 300, clock: new ManualClock() });
    const err = await store.get("d365-client-secret").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toContain('"d365-client-secret"');
    expect((err as Error).message).toContain("fake-vault.vault.azure.net");
    expect(await store.tryGet("d365-client-secret")).toBeUndefined();
    client.values.set("d365-client-secret", "fake-secret");
    expect(await store.get("d365-client-secret")).toBe("fake-secret");
  });

  it("explains a missing role instead of a bare 403", async () => {
    const client = new FakeSecretClient();
    client.failWith = Object.assign(new Error("Forbidden"), { statusCode: 403 });
    const err = await new KeyVaultSecretStore(client, { ttlSeconds: 300 }).get("notification-api-key").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/Key Vault Secrets User/);
  });

  it("keeps serving the last value while Key Vault is unreachable, and fails when it never had one", async () => {
    const client = new FakeSecretClient();
    const clock = new ManualClock();
    const store = new KeyVaultSecretStore(client, { ttlSeconds: 60, clock });
    client.values.set("spapi-lwa-client-secret", "fake-secret");
    await store.get("spapi-lwa-client-secret");
    clock.advance(61_000);
    client.failWith = Object.assign(new Error("connect ECONNRESET"), { code: "ECONNRESET" });
    expect(await store.get("spapi-lwa-client-secret")).toBe("fake-secret");
    await expect(store.get("spapi-refresh-token")).rejects.toBeInstanceOf(UnavailableError);
  });

  it("treats an empty secret value as missing", async () => {
    const client = new FakeSecretClient();
    client.values.set("spapi-refresh-token", "");
    const err = (await new KeyVaultSecretStore(client, { ttlSeconds: 0 }).get("spapi-refresh-token").catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(ConfigurationError);
  });
});

describe("environment secrets (local)", () => {
  it("maps a Key Vault secret name to its environment variable", async () => {
    expect(secretEnvName("spapi-refresh-token")).toBe("SPAPI_REFRESH_TOKEN");
    const env: Record<string, string | undefined> = { SPAPI_REFRESH_TOKEN: "fake-refresh" };
    const store = new EnvSecretStore(env);
    expect(await store.get("spapi-refresh-token")).toBe("fake-refresh");
    env.D365_CLIENT_SECRET = "fake-secret"; // read at call time
    expect(await store.get("d365-client-secret")).toBe("fake-secret");
  });

  it("says which variable to set when a secret is missing", async () => {
    const err = (await new EnvSecretStore({}).get("notification-api-key").catch((e: unknown) => e)) as ConfigurationError;
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toContain("NOTIFICATION_API_KEY");
    expect(err.message).toContain('"notification-api-key"');
    expect(err.where).toBe("NOTIFICATION_API_KEY");
    expect(await new EnvSecretStore({ NOTIFICATION_API_KEY: "" }).tryGet("notification-api-key")).toBeUndefined();
  });

  it("is chosen when KEY_VAULT_URI is not set, Key Vault when it is", () => {
    expect(createSecretStore({ KEY_VAULT_URI: undefined, SECRET_CACHE_TTL_SECONDS: 300, AZURE_CLIENT_ID: undefined })).toBeInstanceOf(
      EnvSecretStore,
    );
    expect(
      createSecretStore({
        KEY_VAULT_URI: "https://fake-vault.vault.azure.net/",
        SECRET_CACHE_TTL_SECONDS: 300,
        AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000000",
      }),
    ).toBeInstanceOf(KeyVaultSecretStore);
  });
});
