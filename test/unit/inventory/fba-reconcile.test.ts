import { describe, expect, it } from "vitest";
import { compareFba } from "../../../src/flows/inventory/fba-compare";
import { knownFbaSkus } from "../../../src/flows/inventory/fba-records";
import { applyFbaChange, reconcileFba } from "../../../src/flows/inventory/fba-reconcile";
import { discrepancyCsv, discrepancyReport, skuSuggestions } from "../../../src/flows/inventory/report";
import { UnavailableError } from "../../../src/platform/errors";
import { DE, inventoryMappings, onHand, reconcileDeps, stock, US } from "./fakes";

const SKUS = [
  { sellerSku: "SPEAKER-WHT", itemNumber: "D0002", asin: "B0DEMO0002", fnsku: "X0DEMO0002" },
  { sellerSku: "MOUSE", itemNumber: "D0007" },
  { sellerSku: "CABLE", itemNumber: "D0004", asin: "B0DEMO0004", fnsku: "X0DEMO0004" },
  { sellerSku: "CABLE-3PK", itemNumber: "D0004", unitsPerAmazonUnit: 3 },
];

function file(journal?: unknown) {
  return {
    fba: {
      marketplaces: [
        { marketplaceId: US, warehouseId: "FBA-US" },
        { marketplaceId: DE, warehouseId: "FBA-DE" },
      ],
      ...(journal ? { journal } : {}),
    },
  };
}

function seeded(journal?: unknown) {
  const t = reconcileDeps(inventoryMappings(SKUS, file(journal)));
  t.amazon.rows = [
    stock(
      US,
      "SPEAKER-WHT",
      { fulfillable: 40, inboundShipped: 24, inboundReceiving: 6, reserved: 3, unfulfillable: 1, researching: 2 },
      { asin: "B0DEMO0002", fnSku: "X0DEMO0002" },
    ),
    stock(US, "CABLE", { fulfillable: 300, inboundWorking: 50 }, { asin: "B0DEMO0004", fnSku: "X0DEMO0004" }),
    stock(US, "CABLE-3PK", { fulfillable: 10 }, { asin: "B0PACK0003", fnSku: "X0PACK0003" }),
    stock(US, "GADGET-NEW", { fulfillable: 4 }, { asin: "B0NEW00001", fnSku: "X0NEW00001" }),
    stock(DE, "MOUSE", { fulfillable: 52, inboundWorking: 10, reserved: 4, unfulfillable: 1 }, { asin: "B0DEMO0007", fnSku: "X0DEMO0007" }),
  ];
  t.d365.rows = [
    onHand("D0002", "FBA-US", { onHand: "48" }),
    onHand("D0004", "FBA-US", { onHand: "330" }),
    onHand("D0007", "FBA-DE", { onHand: "50" }),
    onHand("Z9999", "FBA-DE", { onHand: "3" }),
  ];
  return t;
}

