import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(__dirname, "../../..");
const run = (...args: string[]) =>
  spawnSync(process.execPath, [join(root, "bin/d365-amazon.js"), "settlement", "preview", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });

describe("the d365-amazon settlement preview command", () => {
  it("prints the JSON preview of a settlement file and exits 0", () => {
    const r = run("test/fixtures/settlements/de-v2-23-columns-cp1252.txt", "--json");
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      settlementId: "22222222222",
      currency: "EUR",
      totalAmount: "877.94",
      sumOfAmounts: "877.94",
      rowCount: 9,
      reconciled: true,
      postable: true,
    });
    expect(doc.journal.lines.length).toBe(12);
  });

  it("exits 1 and says why for a file that does not balance", () => {
    const r = run("test/fixtures/settlements/malformed-not-balancing.txt");
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/reconciled: NO/);
    expect(r.stderr).toMatch(/add up to 41\.85 but total-amount is 41\.86/);
  });
});
