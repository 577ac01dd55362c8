/**
 * The load test of issue 15: 2,000 Amazon notifications over 50 connections at once, through the local host into
 * D365 (test/bench/lib/notification-load.ts; `npm run bench` prints the same measurement's throughput and p99).
 * Nothing may be refused, dead-lettered or parked, and every order ends in D365 exactly once with its lines.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runNotificationLoad, type NotificationLoadResult } from "../../bench/lib/notification-load";

let result: NotificationLoadResult;
const dir = mkdtempSync(join(tmpdir(), "notification-load-"));

beforeAll(async () => {
  result = await runNotificationLoad({
    notifications: 2000,
    connections: 50,
    perOrder: 8,
    storageConnectionString: process.env.TEST_STORAGE_CONNECTION_STRING!,
    tmpDir: dir,
    drainTimeoutMs: 150_000,
  });
  console.log(
    `notification load: ${result.notifications} notifications over ${result.connections} connections in ${result.sendSeconds} s ` +
      `(${result.throughputPerSecond}/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms); ` +
      `${result.orders} orders in D365 after ${result.endToEndSeconds} s; ${result.duplicatesDropped} duplicates dropped`,
  );
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("2,000 notifications over 50 connections at once", () => {
  it("accepts every one, over at least 50 connections", () => {
    expect(result.refused).toEqual({});
    expect(result.accepted).toBe(2000);
    expect(result.connections).toBeGreaterThanOrEqual(50);
  });

  it("dead-letters nothing and parks nothing", () => {
    expect(result.timedOut).toBe(false);
    expect(result.deadLettered).toBe(0);
    expect(result.parked).toBe(0);
  });

  it("imports every one of the 250 orders exactly once with its lines, the repeats dropped as duplicates", () => {
    expect(result.orders).toBe(250);
    expect(result.wrongOrders).toEqual([]);
    // Per order: the repeated notification id on the notifications queue, and the five other copies of the same
    // change on the import queue.
    expect(result.duplicatesDropped).toBeGreaterThanOrEqual(250 * 6);
  });
});