describe("FBA reconciliation", () => {
  it("compares per item the units in Amazon's centers (fulfillable + reserved + unfulfillable) with D365 on-hand, SKUs added up in D365 units", () => {
    const t = seeded();
    const cmp = compareFba({
      marketplaceId: US,
      stock: t.amazon.rows.filter((r) => r.marketplaceId === US),
      rows: t.d365.rows.filter((r) => r.warehouseId === "FBA-US"),
      mappings: t.deps.mappings,
      compare: ["fulfillable", "reserved", "unfulfillable"],
    });
    expect(cmp.items.map((i) => [i.itemNumber, i.sellerSkus, i.amazonCompared, i.d365OnHand, i.difference])).toEqual(
      [
        // 300 single cables + 10 three-packs = 330 cables.
        ["D0004", ["CABLE", "CABLE-3PK"], "330", "330", "0"],
        ["D0002", ["SPEAKER-WHT"], "44", "48", "4"],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    expect(cmp.unmappedSkus).toEqual(["GADGET-NEW"]);
  });

  it("reports exactly the items that differ, since when, keeps `since` while they keep differing, and drops them once they agree", async () => {
    const t = seeded();
    const r = await reconcileFba({}, t.deps);
    expect(r.outcome).toBe("succeeded");
    expect(r.marketplaces.map((m) => [m.marketplaceId, m.discrepancies, m.unmappedSkus, m.unmappedItems])).toEqual([
      [US, 1, ["GADGET-NEW"], []],
      [DE, 1, [], ["Z9999"]],
    ]);
    const report = await discrepancyReport(t.state);
    expect(
      report.discrepancies.map((d) => [
        d.marketplaceId,
        d.sellerSku,
        d.itemNumber,
        d.fulfillable,
        d.inbound,
        d.reserved,
        d.unfulfillable,
        d.researching,
        d.d365OnHand,
        d.difference,
        d.since,
      ]),
    ).toEqual([
      [DE, "MOUSE", "D0007", 52, 10, 4, 1, 0, "50", "-7", "2026-03-02T10:00:00.000Z"],
      [US, "SPEAKER-WHT", "D0002", 40, 30, 3, 1, 2, "48", "4", "2026-03-02T10:00:00.000Z"],
    ]);
    t.clock.advance(3_600_000);
    t.d365.rows[0] = onHand("D0002", "FBA-US", { onHand: "46" });
    await reconcileFba({}, t.deps);
    const later = await discrepancyReport(t.state, US);
    expect(later.discrepancies.map((d) => [d.difference, d.since, d.lastSeenAt])).toEqual([
      ["2", "2026-03-02T10:00:00.000Z", "2026-03-02T11:00:00.000Z"],
    ]);
    t.d365.rows[0] = onHand("D0002", "FBA-US", { onHand: "44" });
    await reconcileFba({ marketplaceIds: [US] }, t.deps);
    expect((await discrepancyReport(t.state, US)).discrepancies).toEqual([]);
    expect((await discrepancyReport(t.state, DE)).discrepancies).toHaveLength(1);
  });

  it("writes the report as CSV for finance (one header row, CRLF)", async () => {
    const t = seeded();
    await reconcileFba({}, t.deps);
    const csv = discrepancyCsv(await discrepancyReport(t.state));
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe(
      "marketplaceId,sellerSku,itemNumber,warehouseId,fulfillable,inbound,reserved,unfulfillable,researching,amazonCompared,d365OnHand,difference,since,journalNumber",
    );
    expect(lines[2]).toBe(`${US},SPEAKER-WHT,D0002,FBA-US,40,30,3,1,2,44,48,4,2026-03-02T10:00:00.000Z,`);
    expect(lines).toHaveLength(4);
  });

  it("keeps the last good comparison when Amazon or D365 cannot be read, and says so", async () => {
    const t = seeded();
    await reconcileFba({}, t.deps);
    t.d365.failWith = new UnavailableError("d365.unreachable", "no answer");
    const r = await reconcileFba({}, t.deps);
    expect(r.outcome).toBe("failed");
    expect(t.telemetry.events("inventory.d365Unavailable")).toHaveLength(2);
    const report = await discrepancyReport(t.state);
    expect(report.discrepancies).toHaveLength(2);
    expect(report.marketplaces[0]!.error).toContain("could not be read");
  });

  it("remembers Amazon's FBA SKUs (the push never sends them a quantity) and offers missing or new ASIN/FNSKU as suggestions", async () => {
    const t = seeded();
    await reconcileFba({}, t.deps);
    expect([...(await knownFbaSkus(t.state, US))].sort()).toEqual(["CABLE", "CABLE-3PK", "GADGET-NEW", "SPEAKER-WHT"]);
    const s = await skuSuggestions(t.state, t.deps.mappings);
    expect(s.map((x) => [x.sellerSku, x.reason, x.entry])).toEqual([
      ["CABLE-3PK", "asin-or-fnsku-missing", { sellerSku: "CABLE-3PK", itemNumber: "D0004", asin: "B0PACK0003", fnsku: "X0PACK0003" }],
      ["GADGET-NEW", "not-in-crossref", { sellerSku: "GADGET-NEW", itemNumber: "", asin: "B0NEW00001", fnsku: "X0NEW00001" }],
      ["MOUSE", "asin-or-fnsku-missing", { sellerSku: "MOUSE", itemNumber: "D0007", asin: "B0DEMO0007", fnsku: "X0DEMO0007" }],
    ]);
  });

  it("refreshes one SKU from FBA_INVENTORY_AVAILABILITY_CHANGES between runs, with one D365 read of its item", async () => {
    const t = seeded();
    await reconcileFba({}, t.deps);
    const reads = t.d365.reads.length;
    const calls = t.amazon.calls;
    t.clock.advance(60_000);
    const out = await applyFbaChange(
      {
        marketplaceId: US,
        sellerSku: "SPEAKER-WHT",
        quantities: {
          fulfillable: 44,
          inboundWorking: 0,
          inboundShipped: 0,
          inboundReceiving: 0,
          reserved: 3,
          unfulfillable: 1,
          researching: 0,
        },
      },
      t.deps,
    );
    expect(out).toMatchObject({ status: "updated", itemNumber: "D0002", difference: "0" });
    expect(t.d365.reads.length - reads).toBe(1);
    expect(t.d365.reads.at(-1)?.itemNumbers).toEqual(["D0002"]);
    expect(t.amazon.calls).toBe(calls);
    expect((await discrepancyReport(t.state, US)).discrepancies).toEqual([]);
    expect(
      (
        await applyFbaChange(
          {
            marketplaceId: "A1F83G8C2ARO7P",
            sellerSku: "X",
            quantities: {
              fulfillable: 1,
              inboundWorking: 0,
              inboundShipped: 0,
              inboundReceiving: 0,
              reserved: 0,
              unfulfillable: 0,
              researching: 0,
            },
          },
          t.deps,
        )
      ).status,
    ).toBe("ignored");
  });
});

describe("FBA reconciliation journals", () => {
  it("prepares one unposted counting journal per marketplace with Amazon's quantity as counted, and no second one while it waits for review", async () => {
    const t = seeded({ type: "counting" });
    const r = await reconcileFba({}, t.deps);
    expect(r.marketplaces.map((m) => m.journal)).toEqual([
      { kind: "counting", journalNumber: "INVJ-000001", lines: 1, status: "created" },
      { kind: "counting", journalNumber: "INVJ-000002", lines: 1, status: "created" },
    ]);
    expect(t.journals.journals[0]).toMatchObject({
      posted: false,
      warehouseId: "FBA-US",
      lines: [{ lineNumber: 1, itemNumber: "D0002", countedQuantity: "44", adjustmentQuantity: "-4" }],
    });
    t.clock.advance(3_600_000);
    const again = await reconcileFba({}, t.deps);
    expect(again.marketplaces.map((m) => m.journal?.status)).toEqual(["open", "open"]);
    expect(t.journals.journals).toHaveLength(2);
    expect((await discrepancyReport(t.state, US)).discrepancies[0]!.journalNumber).toBe("INVJ-000001");
    // A person posts the US journal; the difference is still there (say, Amazon changed meanwhile): a new journal.
    t.journals.journals[0]!.posted = true;
    t.clock.advance(3_600_000);
    const third = await reconcileFba({ marketplaceIds: [US] }, t.deps);
    expect(third.marketplaces[0]!.journal).toMatchObject({ journalNumber: "INVJ-000003", status: "created" });
  });

  it("resumes a journal whose lines were not all written: finds its header by description and adds only the missing lines", async () => {
    const t = seeded({ type: "adjustment", minDifference: 1 });
    t.d365.rows.push(onHand("D0004", "FBA-US", { onHand: "1" }));
    t.journals.failAddLines = 1;
    const r = await reconcileFba({ marketplaceIds: [US] }, t.deps);
    expect(r.marketplaces[0]).toMatchObject({ ok: false, error: expect.stringContaining("could not be prepared") });
    expect(t.journals.journals).toHaveLength(1);
    t.clock.advance(3_600_000);
    const again = await reconcileFba({ marketplaceIds: [US] }, t.deps);
    expect(again.marketplaces[0]!.journal).toMatchObject({ journalNumber: "INVJ-000001", status: "resumed", lines: 2 });
    expect(t.journals.journals).toHaveLength(1);
    expect(t.journals.journals[0]!.lines.map((l) => [l.lineNumber, l.itemNumber, l.adjustmentQuantity])).toEqual([
      [1, "D0002", "-4"],
      [2, "D0004", "-1"],
    ]);
  });

  it("puts only differences of at least minDifference into the journal", async () => {
    const t = seeded({ type: "counting", minDifference: 5 });
    const r = await reconcileFba({}, t.deps);
    expect(r.marketplaces.map((m) => m.journal?.lines ?? 0)).toEqual([0, 1]);
    expect(t.journals.journals.map((j) => j.warehouseId)).toEqual(["FBA-DE"]);
  });
});
