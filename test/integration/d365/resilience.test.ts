import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SimulatorCredential } from "../../../src/d365/auth";
import { D365Connector } from "../../../src/d365/index";
import { startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tokenTtlSeconds: 3600 });
});
afterAll(async () => h.sim.stop());
beforeEach(() => {
  h.sim.reset();
  h.sleeps.length = 0;
  h.client.resetRequestCounts();
});

describe("D365 client resilience against the simulator", () => {
  it("waits the Retry-After seconds of a 429 and then succeeds", async () => {
    h.sim.injectFault({ kind: "throttle", target: "CustomersV3", retryAfterSeconds: 2, times: 2 });
    const c = await h.client.customers.get("AMZ-US");
    expect(c?.SalesCurrencyCode).toBe("USD");
    expect(h.sleeps).toEqual([2000, 2000]);
    expect(h.sim.requests().counts["CustomersV3 GET"]).toBe(3);
  });

  it("honours a Retry-After given as an HTTP date", async () => {
    h.sim.injectFault({ kind: "throttle", target: "CustomersV3", retryAfterSeconds: 3, retryAfterAsDate: true });
    await h.client.customers.get("AMZ-US");
    expect(h.sleeps).toHaveLength(1);
    expect(h.sleeps[0]).toBeGreaterThan(1000);
    expect(h.sleeps[0]).toBeLessThanOrEqual(3000);
  });

  it("really waits out Retry-After with the default sleep", async () => {
    const client = new D365Connector({
      baseUrl: h.sim.url,
      credential: new SimulatorCredential(`${h.sim.url}/oauth2/token`, "t", "fake-secret"),
      company: "usmf",
    });
    h.sim.injectFault({ kind: "throttle", target: "CustomersV3", retryAfterSeconds: 1 });
    const started = Date.now();
    await client.customers.get("AMZ-US");
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("gives up after D365_MAX_RETRIES throttles with a ThrottledError carrying the server's wait", async () => {
    h.sim.injectFault({ kind: "throttle", target: "CustomersV3", retryAfterSeconds: 7, times: 0 });
    const err = await h.client.customers.get("AMZ-US").catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "throttled", retryable: true, retryAfterMs: 7000 });
    expect(h.sim.requests().counts["CustomersV3 GET"]).toBe(4);
  });

  it("retries a 503 with growing, jittered backoff", async () => {
    h.sim.injectFault({ kind: "error", status: 503, target: "ReleasedProductsV2", times: 3 });
    const p = await h.client.releasedProducts.get("D0001");
    expect(p?.ItemNumber).toBe("D0001");
    expect(h.sleeps).toHaveLength(3);
    // base 20 ms, doubling, equal jitter: [10,20], [20,40], [40,80]
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(10);
    expect(h.sleeps[0]).toBeLessThanOrEqual(20);
    expect(h.sleeps[2]).toBeGreaterThanOrEqual(40);
    expect(h.sleeps[2]).toBeLessThanOrEqual(80);
  });

  it("retries a 503 on a create too (D365 did not process it)", async () => {
    h.sim.injectFault({ kind: "error", status: 503, target: "LedgerJournalHeaders", method: "POST" });
    const header = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn", Description: "503 retry" });
    expect(header.JournalBatchNumber).toBeTruthy();
    expect(h.sim.rows("LedgerJournalHeaders")).toHaveLength(1);
  });

  it("does not blindly resend a create after a 500 or a dropped connection (the write may have happened)", async () => {
    h.sim.injectFault({ kind: "error", status: 500, target: "LedgerJournalHeaders", method: "POST" });
    const err = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: "unavailable", retryable: true });
    h.sim.injectFault({ kind: "drop", target: "LedgerJournalHeaders", method: "POST" });
    const dropped = await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn" }).catch((e: unknown) => e);
    expect(dropped).toMatchObject({ kind: "unavailable", code: "d365.unreachable" });
    expect((dropped as Error).message).toMatch(/look it up before retrying/);
    expect(h.sim.requests().counts["LedgerJournalHeaders POST"]).toBe(2);
  });

  it("retries a read after a dropped connection and after a 500", async () => {
    h.sim.injectFault({ kind: "drop", target: "CustomersV3" });
    h.sim.injectFault({ kind: "error", status: 500, target: "CustomersV3" });
    const c = await h.client.customers.get("AMZ-UK");
    expect(c?.SalesCurrencyCode).toBe("GBP");
    expect(h.sleeps).toHaveLength(2);
  });

  it("retries a read that times out", async () => {
    const quick = new D365Connector({
      baseUrl: h.sim.url,
      credential: new SimulatorCredential(`${h.sim.url}/oauth2/token`, "t", "fake-secret"),
      company: "usmf",
      timeoutMs: 200,
      baseBackoffMs: 1,
      sleep: async () => {},
    });
    h.sim.injectFault({ kind: "latency", target: "CustomersV3", latencyMs: 600 });
    const c = await quick.customers.get("AMZ-DE");
    expect(c?.SalesCurrencyCode).toBe("EUR");
    expect(quick.requestCounts()["CustomersV3 GET"]).toBe(2);
  });

  it("gets a new token once when D365 says 401 for an expired one, mid-run", async () => {
    const client = new D365Connector({
      baseUrl: h.sim.url,
      credential: new SimulatorCredential(`${h.sim.url}/oauth2/token`, "t", "fake-secret"),
      company: "usmf",
    });
    await client.customers.get("AMZ-US");
    expect(h.sim.requests().counts["token POST"]).toBe(1);
    h.sim.expireTokens();
    const rows = await client.collect("CustomersV3", { top: 2 });
    expect(rows).toHaveLength(2);
    const counts = h.sim.requests().counts;
    expect(counts["token POST"]).toBe(2);
    expect(counts["CustomersV3 GET"]).toBe(3);
    expect(h.sim.requests().log.filter((e) => e.status === 401)).toHaveLength(1);
  });

  it("refreshes a token before it expires, honouring expires_in", async () => {
    const short = await startHarness({ tokenTtlSeconds: 1 });
    try {
      await short.client.customers.get("AMZ-US");
      await new Promise((r) => setTimeout(r, 1100));
      await short.client.customers.get("AMZ-US");
      const counts = short.sim.requests().counts;
      expect(counts["token POST"]).toBe(2);
      expect(counts["CustomersV3 GET"]).toBe(2); // no 401 round trip
    } finally {
      await short.sim.stop();
    }
  });

  it("refuses requests without a bearer token, and reports an unauthorized error when tokens keep failing", async () => {
    const res = await fetch(`${h.sim.url}/data/CustomersV3`);
    expect(res.status).toBe(401);
    const strict = await startHarness({ strictTokens: true });
    try {
      const bad = new D365Connector({
        baseUrl: strict.sim.url,
        credential: { getToken: async () => ({ token: "not-issued", expiresOnTimestamp: Date.now() + 3600_000 }) },
        company: "usmf",
      });
      const err = await bad.customers.get("AMZ-US").catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: "unauthorized", retryable: false });
      expect(strict.sim.requests().counts["CustomersV3 GET"]).toBe(2);
    } finally {
      await strict.sim.stop();
    }
  });

  it("counts requests per entity and method for benchmarks", async () => {
    await h.client.customers.get("AMZ-US");
    await h.client.releasedProducts.list({ top: 1 });
    await h.client.ledgerJournals.createHeader({ JournalName: "GenJrn" });
    expect(h.client.requestCounts()).toMatchObject({ "CustomersV3 GET": 1, "ReleasedProductsV2 GET": 1, "LedgerJournalHeaders POST": 1 });
    expect(h.client.totalRequests()).toBe(3);
    expect(h.sim.requests().operations).toMatchObject({ "CustomersV3 GET": 1, "LedgerJournalHeaders POST": 1 });
  });
});
