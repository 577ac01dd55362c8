import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BenchContext } from "../../bench/bench-row";
import { notificationToOrderP95 } from "../../bench/rows/notification-to-order";

describe("the notification → D365 order benchmark row (quick)", () => {
  it("starts the local host on free ports, times every notification to its D365 order, and cleans up", async () => {
    const tmpDir = mkdtempSync(join(tmpdir(), "bench-row-"));
    const envKeys = Object.keys(process.env).length;
    try {
      const ctx: BenchContext = {
        quick: true,
        root: join(__dirname, "../../.."),
        tmpDir,
        progress: () => undefined,
        shared: (_name, run) => run(),
      };
      const m = await notificationToOrderP95.measure(ctx);
      expect(m.value).toBeGreaterThan(0);
      expect(m.value).toBeLessThan(10);
      expect(m.details).toMatchObject({ notifications: 20, spapiThrottled: {}, failedInvocations: {} });
      expect(Object.keys(process.env).length).toBe(envKeys);
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }, 120_000);
});
