import { describe, expect, it } from "vitest";
import { MappingGapError, ValidationError } from "../../../src/platform/errors";
import { linePrice, toSalesOrder } from "../../../src/flows/orders/transform";
import { normalizeState, toIso3Country } from "../../../src/flows/orders/address";
import { dec } from "../../../src/platform/money";
import { anAmazonOrder, anOrderItem, testMappings, UK } from "./builders";

const m = testMappings();

describe("Amazon order -> D365 sales order", () => {
  it("divides ItemPrice (a line total) by the quantity for the unit price, in decimal", () => {
    const order = anAmazonOrder();
    const draft = toSalesOrder(
      order,
      [anOrderItem({ sku: "SKU-A", quantityOrdered: 3, itemPrice: { amount: "29.97", currency: "USD" } })],
      m,
    );
    expect(draft.lines[0]).toMatchObject({
      ItemNumber: "D0001",
      OrderedSalesQuantity: 3,
      SalesPrice: "9.99",
      LineDiscountAmount: "0.00",
    });
    // F&O computes the amount (no LineAmount that it might recompute), with price unit 1.
    expect(draft.lines[0]).not.toHaveProperty("LineAmount");
    expect(draft.lines[0].SalesPriceQuantity).toBeUndefined();
  });

  it("prices a line whose total does not divide into cents per its whole quantity (price unit = quantity), exactly", () => {
    const draft = toSalesOrder(anAmazonOrder(), [anOrderItem({ quantityOrdered: 3, itemPrice: { amount: "10.00", currency: "USD" } })], m);
    expect(draft.lines[0]).toMatchObject({
      SalesPrice: "10.00",
      SalesPriceQuantity: 3,
      LineDiscountAmount: "0.00",
      OrderedSalesQuantity: 3,
    });
    // F&O: LineAmount = (SalesPrice - LineDiscountAmount) x quantity / price unit = 10.00 exactly, not 3 x 3.333333.
    const l = draft.lines[0];
    expect(dec(l.SalesPrice).times(l.OrderedSalesQuantity).div(l.SalesPriceQuantity!).toFixed(2)).toBe("10.00");
    expect(linePrice(dec("0.30"), dec("0"), 3)).toEqual({ SalesPrice: "0.10", LineDiscountAmount: "0.00" });
  });

  it("folds a discount that does not divide into cents into the whole-quantity price", () => {
    expect(linePrice(dec("20.00"), dec("0.01"), 2)).toEqual({ SalesPrice: "19.99", SalesPriceQuantity: 2, LineDiscountAmount: "0.00" });
    expect(linePrice(dec("10.00"), dec("1.00"), 1)).toEqual({ SalesPrice: "10.00", LineDiscountAmount: "1.00" });
  });

  it("asks D365 for no automatic charges, a locked price and no delivery date control (past dates stay as Amazon gave them)", () => {
    const draft = toSalesOrder(anAmazonOrder({ latestShipDate: "2020-01-02T07:59:59Z" }), [anOrderItem()], m);
    expect(draft.header).toMatchObject({
      SkipCreateAutoCharges: "Yes",
      SalesOrderPromisingMethod: "None",
      RequestedShippingDate: "2020-01-02T07:59:59Z",
    });
    expect(draft.lines[0]).toMatchObject({ SkipCreateAutoCharges: "Yes", IsPriceLocked: "Yes", SalesOrderPromisingMethod: "None" });
  });

  it("turns promotions into a per-unit line discount and a net line amount", () => {
    const draft = toSalesOrder(
      anAmazonOrder(),
      [
        anOrderItem({
          quantityOrdered: 2,
          itemPrice: { amount: "100.00", currency: "USD" },
          promotionDiscount: { amount: "20.00", currency: "USD" },
        }),
      ],
      m,
    );
    expect(draft.lines[0]).toMatchObject({ SalesPrice: "50.00", LineDiscountAmount: "10.00" });
    expect(draft.totals).toMatchObject({ goods: "100.00", discounts: "20.00" });
  });

  it("adds shipping less shipping discount as one freight item line after the goods", () => {
    const items = [
      anOrderItem({
        orderItemId: "OI-1",
        shippingPrice: { amount: "5.99", currency: "USD" },
        shippingDiscount: { amount: "1.00", currency: "USD" },
      }),
      anOrderItem({ orderItemId: "OI-2", sku: "SKU-B", shippingPrice: { amount: "2.01", currency: "USD" } }),
    ];
    const draft = toSalesOrder(anAmazonOrder(), items, m);
    expect(draft.lines.map((l) => [l.key, l.CustomersLineNumber, l.ItemNumber])).toEqual([
      ["OI-1", 1, "D0001"],
      ["OI-2", 2, "D0002"],
      ["shipping", 3, "FREIGHT"],
    ]);
    expect(draft.lines[2]).toMatchObject({ SalesPrice: "7.00", OrderedSalesQuantity: 1 });
    expect(draft.lines[1]).toMatchObject({ ProductColorId: "Red", ProductSizeId: "M" });
  });

  it("books shipping as a header charge where the marketplace says so", () => {
    const order = anAmazonOrder({ marketplaceId: UK });
    const draft = toSalesOrder(
      order,
      [anOrderItem({ itemPrice: { amount: "44.99", currency: "GBP" }, shippingPrice: { amount: "3.50", currency: "GBP" } })],
      m,
    );
    expect(draft.lines).toHaveLength(1);
    expect(draft.charges).toEqual([{ key: "shipping", SalesChargeCode: "FREIGHT", ChargeAmount: "3.50", Description: "Amazon shipping" }]);
    expect(draft.header).toMatchObject({
      CurrencyCode: "GBP",
      ArePricesIncludingSalesTax: "Yes",
      SalesTaxGroupCode: "UK-VAT",
      DefaultShippingWarehouseId: "21",
    });
  });

  it("puts marketplace-facilitator lines on the exempt tax group so D365 does not tax them again", () => {
    const draft = toSalesOrder(
      anAmazonOrder(),
      [
        anOrderItem({
          orderItemId: "OI-1",
          itemTax: { amount: "4.12", currency: "USD" },
          taxCollectionModel: "MarketplaceFacilitator",
        }),
        anOrderItem({ orderItemId: "OI-2" }),
      ],
      m,
    );
    expect(draft.lines.map((l) => l.SalesTaxGroupCode)).toEqual(["MFT-EXEMPT", "AVATAX"]);
    expect(draft.header.ArePricesIncludingSalesTax).toBe("No");
    expect(draft.totals.amazonTax).toBe("4.12");
  });

  it("chooses the warehouse by fulfillment channel", () => {
    const fba = toSalesOrder(anAmazonOrder({ fulfillmentChannel: "AFN" }), [anOrderItem()], m);
    const fbm = toSalesOrder(anAmazonOrder({ fulfillmentChannel: "MFN" }), [anOrderItem()], m);
    expect([fba.header.DefaultShippingWarehouseId, fba.lines[0].ShippingWarehouseId]).toEqual(["FBA-US", "FBA-US"]);
    expect([fbm.header.DefaultShippingWarehouseId, fbm.lines[0].ShippingWarehouseId]).toEqual(["11", "11"]);
  });

  it("maps the header: customer, currency, reference, origin and a one-time address with an ISO-3 country", () => {
    const order = anAmazonOrder({
      shippingAddress: {
        name: "Jane Doe",
        addressLine1: "1 Main St",
        addressLine2: "Apt 2",
        city: "Seattle",
        stateOrRegion: "washington",
        postalCode: "98109",
        countryCode: "US",
      },
    });
    const h = toSalesOrder(order, [anOrderItem()], m).header;
    expect(h).toMatchObject({
      dataAreaId: "usmf",
      CustomersOrderReference: order.amazonOrderId,
      OrderingCustomerAccountNumber: "AMZ-US",
      InvoiceCustomerAccountNumber: "AMZ-US",
      CurrencyCode: "USD",
      SalesOrderOriginCode: "AMAZON",
      IsDeliveryAddressOrderSpecific: "Yes",
      DeliveryAddressName: "Jane Doe",
      DeliveryAddressStreet: "1 Main St\nApt 2",
      DeliveryAddressStateId: "WA",
      DeliveryAddressCountryRegionId: "USA",
      DeliveryAddressZipCode: "98109",
    });
  });

  it("leaves the address to the customer's default when Amazon gives none (FBA without PII)", () => {
    const h = toSalesOrder(anAmazonOrder({ shippingAddress: undefined }), [anOrderItem()], m).header;
    expect(h.IsDeliveryAddressOrderSpecific).toBeUndefined();
    expect(h.DeliveryAddressCountryRegionId).toBeUndefined();
  });

  it("normalizes countries and states", () => {
    expect([toIso3Country("DE"), toIso3Country("gb"), toIso3Country("UK"), toIso3Country("XX")]).toEqual(["DEU", "GBR", "GBR", undefined]);
    expect([
      normalizeState("US", "Calif"),
      normalizeState("US", "new york"),
      normalizeState("US", "ny"),
      normalizeState("CA", "Québec"),
      normalizeState("CA", "Ontario"),
    ]).toEqual([undefined, "NY", "NY", "QC", "ON"]);
  });

  it("outside the US and Canada sends a state only when D365 knows it for the country, else none", () => {
    const known = new Set(["BY", "BE"]);
    expect([
      normalizeState("DE", "by", known),
      normalizeState("DE", "Bayern", known),
      normalizeState("GB", "KENT", new Set()),
      normalizeState("GB", "KENT"),
    ]).toEqual(["BY", undefined, undefined, undefined]);
    const kent = toSalesOrder(
      anAmazonOrder({
        marketplaceId: UK,
        shippingAddress: { city: "MAIDSTONE", stateOrRegion: "Kent", postalCode: "ME14 1XX", countryCode: "GB" },
      }),
      [anOrderItem({ itemPrice: { amount: "10.00", currency: "GBP" } })],
      m,
      undefined,
      { knownStates: new Set() },
    );
    expect(kent.header).toMatchObject({ DeliveryAddressCountryRegionId: "GBR", DeliveryAddressCity: "MAIDSTONE" });
    expect(kent.header.DeliveryAddressStateId).toBeUndefined();
  });

  it("refuses an order with an unknown SKU, naming every SKU and suggesting the entries", () => {
    const order = anAmazonOrder();
    let err: unknown;
    try {
      toSalesOrder(
        order,
        [anOrderItem({ sku: "SKU-A" }), anOrderItem({ sku: "NEW-1", asin: "B0NEW00001" }), anOrderItem({ sku: "NEW-2" })],
        m,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MappingGapError);
    const gap = err as MappingGapError;
    expect(gap.code).toBe("mapping.unknownSku");
    expect(gap.message).toContain("NEW-1, NEW-2");
    expect(gap.message).toContain(order.amazonOrderId);
    expect(gap.suggestion).toEqual({
      file: "sku-crossref.json",
      add: [
        { sellerSku: "NEW-1", itemNumber: "<D365 ItemNumber>", asin: "B0NEW00001" },
        { sellerSku: "NEW-2", itemNumber: "<D365 ItemNumber>", asin: "B0DEMO0001" },
      ],
    });
  });

  it("uses the SellerSKU as ItemNumber only when the cross-reference says identity", () => {
    const draft = toSalesOrder(anAmazonOrder(), [anOrderItem({ sku: "D0999" })], testMappings({ unmappedSku: "identity" }));
    expect(draft.lines[0].ItemNumber).toBe("D0999");
  });

  it("refuses unknown marketplaces, foreign currencies and missing prices", () => {
    expect(() => toSalesOrder(anAmazonOrder({ marketplaceId: "A13V1IB3VIYZZH" }), [anOrderItem()], m)).toThrow(/A13V1IB3VIYZZH/);
    expect(() => toSalesOrder(anAmazonOrder(), [anOrderItem({ itemPrice: { amount: "1.00", currency: "EUR" } })], m)).toThrow(
      MappingGapError,
    );
    expect(() => toSalesOrder(anAmazonOrder(), [anOrderItem({ itemPrice: undefined })], m)).toThrow(ValidationError);
    expect(() => toSalesOrder(anAmazonOrder({ shippingAddress: { countryCode: "ZZ" } }), [anOrderItem()], m)).toThrow(/ZZ/);
  });

  it("skips canceled item quantities and scales multi-packs to D365 units", () => {
    const draft = toSalesOrder(
      anAmazonOrder(),
      [
        anOrderItem({ orderItemId: "OI-0", quantityOrdered: 0 }),
        anOrderItem({
          orderItemId: "OI-1",
          sku: "SKU-6PACK",
          quantityOrdered: 2,
          itemPrice: { amount: "24.00", currency: "USD" },
        }),
      ],
      m,
    );
    expect(draft.lines).toHaveLength(1);
    expect(draft.lines[0]).toMatchObject({
      key: "OI-1",
      CustomersLineNumber: 1,
      OrderedSalesQuantity: 12,
      SalesPrice: "2.00",
    });
  });

  it("is deterministic: the same order gives the same lines and keys", () => {
    const order = anAmazonOrder();
    const items = [anOrderItem({ orderItemId: "OI-9" }), anOrderItem({ orderItemId: "OI-3" })];
    const a = toSalesOrder(order, items, m);
    const b = toSalesOrder(order, [...items].reverse(), m);
    expect(b).toEqual(a);
    expect(a.lines.map((l) => l.key)).toEqual(["OI-3", "OI-9"]);
  });
});
