import { describe, expect, it } from "vitest";
import type { AccessToken } from "@azure/identity";
import { d365Scope, TokenCache } from "../../../src/d365/auth";

function fakeCredential(lifetimeMs: number, now: () => number) {
  const calls: string[] = [];
  let n = 0;
  return {
    calls,
    credential: {
      async getToken(scopes: string | string[]): Promise<AccessToken> {
        calls.push(String(scopes));
        return { token: `t${++n}`, expiresOnTimestamp: now() + lifetimeMs };
      },
    },
  };
}

describe("the D365 token cache", () => {
  it("asks for <base>/.default without a trailing slash", () => {
    expect(d365Scope("https://contoso.operations.dynamics.com/")).toBe("https://contoso.operations.dynamics.com/.default");
  });

  it("reuses a token until a tenth of its life (at most two minutes) is left, then refreshes", async () => {
    let t = 0;
    const now = () => t;
    const { credential, calls } = fakeCredential(3600_000, now);
    const cache = new TokenCache(credential, "https://env/.default", now);
    expect(await cache.get()).toBe("t1");
    t = 3600_000 - 120_001;
    expect(await cache.get()).toBe("t1");
    t = 3600_000 - 119_999;
    expect(await cache.get()).toBe("t2");
    expect(calls).toEqual(["https://env/.default", "https://env/.default"]);
  });

  it("shares one pending request between concurrent callers and forgets a token on invalidate", async () => {
    const t = 0;
    const { credential, calls } = fakeCredential(60_000, () => t);
    const cache = new TokenCache(credential, "s", () => t);
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a, b]).toEqual(["t1", "t1"]);
    cache.invalidate("some-other-token");
    expect(await cache.get()).toBe("t1");
    cache.invalidate("t1");
    expect(await cache.get()).toBe("t2");
    expect(calls).toHaveLength(2);
  });

  it("turns a credential failure into an unauthorized error", async () => {
    const cache = new TokenCache({ getToken: async () => Promise.reject(new Error("AADSTS7000215: Invalid client secret")) }, "s");
    await expect(cache.get()).rejects.toMatchObject({ kind: "unauthorized", code: "d365.token-failed" });
  });
});
