import { DefaultAzureCredential, ManagedIdentityCredential } from "@azure/identity";
import { afterEach, describe, expect, it } from "vitest";
import { azureCredential, credentialKind } from "../../../../src/platform/azure/credential";

const saved = {
  IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT,
  IDENTITY_HEADER: process.env.IDENTITY_HEADER,
  MSI_ENDPOINT: process.env.MSI_ENDPOINT,
};
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

// What App Service and Functions (Flex Consumption included) set when the app has a managed identity.
const inAzure = { IDENTITY_ENDPOINT: "http://localhost:42356/msi/token", IDENTITY_HEADER: "fake-header-for-tests" };

describe("the app's Azure credential", () => {
  it("is the managed identity, explicitly, where the platform offers one (no developer credentials probed in Azure)", () => {
    expect(credentialKind({}, inAzure)).toBe("managed-identity");
    expect(credentialKind({ AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000001" }, inAzure)).toBe("managed-identity");
    Object.assign(process.env, inAzure);
    expect(azureCredential({})).toBeInstanceOf(ManagedIdentityCredential);
  });

  it("is a user-assigned managed identity whenever AZURE_CLIENT_ID names one", () => {
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.MSI_ENDPOINT;
    expect(azureCredential({ AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000002" })).toBeInstanceOf(ManagedIdentityCredential);
  });

  it("is the default chain on a laptop (Azure CLI or VS Code sign-in; AZURE_TOKEN_CREDENTIALS narrows it)", () => {
    expect(credentialKind({}, {})).toBe("default-chain");
    delete process.env.IDENTITY_ENDPOINT;
    delete process.env.MSI_ENDPOINT;
    expect(azureCredential({})).toBeInstanceOf(DefaultAzureCredential);
  });

  it("builds one credential per identity and reuses it (tokens are cached inside it)", () => {
    Object.assign(process.env, inAzure);
    expect(azureCredential({})).toBe(azureCredential({}));
    expect(azureCredential({ AZURE_CLIENT_ID: "00000000-0000-0000-0000-000000000003" })).not.toBe(azureCredential({}));
  });
});
