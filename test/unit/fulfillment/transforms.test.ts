import { describe, expect, it } from "vitest";
import { readiness, selectsOrder, shippingSpeedFor, skuForItem, toMcfRequest } from "../../../src/flows/fulfillment/mcf-request";
import { sellerFulfillmentOrderIdFor } from "../../../src/flows/fulfillment/seller-fulfillment-order-id";
import { allocatePackingSlips, deliverNowTargets, mergePackages, trackingRowsToWrite } from "../../../src/flows/fulfillment/write-back";
import type { RecordedPackage } from "../../../src/flows/fulfillment/mcf-records";
import { Carriers, CarriersFile } from "../../../src/mapping/carriers";
import { FulfillmentFile, McfLegalEntity } from "../../../src/mapping/fulfillment";
import { MappingGapError, ValidationError } from "../../../src/platform/errors";
import { aHeader, aLine, CARRIERS, RULES, SKUS } from "./fakes";

const rule = RULES.mcf.legalEntities[0]!;
const NOW = new Date("2026-11-02T08:00:00Z");

describe("sellerFulfillmentOrderId", () => {
  const allowed = /^[A-Za-z0-9._-]{1,40}$/;

  it("is the legal entity and the order number, upper case, the same every time", () => {
    expect(sellerFulfillmentOrderIdFor("usmf", "000123")).toBe("USMF-000123");
    expect(sellerFulfillmentOrderIdFor("USMF", "so-9")).toBe(sellerFulfillmentOrderIdFor("usmf", "SO-9"));
    expect(sellerFulfillmentOrderIdFor("usmf", "7", "ERP1-")).toBe("ERP1-USMF-7");
  });

  it("encodes characters Amazon does not take, so different order numbers never share an id", () => {
    const ids = ["SO/1", "SO_1", "SO.1", "SO 1", "SO-1", "SÖ1"].map((n) => sellerFulfillmentOrderIdFor("usmf", n));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(allowed);
    expect(sellerFulfillmentOrderIdFor("usmf", "SO/2024/17")).toBe("USMF-SO.2F2024.2F17");
  });

  it("keeps to 40 characters for long numbers, with a hash that tells them apart", () => {
    const a = sellerFulfillmentOrderIdFor("usmf", "A-VERY-LONG-ORDER-NUMBER-FROM-A-WEB-SHOP-0001");
    const b = sellerFulfillmentOrderIdFor("usmf", "A-VERY-LONG-ORDER-NUMBER-FROM-A-WEB-SHOP-0002");
    expect(a).toHaveLength(40);
    expect(a).toMatch(allowed);
    expect(a).not.toBe(b);
    expect(a.slice(0, 29)).toBe(b.slice(0, 29));
  });
});

describe("which orders go to MCF, and when", () => {
  it("selects by mode of delivery or warehouse, and never Amazon's own orders", () => {
    expect(selectsOrder(rule, aHeader({ deliveryModeCode: "MCF-STD", warehouseId: "11" }))).toBe(true);
    expect(selectsOrder(rule, aHeader({ deliveryModeCode: "UPS", warehouseId: "FBA-MCF" }))).toBe(true);
    expect(selectsOrder(rule, aHeader({ deliveryModeCode: "UPS", warehouseId: "11" }))).toBe(false);
    expect(selectsOrder(rule, aHeader({ originCode: "AMZ-FBA" }))).toBe(false);
    expect(selectsOrder(rule, aHeader({ company: "demf" }))).toBe(false);
    const both = McfLegalEntity.parse({ ...rule, match: "warehouse-and-mode" });
    expect(selectsOrder(both, aHeader({ deliveryModeCode: "MCF-STD", warehouseId: "11" }))).toBe(false);
    expect(selectsOrder(both, aHeader({ deliveryModeCode: "MCF-STD", warehouseId: "FBA-MCF" }))).toBe(true);
  });

  it("is ready when open, confirmed and not stopped", () => {
    expect(readiness(rule, aHeader())).toEqual({ ready: true });
    expect(readiness(rule, aHeader({ processingStatus: "Active" }))).toMatchObject({
      ready: false,
      reason: expect.stringContaining("Confirmed"),
    });
    expect(readiness(rule, aHeader({ stopped: true }))).toMatchObject({ ready: false });
    expect(readiness(rule, aHeader({ status: "Canceled" }))).toMatchObject({ ready: false, reason: expect.stringContaining("Canceled") });
  });

  it("ships at the speed of the mode of delivery", () => {
    expect(shippingSpeedFor(rule, aHeader({ deliveryModeCode: "MCF-EXP" }))).toBe("Expedited");
    expect(shippingSpeedFor(rule, aHeader({ deliveryModeCode: "OTHER" }))).toBe("Standard");
  });
});

