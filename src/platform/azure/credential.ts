/**
 * The app's Entra identity for Azure data planes (Tables, Blobs, Key Vault, Service Bus).
 * With AZURE_CLIENT_ID: that user-assigned managed identity, explicitly (no probing of developer credentials).
 * Without: DefaultAzureCredential (system-assigned identity in Azure; Azure CLI / VS Code sign-in on a laptop).
 */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";

let cached: { clientId: string | undefined; credential: TokenCredential } | undefined;

export function azureCredential(settings: { AZURE_CLIENT_ID?: string }): TokenCredential {
  const clientId = settings.AZURE_CLIENT_ID;
  if (!cached || cached.clientId !== clientId) {
    cached = { clientId, credential: clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential() };
  }
  return cached.credential;
}
