/**
 * SecretStore adapters.
 * - Key Vault (Azure): secret names as in SECRET_NAMES ("spapi-refresh-token"), read with the app's identity
 *   (Key Vault Secrets User), cached for SECRET_CACHE_TTL_SECONDS so that a rotated value is picked up
 *   without a restart. Only successful reads are cached: a secret added later is found on the next call.
 * - Environment (local): secret "spapi-refresh-token" is the variable SPAPI_REFRESH_TOKEN.
 * Values never appear in errors or logs; errors name the secret and where it was looked for.
 */
import { ConfigurationError, UnauthorizedError, UnavailableError } from "./errors";
import type { Clock } from "./clock";
import { systemClock } from "./clock";
import type { SecretStore } from "./ports";
import { mapRestError, statusOf } from "./azure/rest-errors";

/** Names of secrets (Key Vault secret names; locally the upper-snake environment variable of the same name). */
export const SECRET_NAMES = ["spapi-lwa-client-secret", "spapi-refresh-token", "d365-client-secret", "notification-api-key"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

/** The part of @azure/keyvault-secrets' SecretClient we use (tests pass a fake). */
export interface SecretClientLike {
  readonly vaultUrl: string;
  getSecret(name: string): Promise<{ value?: string }>;
}

/** "spapi-refresh-token" -> "SPAPI_REFRESH_TOKEN". */
export function secretEnvName(name: string): string {
  return name.replace(/[^A-Za-z0-9]+/g, "_").toUpperCase();
}

export class EnvSecretStore implements SecretStore {
  /** Reads `env` at call time, so a test or the local host may set variables after construction. */
  constructor(private readonly env: Record<string, string | undefined> = process.env) {}

  async tryGet(name: string): Promise<string | undefined> {
    const v = this.env[secretEnvName(name)];
    return v === undefined || v === "" ? undefined : v;
  }

  async get(name: string): Promise<string> {
    const v = await this.tryGet(name);
    if (v === undefined) {
      throw new ConfigurationError(
        "secrets.missing",
        `Secret "${name}" is not set: looked for environment variable ${secretEnvName(name)} (set KEY_VAULT_URI to read secrets from Key Vault)`,
        { where: secretEnvName(name) },
      );
    }
    return v;
  }
}

export class KeyVaultSecretStore implements SecretStore {
  private readonly cache = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly client: SecretClientLike,
    private readonly options: { ttlSeconds: number; clock?: Clock } = { ttlSeconds: 300 },
  ) {}

  private now(): number {
    return (this.options.clock ?? systemClock).now().getTime();
  }

  async tryGet(name: string): Promise<string | undefined> {
    const hit = this.cache.get(name);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    try {
      const secret = await this.client.getSecret(name);
      if (secret.value === undefined || secret.value === "") {
        this.cache.delete(name);
        return undefined;
      }
      if (this.options.ttlSeconds > 0)
        this.cache.set(name, { value: secret.value, expiresAt: this.now() + this.options.ttlSeconds * 1000 });
      return secret.value;
    } catch (err) {
      if (statusOf(err) === 404) {
        this.cache.delete(name);
        return undefined;
      }
      const mapped = mapRestError(err, "secrets", `secret "${name}" in Key Vault ${this.client.vaultUrl}`);
      // Keep serving the last known value while Key Vault is briefly unreachable.
      if (hit && mapped instanceof UnavailableError) return hit.value;
      if (mapped instanceof UnauthorizedError) {
        throw new ConfigurationError(
          "secrets.forbidden",
          `The app's identity may not read secret "${name}" in Key Vault ${this.client.vaultUrl}: grant it the "Key Vault Secrets User" role`,
          { where: "KEY_VAULT_URI", cause: err },
        );
      }
      throw mapped;
    }
  }

  async get(name: string): Promise<string> {
    const v = await this.tryGet(name);
    if (v === undefined) {
      throw new ConfigurationError(
        "secrets.missing",
        `Secret "${name}" was not found in Key Vault ${this.client.vaultUrl} (KEY_VAULT_URI)`,
        {
          where: `${this.client.vaultUrl.replace(/\/$/, "")}/secrets/${name}`,
        },
      );
    }
    return v;
  }
}