describe("the MCF request", () => {
  it("sends every line under its SKU with the address, speed and policy", () => {
    const { request } = toMcfRequest(
      aHeader(),
      [aLine(), aLine({ lotId: "LOT-2", itemNumber: "D0002", quantity: 1 })],
      rule,
      SKUS,
      "USMF-SO-1",
      NOW,
    );
    expect(request).toMatchObject({
      sellerFulfillmentOrderId: "USMF-SO-1",
      marketplaceId: "ATVPDKIKX0DER",
      displayableOrderId: "SO-1",
      shippingSpeed: "Standard",
      fulfillmentPolicy: "FillOrKill",
      destination: { name: "Test Buyer", addressLine1: "1 Test Street", addressLine2: "Suite 2", postalCode: "98101", countryCode: "US" },
      items: [
        { lineId: "LOT-1", sku: "SKU-1", quantity: 2 },
        { lineId: "LOT-2", sku: "SKU-2", quantity: 1 },
      ],
    });
  });

  it("converts D365 units into Amazon units, and refuses a quantity that is not whole Amazon units", () => {
    // Two SKUs for D0003: the single one wins (one Amazon unit = one D365 unit).
    expect(skuForItem({ itemNumber: "D0003" }, "ATVPDKIKX0DER", SKUS)?.sku).toBe("SKU-3-SINGLE");
    const packs = { ...SKUS, items: SKUS.items.filter((s) => s.sellerSku !== "SKU-3-SINGLE") };
    const { request } = toMcfRequest(aHeader(), [aLine({ itemNumber: "D0003", quantity: 12 })], rule, packs, "X", NOW);
    expect(request.items).toEqual([{ lineId: "LOT-1", sku: "SKU-6PACK", quantity: 2 }]);
    expect(() => toMcfRequest(aHeader(), [aLine({ itemNumber: "D0003", quantity: 7 })], rule, packs, "X", NOW)).toThrow(
      /not a whole number/,
    );
  });

  it("matches product dimensions", () => {
    expect(skuForItem({ itemNumber: "D0004", colorId: "RED" }, "ATVPDKIKX0DER", SKUS)?.sku).toBe("SKU-RED");
    expect(skuForItem({ itemNumber: "D0004" }, "ATVPDKIKX0DER", SKUS)).toBeUndefined();
  });

  it("names every item without a SKU and builds nothing partial", () => {
    const lines = [aLine(), aLine({ lotId: "L2", itemNumber: "X-1" }), aLine({ lotId: "L3", itemNumber: "X-2" })];
    const err = (() => {
      try {
        toMcfRequest(aHeader(), lines, rule, SKUS, "X", NOW);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MappingGapError);
    expect((err as Error).message).toContain("X-1, X-2");
    expect((err as MappingGapError).suggestion).toMatchObject({ file: "sku-crossref.json" });
  });

  it("refuses an order without lines or without a usable address", () => {
    expect(() => toMcfRequest(aHeader(), [], rule, SKUS, "X", NOW)).toThrow(ValidationError);
    expect(() => toMcfRequest(aHeader(), [aLine({ quantity: 0 })], rule, SKUS, "X", NOW)).toThrow(/no lines/);
    const noZip = aHeader({ deliveryAddress: { name: "A", street: "B", countryIsoCode: "US" } });
    expect(() => toMcfRequest(noZip, [aLine()], rule, SKUS, "X", NOW)).toThrow(/ZIP/);
    const threeLetters = aHeader({ deliveryAddress: { name: "A", street: "B", zipCode: "1", countryRegionId: "DEU" } });
    expect(toMcfRequest(threeLetters, [aLine()], rule, SKUS, "X", NOW).request.destination.countryCode).toBe("DE");
  });

  it("leaves out freight lines the mapping ignores", () => {
    const withFreight = McfLegalEntity.parse({ ...rule, ignoreItems: ["FREIGHT"] });
    const { request } = toMcfRequest(
      aHeader(),
      [aLine(), aLine({ lotId: "F", itemNumber: "FREIGHT", quantity: 1 })],
      withFreight,
      SKUS,
      "X",
      NOW,
    );
    expect(request.items.map((i) => i.lineId)).toEqual(["LOT-1"]);
  });
});

describe("bringing shipments back to D365", () => {
  const carriers = new Carriers(CARRIERS);
  const lines = [
    { lotId: "L1", itemNumber: "D0003", sku: "SKU-6PACK", quantity: 2, unitsPerAmazonUnit: 6 },
    { lotId: "L2", itemNumber: "D0001", sku: "SKU-1", quantity: 1, unitsPerAmazonUnit: 1 },
  ];
  const pkg = (id: string, lotId: string, quantity: number, o: Partial<RecordedPackage> = {}): RecordedPackage => ({
    amazonShipmentId: `S-${id}`,
    packageId: id,
    carrierCode: "UPS",
    carrier: "UPS",
    trackingNumber: `T-${id}`,
    lines: [{ lotId, itemNumber: "I", quantity }],
    ...o,
  });

  it("names the carrier, builds its tracking page and counts in D365 units", () => {
    const merged = mergePackages(
      {
        sellerFulfillmentOrderId: "X",
        status: "COMPLETE",
        rawStatus: "Complete",
        items: [],
        shipments: [
          {
            amazonShipmentId: "S1",
            status: "SHIPPED",
            shippedAt: "2026-11-02T10:00:00Z",
            items: [],
            packages: [
              { packageId: "1", carrierCode: "UPS", trackingNumber: "1Z", items: [{ lineId: "L1", sku: "SKU-6PACK", quantity: 2 }] },
            ],
          },
          { amazonShipmentId: "S2", status: "PENDING", items: [], packages: [] },
        ],
      },
      [],
      lines,
      carriers,
    );
    expect(merged).toEqual([
      expect.objectContaining({
        carrier: "UPS",
        trackingUrl: "https://ups.example/track/1Z",
        lines: [{ lotId: "L1", itemNumber: "D0003", quantity: 12 }],
      }),
    ]);
  });

  it("asks D365 to deliver what Amazon shipped and D365 has not posted yet", () => {
    const packages = [pkg("1", "L1", 12), pkg("2", "L2", 1)];
    expect(deliverNowTargets(packages, [])).toEqual([
      { lotId: "L1", quantity: 12 },
      { lotId: "L2", quantity: 1 },
    ]);
    const slip = {
      packingSlipNumber: "PS-1",
      deliveryDate: "2026-11-03T12:00:00Z",
      lines: [{ lotId: "L1", itemNumber: "D0003", quantity: 12 }],
      tracking: [],
    };
    expect(deliverNowTargets(packages, [slip])).toEqual([{ lotId: "L2", quantity: 1 }]);
  });

  it("puts each package on the packing slip that posted its lines, first in first out, and skips rows D365 has", () => {
    const a = pkg("1", "L1", 1);
    const b = pkg("2", "L1", 2);
    const slips = [
      {
        packingSlipNumber: "PS-1",
        deliveryDate: "2026-11-03T12:00:00Z",
        lines: [{ lotId: "L1", itemNumber: "I", quantity: 1 }],
        tracking: [],
      },
      {
        packingSlipNumber: "PS-2",
        deliveryDate: "2026-11-04T12:00:00Z",
        lines: [{ lotId: "L1", itemNumber: "I", quantity: 1 }],
        tracking: [],
      },
    ];
    const allocation = allocatePackingSlips([a, b], slips);
    expect(allocation.get(a)?.packingSlipNumber).toBe("PS-1");
    expect(allocation.get(b)).toBeUndefined(); // only one of its two units is posted yet
    const plan = trackingRowsToWrite([a, b], [{ ...slips[0]!, tracking: [{ trackingNumber: "T-1" }] }, slips[1]!]);
    expect(plan.rows).toEqual([]);
    expect(plan.packages.map((p) => [p.pkg.packageId, p.present])).toEqual([["1", true]]);
    const full = trackingRowsToWrite(
      [a, pkg("3", "L2", 1)],
      [slips[0]!, { ...slips[1]!, lines: [{ lotId: "L2", itemNumber: "I", quantity: 1 }] }],
    );
    expect(full.rows).toEqual([
      { packingSlipNumber: "PS-1", deliveryDate: "2026-11-03T12:00:00Z", trackingNumber: "T-1" },
      { packingSlipNumber: "PS-2", deliveryDate: "2026-11-04T12:00:00Z", trackingNumber: "T-3" },
    ]);
  });
});

describe("mappings/carriers.json and fulfillment.json", () => {
  it("maps a D365 carrier, else its mode of delivery; unmapped ones need a mapping or go as Other", () => {
    const c = new Carriers(CARRIERS);
    expect(c.toAmazon("UPS", "COURIER")).toEqual({ carrierCode: "UPS", shippingMethod: "UPS Ground" });
    expect(c.toAmazon(undefined, "courier")).toEqual({ carrierCode: "Other", carrierName: "City Courier" });
    expect(c.toAmazon("PIGEON", undefined)).toBeUndefined();
    expect(new Carriers(CarriersFile.parse({ ...CARRIERS, unmapped: "other" })).toAmazon("PIGEON", undefined)).toEqual({
      carrierCode: "Other",
      carrierName: "PIGEON",
    });
  });

  it("refuses Other without a name, an entry without a key, and a legal entity twice", () => {
    expect(CarriersFile.safeParse({ toAmazon: [{ shippingCarrierId: "X", carrierCode: "Other" }] }).success).toBe(false);
    expect(CarriersFile.safeParse({ toAmazon: [{ carrierCode: "UPS" }] }).success).toBe(false);
    const le = { dataAreaId: "usmf", marketplaceId: "ATVPDKIKX0DER", warehouses: ["A"] };
    expect(FulfillmentFile.safeParse({ mcf: { legalEntities: [le, le] } }).success).toBe(false);
    expect(FulfillmentFile.safeParse({ mcf: { legalEntities: [{ dataAreaId: "usmf", marketplaceId: "ATVPDKIKX0DER" }] } }).success).toBe(
      false,
    );
  });

  it("has defaults that act on the documented invoice event and on alerts", () => {
    const f = FulfillmentFile.parse({});
    expect(f.mcf.legalEntities).toEqual([]);
    expect(f.businessEvents.map((r) => r.businessEventId)).toContain("SalesInvoicePostedBusinessEvent");
  });
});
