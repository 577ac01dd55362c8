import { describe, expect, it } from "vitest";
import type { ReturnRecord } from "../../../src/flows/returns/records";
import { requisitionFor, toReturnOrder } from "../../../src/flows/returns/transform";
import { Mappings } from "../../../src/mapping/mappings";
import { ReturnMappings } from "../../../src/mapping/returns";
import { MappingGapError } from "../../../src/platform/errors";
import { aSalesOrder } from "./builders";

const mappings = Mappings.load("mappings");
const shipped = ReturnMappings.load("mappings");

type Ret = Pick<ReturnRecord, "key" | "channel" | "amazonOrderId" | "returnId" | "marketplaceId" | "items">;
function aReturn(over: Partial<Ret> = {}): Ret {
  return {
    key: "FBA|111-1|LPN1",
    channel: "FBA",
    amazonOrderId: "111-1",
    returnId: "LPN1",
    marketplaceId: "ATVPDKIKX0DER",
    items: [{ sku: "DEMO-SPEAKER-BLK", quantity: 2, reason: "DEFECTIVE", disposition: "CUSTOMER_DAMAGED" }],
    ...over,
  };
}

describe("an Amazon return as a D365 return order", () => {
  it("links the header to the sales order's customer and the Amazon order, maps reason, disposition, item, quantity and price", () => {
    const draft = toReturnOrder(aReturn(), aSalesOrder(), mappings, shipped);
    expect(draft.header).toEqual({
      dataAreaId: "usmf",
      CustomerAccountNumber: "AMZ-US",
      CustomersOrderReference: "111-1",
      CustomerRequisitionNumber: "LPN1",
      CustomerReturnReasonCode: "DEFECT",
      CurrencyCode: "USD",
      DefaultReturnWarehouseId: "FBA-US",
      DefaultReturnSiteId: "FBA",
    });
    expect(draft.lines).toEqual([
      {
        ItemNumber: "D0001",
        ExternalItemNumber: "DEMO-SPEAKER-BLK",
        ReturnSalesQuantity: -2,
        ReturnDispositionCode: "CUSTDAMAGE",
        ReturnWarehouseId: "FBA-US",
        ReturnSiteId: "FBA",
        SalesPrice: "54.11",
        SalesUnitSymbol: "ea",
      },
    ]);
    expect(draft.marketplaceId).toBe("ATVPDKIKX0DER");
  });

  it("keeps FBA returns in the marketplace's FBA warehouse, sends FBM returns to the returns warehouse, MCF returns where the order shipped from", () => {
    const uk = toReturnOrder(
      aReturn({ marketplaceId: "A1F83G8C2ARO7P" }),
      aSalesOrder({ customerAccount: "AMZ-UK", currency: "GBP" }),
      mappings,
      shipped,
    );
    expect(uk.header.DefaultReturnWarehouseId).toBe("FBA-UK");
    const fbm = toReturnOrder(
      aReturn({ channel: "FBM", items: [{ sku: "DEMO-CHARGER-65W", quantity: 1, reason: "DEFECTIVE" }] }),
      aSalesOrder(),
      mappings,
      shipped,
    );
    expect(fbm.lines[0]).toMatchObject({ ReturnWarehouseId: "13", ReturnSiteId: "1", SalesPrice: "39.00" });
    expect(fbm.lines[0]?.ReturnDispositionCode).toBeUndefined();
    const mcf = toReturnOrder(
      aReturn({ channel: "MCF", items: [{ sku: "DEMO-SPEAKER-BLK", quantity: 1, reason: "CR-DEFECTIVE", disposition: "Defective" }] }),
      aSalesOrder({ customerAccount: "US-001", shippingWarehouseId: "FBA-US", shippingSiteId: "FBA" }),
      mappings,
      shipped,
    );
    expect(mcf.header).toMatchObject({
      CustomerAccountNumber: "US-001",
      CustomerReturnReasonCode: "DEFECT",
      DefaultReturnWarehouseId: "FBA-US",
    });
    expect(mcf.lines[0]?.ReturnDispositionCode).toBe("DEFECTIVE");
  });

  it("takes the marketplace from the sales order's customer when the report's marketplace is another (a pan-EU report)", () => {
    const draft = toReturnOrder(
      aReturn({ marketplaceId: "A1F83G8C2ARO7P" }),
      aSalesOrder({ customerAccount: "AMZ-DE", currency: "EUR" }),
      mappings,
      shipped,
    );
    expect(draft.marketplaceId).toBe("A1PA6795UKMFR9");
    expect(draft.header.DefaultReturnWarehouseId).toBe("FBA-DE");
  });

  it("uses the returns.json warehouse of the channel and marketplace when there is one", () => {
    const custom = ReturnMappings.parse({
      ...shipped.file,
      warehouses: [
        { channel: "FBA", warehouseId: "FBA-RET" },
        { channel: "FBA", marketplaceId: "ATVPDKIKX0DER", warehouseId: "FBA-US-RET", siteId: "FBA" },
      ],
    });
    expect(toReturnOrder(aReturn(), aSalesOrder(), mappings, custom).header.DefaultReturnWarehouseId).toBe("FBA-US-RET");
    const uk = toReturnOrder(aReturn({ marketplaceId: "A1F83G8C2ARO7P" }), aSalesOrder({ customerAccount: "AMZ-UK" }), mappings, custom);
    expect(uk.header.DefaultReturnWarehouseId).toBe("FBA-RET");
    expect(uk.header.DefaultReturnSiteId).toBeUndefined();
  });

  it("converts Amazon units with the cross-reference (a six-pack sold as one) and keeps two SKUs of one item as two lines", () => {
    const m = Mappings.fromObjects({
      marketplaces: mappings.marketplacesFile,
      skus: {
        items: [
          { sellerSku: "SIX-PACK", itemNumber: "D0004", unitsPerAmazonUnit: 6 },
          { sellerSku: "DEMO-CABLE-USBC-1M", itemNumber: "D0004" },
        ],
      },
      statuses: mappings.statusFile,
    });
    const draft = toReturnOrder(
      aReturn({
        channel: "FBM",
        items: [
          { sku: "SIX-PACK", quantity: 2, reason: "DEFECTIVE" },
          { sku: "DEMO-CABLE-USBC-1M", quantity: 1, reason: "DEFECTIVE" },
        ],
      }),
      aSalesOrder(),
      m,
      shipped,
    );
    expect(draft.lines.map((l) => [l.ItemNumber, l.ExternalItemNumber, l.ReturnSalesQuantity])).toEqual([
      ["D0004", "SIX-PACK", -12],
      ["D0004", "DEMO-CABLE-USBC-1M", -1],
    ]);
    expect(draft.lines[0]?.SalesPrice).toBeUndefined(); // not on the sales order: D365 prices it
  });

  it("stops on every unknown code and SKU at once, suggesting the entries to add", () => {
    const ret = aReturn({
      items: [
        { sku: "DEMO-SPEAKER-BLK", quantity: 1, reason: "FOUND_BETTER_PRICE", disposition: "WAREHOUSE_DAMAGED" },
        { sku: "UNMAPPED-GADGET-01", quantity: 1, reason: "DEFECTIVE", disposition: "SELLABLE", asin: "B0UNKNOWN1" },
      ],
    });
    let err: MappingGapError | undefined;
    try {
      toReturnOrder(ret, aSalesOrder(), mappings, shipped);
    } catch (e) {
      err = e as MappingGapError;
    }
    expect(err).toBeInstanceOf(MappingGapError);
    expect(err!.message).toContain('reason "FOUND_BETTER_PRICE"');
    expect(err!.message).toContain('disposition "WAREHOUSE_DAMAGED"');
    expect(err!.message).toContain("SKU UNMAPPED-GADGET-01");
    expect(err!.where).toBe("returns.json, sku-crossref.json");
    expect(err!.suggestion).toEqual([
      { file: "returns.json", add: { reasons: { FOUND_BETTER_PRICE: "UNWANTED" }, dispositions: { WAREHOUSE_DAMAGED: "DAMAGED" } } },
      { file: "sku-crossref.json", add: { items: [{ sellerSku: "UNMAPPED-GADGET-01", itemNumber: "<ItemNumber>", asin: "B0UNKNOWN1" }] } },
    ]);
  });

  it("uses the default codes instead when returns.json says so", () => {
    const lenient = ReturnMappings.parse({
      ...shipped.file,
      unknownCodes: "default",
      defaultReasonCode: "OTHER",
      defaultDispositionCode: "DAMAGED",
    });
    const draft = toReturnOrder(
      aReturn({ items: [{ sku: "DEMO-SPEAKER-BLK", quantity: 1, reason: "FOUND_BETTER_PRICE", disposition: "NEW_CONDITION" }] }),
      aSalesOrder(),
      mappings,
      lenient,
    );
    expect(draft.header.CustomerReturnReasonCode).toBe("OTHER");
    expect(draft.lines[0]?.ReturnDispositionCode).toBe("DAMAGED");
  });

  it("keeps the requisition number short: a long Amazon return id becomes a stable hash", () => {
    expect(requisitionFor("LPNRR0123456789")).toBe("LPNRR0123456789");
    const long = requisitionFor("amzn1.return.authorization.0123456789abcdef");
    expect(long).toHaveLength(20);
    expect(long).toMatch(/^AMZ[0-9A-F]{17}$/);
    expect(requisitionFor("amzn1.return.authorization.0123456789abcdef")).toBe(long);
  });
});
