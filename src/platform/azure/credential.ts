/**
 * The app's Entra identity for Azure data planes (Tables, Blobs, Key Vault, Service Bus).
 *
 * In Azure (the platform offers a managed identity: App Service and Functions, Flex Consumption included, set
 * IDENTITY_ENDPOINT and IDENTITY_HEADER): ManagedIdentityCredential, explicitly — the system-assigned identity,
 * or the user-assigned one named by AZURE_CLIENT_ID. No chain is probed, so a token problem shows as the managed
 * identity's error instead of a list of developer credentials that cannot work there.
 * Elsewhere (a laptop): with AZURE_CLIENT_ID a user-assigned managed identity as before; without it
 * DefaultAzureCredential (Azure CLI, VS Code, ... sign-in), which honours AZURE_TOKEN_CREDENTIALS (dev, prod or
 * one credential's name) to narrow its chain.
 */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";

export type CredentialKind = "managed-identity" | "default-chain";

/** Which credential azureCredential builds in this environment. */
export function credentialKind(settings: { AZURE_CLIENT_ID?: string }, env: NodeJS.ProcessEnv = process.env): CredentialKind {
  const managedIdentityEndpoint = Boolean((env.IDENTITY_ENDPOINT && env.IDENTITY_HEADER) || env.MSI_ENDPOINT);
  return managedIdentityEndpoint || settings.AZURE_CLIENT_ID ? "managed-identity" : "default-chain";
}

let cached: { key: string; credential: TokenCredential } | undefined;

export function azureCredential(settings: { AZURE_CLIENT_ID?: string }): TokenCredential {
  const clientId = settings.AZURE_CLIENT_ID || undefined;
  const kind = credentialKind(settings);
  const key = `${kind}:${clientId ?? ""}`;
  if (!cached || cached.key !== key) {
    cached = {
      key,
      credential:
        kind === "managed-identity" ? new ManagedIdentityCredential(clientId ? { clientId } : undefined) : new DefaultAzureCredential(),
    };
  }
  return cached.credential;
}
