import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startLocalHost } from "../../../src/local/host";
import { hostJsonSettings, parseTimeSpan, readHostJson } from "../../../src/local/host/host-json";
import { MemoryInstanceStore } from "../../../src/local/durable/store";

const HOST_JSON = join(__dirname, "..", "..", "..", "host.json");

describe("host.json as the local host reads it", () => {
  it("parses time spans as host.json writes them", () => {
    expect(parseTimeSpan("00:30:00")).toBe(30 * 60_000);
    expect(parseTimeSpan("00:00:00.80")).toBe(800);
    expect(parseTimeSpan("1.02:00:05")).toBe(((24 + 2) * 3600 + 5) * 1000);
    expect(() => parseTimeSpan("30m")).toThrow(/not a time span/);
  });

  it("keeps a queue message locked for as long as any function may run (maxAutoLockRenewalDuration >= functionTimeout)", () => {
    const settings = readHostJson(HOST_JSON);
    expect(settings.functionTimeoutMs).toBe(30 * 60_000);
    expect(settings.maxAutoLockRenewalMs).toBeGreaterThanOrEqual(settings.functionTimeoutMs!);
  });

  it("finds the app's host.json when started from another folder", () => {
    const cwd = process.cwd();
    process.chdir(tmpdir());
    try {
      expect(readHostJson().maxAutoLockRenewalMs).toBe(30 * 60_000);
    } finally {
      process.chdir(cwd);
    }
  });

  it("says where a bad value is", () => {
    const json = JSON.parse(readFileSync(HOST_JSON, "utf8"));
    json.extensions.serviceBus.maxAutoLockRenewalDuration = "ten minutes";
    expect(() => hostJsonSettings(json)).toThrow(
      /host\.json: extensions\.serviceBus\.maxAutoLockRenewalDuration: "ten minutes" is not a time span/,
    );
    expect(hostJsonSettings({}).maxAutoLockRenewalMs).toBe(5 * 60_000); // the extension's default
  });

  it("gives the local host's bus the lock renewal of host.json", async () => {
    const host = await startLocalHost({
      port: 0,
      registrations: [],
      durableStore: new MemoryInstanceStore(),
      schedules: false,
      settings: {},
      runtimeOverrides: false,
      hostJson: readHostJson(HOST_JSON),
      log: () => undefined,
    });
    try {
      expect(host.bus.lock).toEqual({ durationMs: 60_000, maxAutoLockRenewalMs: 30 * 60_000 });
    } finally {
      await host.stop();
    }
  });
});
