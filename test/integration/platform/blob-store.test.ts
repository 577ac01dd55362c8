import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AzureBlobStore, physicalContainerName } from "../../../src/platform/azure/blob-store";

function store() {
  const connectionString = process.env.TEST_STORAGE_CONNECTION_STRING!;
  return new AzureBlobStore({ target: { connectionString }, prefix: `t${randomBytes(4).toString("hex")}` });
}

describe("AzureBlobStore on Azurite", () => {
  it("stores a raw file and returns the same bytes", async () => {
    const s = store();
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...Buffer.from("settlement-id\ttotal-amount\n1234\t1.234,56\n", "latin1")]);
    expect(await s.exists("settlements", "2026/1234.tsv")).toBe(false);
    await s.put("settlements", "2026/1234.tsv", bytes, "text/tab-separated-values");
    expect(await s.exists("settlements", "2026/1234.tsv")).toBe(true);
    expect(Buffer.from((await s.get("settlements", "2026/1234.tsv"))!)).toEqual(Buffer.from(bytes));
  });

  it("answers undefined for a file that is not there", async () => {
    expect(await store().get("settlements", "nope.tsv")).toBeUndefined();
    expect(await store().stream("settlements", "nope.tsv")).toBeUndefined();
  });

  it("streams a large file in chunks, the same bytes, from the start on every read", async () => {
    const s = store();
    const bytes = randomBytes(5 * 1024 * 1024 + 17);
    await s.put("settlements", "big.tsv", bytes);
    for (let read = 0; read < 2; read++) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of (await s.stream("settlements", "big.tsv"))!) chunks.push(chunk);
      expect(chunks.length).toBeGreaterThan(1);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
    }
  });

  it("derives valid container names from the prefix", () => {
    expect(physicalContainerName("amz", "Settlement_Reports")).toBe("amz-settlement-reports");
    expect(() => physicalContainerName("amz", "bad/name")).toThrow(/not a valid container name/);
  });
});
