/**
 * The inventory adapters against the strict D365 simulator: on-hand read per legal entity with paging (one
 * request per page, items in chains of 25; the simulator refuses a $select of a field the entity lacks), and the reconciliation journals created unposted,
 * resumed by description, and posted only by F&O's own posting.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { onHandRow } from "../../../src/local/d365-sim/demo-company";
import { DEMO_PRODUCTS } from "../../../src/local/demo-catalog";
import { ODataInventoryJournals } from "../../../src/wiring/adapters/d365-inventory-journals";
import { ODataOnHand } from "../../../src/wiring/adapters/d365-on-hand";
import { startHarness, type Harness } from "../d365/harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.sim.stop());
beforeEach(() => {
  h.sim.reset();
  h.client.resetRequestCounts();
});

describe("D365 on-hand for the inventory flow", () => {
  it("reads every row of the feeding warehouses across pages, one request per page", async () => {
    h.sim.seedRows(
      "WarehousesOnHandV2",
      Array.from({ length: 250 }, (_, i) => onHandRow("usmf", `P${String(i).padStart(4, "0")}`, "bulk", "1", "11", i, 0)),
    );
    h.sim.setPageSize(100);
    try {
      const rows = await new ODataOnHand(h.client).read({
        warehouses: [
          { company: "usmf", warehouseId: "11" },
          { company: "usmf", warehouseId: "FBA-US" },
        ],
      });
      const fbaItems = DEMO_PRODUCTS.filter((p) => p.fba).length;
      expect(rows).toHaveLength(250 + DEMO_PRODUCTS.length + fbaItems);
      expect(h.client.requestCounts()["WarehousesOnHandV2 GET"]).toBe(Math.ceil(rows.length / 100));
      expect(rows.find((r) => r.itemNumber === "P0042")).toMatchObject({
        company: "usmf",
        warehouseId: "11",
        siteId: "1",
        physicalInventory: "42",
        availablePhysical: "42",
        totalAvailable: "42",
      });
    } finally {
      h.sim.setPageSize(10_000);
    }
  });

  it("reads only the items asked for, in chains of 25 (F&O's $filter has no `in`)", async () => {
    h.sim.seedRows(
      "WarehousesOnHandV2",
      Array.from({ length: 60 }, (_, i) => onHandRow("usmf", `Q${i}`, "bulk", "1", "11", 5, 0)),
    );
    const items = Array.from({ length: 60 }, (_, i) => `Q${i}`);
    const rows = await new ODataOnHand(h.client).read({ warehouses: [{ company: "usmf", warehouseId: "11" }], itemNumbers: items });
    expect(rows.map((r) => r.itemNumber).sort()).toEqual([...items].sort());
    expect(h.client.requestCounts()["WarehousesOnHandV2 GET"]).toBe(3);
  });

  it("fails the whole read when a page fails (the flow never sees part of it)", async () => {
    h.sim.setPageSize(5);
    h.sim.injectFault({ kind: "error", target: "WarehousesOnHandV2", status: 500, skip: 1, times: 0 });
    try {
      await expect(new ODataOnHand(h.client).read({ warehouses: [{ company: "usmf", warehouseId: "11" }] })).rejects.toThrow();
    } finally {
      h.sim.clearFaults();
      h.sim.setPageSize(10_000);
    }
  });
});

describe("reconciliation journals in D365", () => {
  for (const kind of ["counting", "adjustment"] as const) {
    it(`creates an unposted ${kind} journal, finds it by description, resumes its lines, and on posting D365 takes Amazon's quantity`, async () => {
      h.sim.setOnHand("D0002", "FBA-US", 48);
      const journals = new ODataInventoryJournals(h.client);
      const description = `Amazon FBA reconciliation ATVPDKIKX0DER 2026-03-02T10:00Z (${kind})`;
      const header = await journals.createHeader(kind, { company: "usmf", description, warehouseId: "FBA-US" });
      expect(header).toMatchObject({ kind, company: "usmf", posted: false, journalNumber: expect.stringMatching(/^INVJ-/) });
      expect(await journals.findByDescription(kind, "usmf", description)).toEqual(header);
      expect(await journals.findByDescription(kind, "usmf", "another")).toBeUndefined();
      const line = (n: number, item: string, counted: string, adjust: string) => ({
        lineNumber: n,
        itemNumber: item,
        warehouseId: "FBA-US",
        siteId: "FBA",
        countedQuantity: counted,
        adjustmentQuantity: adjust,
        date: "2026-03-02T12:00:00Z",
      });
      await journals.addLines(kind, "usmf", header.journalNumber, [line(1, "D0002", "44", "-4")]);
      expect(await journals.lineNumbers(kind, "usmf", header.journalNumber)).toEqual(new Set([1]));
      await journals.addLines(kind, "usmf", header.journalNumber, [line(2, "D0003", "35", "0")]);
      expect(await journals.lineNumbers(kind, "usmf", header.journalNumber)).toEqual(new Set([1, 2]));
      h.sim.postInventoryJournal(header.journalNumber);
      expect((await journals.get(kind, "usmf", header.journalNumber))?.posted).toBe(true);
      const rows = await h.client.warehousesOnHand.list({ warehouseId: "FBA-US", itemNumbers: ["D0002"] });
      expect(rows[0]?.OnHandQuantity).toBe(44);
    });
  }
});
