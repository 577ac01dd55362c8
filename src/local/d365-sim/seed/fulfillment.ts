/**
 * Sales orders of the demo company that Amazon ships from FBA stock (Multi-Channel Fulfillment): web-shop
 * orders of customer US-001 with a mode of delivery MCF-STD / MCF-EXP, shipping from warehouse FBA-US, each
 * showing one path of the fulfillment flow (mappings/fulfillment.json selects them; docs/fulfillment.md):
 *
 * | order | what happens |
 * |---|---|
 * | MCF-00001 | confirmed, two lines: Amazon ships it in two shipments with two carriers |
 * | MCF-00002 | confirmed, Expedited (mode MCF-EXP), one line of headphones |
 * | MCF-00003 | not confirmed yet: waits until someone confirms it (POST /_control/sales-orders/confirm) |
 * | MCF-00004 | confirmed, DEMO-STAND-ALU, which Amazon cannot fulfil: the preview says so, a review item |
 * | MCF-00005 | confirmed, postal code 00000, an address Amazon refuses: a review item |
 * | MCF-00006 | confirmed, no lines: a review item |
 *
 * Names and addresses are invented. The business events of their creation and confirmation are in the event
 * log from the start (as F&O would have sent them), so the local run delivers them to the app.
 */
import { Dec } from "../../../platform/money";
import { announceSeededOrder } from "../fulfillment";
import type { Row, SimStore } from "../store";

interface DemoMcfOrder {
  number: string;
  mode: "MCF-STD" | "MCF-EXP";
  confirmed: boolean;
  zip: string;
  lines: { item: string; qty: number; price: string }[];
}

export const DEMO_MCF_ORDERS: readonly DemoMcfOrder[] = [
  {
    number: "MCF-00001",
    mode: "MCF-STD",
    confirmed: true,
    zip: "98101",
    lines: [
      { item: "D0001", qty: 2, price: "49.99" },
      { item: "D0004", qty: 1, price: "9.99" },
    ],
  },
  { number: "MCF-00002", mode: "MCF-EXP", confirmed: true, zip: "97201", lines: [{ item: "D0003", qty: 1, price: "89.00" }] },
  { number: "MCF-00003", mode: "MCF-STD", confirmed: false, zip: "94105", lines: [{ item: "D0002", qty: 1, price: "49.99" }] },
  { number: "MCF-00004", mode: "MCF-STD", confirmed: true, zip: "10001", lines: [{ item: "D0009", qty: 1, price: "29.99" }] },
  { number: "MCF-00005", mode: "MCF-STD", confirmed: true, zip: "00000", lines: [{ item: "D0001", qty: 1, price: "49.99" }] },
  { number: "MCF-00006", mode: "MCF-STD", confirmed: true, zip: "60601", lines: [] },
];

export function seedFulfillment(store: SimStore, company: string, now: Date): void {
  const created = now.toISOString().replace(/\.\d{3}Z$/, "Z");
  DEMO_MCF_ORDERS.forEach((o, i) => {
    const header: Row = {
      dataAreaId: company,
      SalesOrderNumber: o.number,
      CustomersOrderReference: `WEB-${10001 + i}`,
      OrderingCustomerAccountNumber: "US-001",
      InvoiceCustomerAccountNumber: "US-001",
      CurrencyCode: "USD",
      LanguageId: "en-us",
      DefaultShippingSiteId: "FBA",
      DefaultShippingWarehouseId: "FBA-US",
      DeliveryModeCode: o.mode,
      SalesOrderStatus: "Backorder",
      SalesOrderProcessingStatus: o.confirmed ? "Confirmed" : "Active",
      IsSalesProcessingStopped: "No",
      ArePricesIncludingSalesTax: "No",
      AreTotalsCalculated: "No",
      OrderCreationDateTime: created,
      IsDeliveryAddressOrderSpecific: "Yes",
      DeliveryAddressName: `Demo Customer ${i + 1}`,
      DeliveryAddressStreet: `${100 + i} Demo Street`,
      DeliveryAddressCity: o.zip === "00000" ? "Nowhere" : "Seattle",
      DeliveryAddressStateId: "WA",
      DeliveryAddressZipCode: o.zip,
      DeliveryAddressCountryRegionId: "USA",
      DeliveryAddressCountryRegionISOCode: "US",
    };
    store.put("SalesOrderHeadersV4", header, "seed");
    o.lines.forEach((l, n) => {
      store.put(
        "SalesOrderLinesV3",
        {
          dataAreaId: company,
          InventoryLotId: `${company.toUpperCase()}-${o.number}-${n + 1}`,
          SalesOrderNumber: o.number,
          LineNumber: n + 1,
          LineCreationSequenceNumber: n + 1,
          ItemNumber: l.item,
          OrderedSalesQuantity: l.qty,
          SalesUnitSymbol: "ea",
          SalesPrice: Number(l.price),
          SalesPriceQuantity: 1,
          LineAmount: Number(new Dec(l.price).times(l.qty).toFixed(2)),
          CurrencyCode: "USD",
          ShippingSiteId: "FBA",
          ShippingWarehouseId: "FBA-US",
          SalesOrderLineStatus: "Backorder",
          SalesDeliverNow: 0,
        },
        "seed",
      );
    });
    announceSeededOrder(store, header);
  });
}
