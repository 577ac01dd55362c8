import { describe, expect, it } from "vitest";
import { consoleLog, describeEntry, parseLine } from "../../../src/local/console-log";

const at = new Date(2025, 2, 17, 12, 0, 3);

function render(json: boolean, ...lines: [string, string][]): string[] {
  const out: string[] = [];
  const log = consoleLog({ json, color: false, write: (l) => out.push(l), now: () => at });
  for (const [level, message] of lines) log(level, message);
  return out;
}

describe("the console of npm start", () => {
  it("prints one sentence per event with the time, the flow and the business key", () => {
    const out = render(
      false,
      [
        "info",
        'order-import: {"event":"order.imported","amazonOrderId":"113-1234567-1234567","outcome":"created","salesOrderNumber":"000739","linesCreated":2,"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}',
      ],
      ["info", 'settlementVerify: {"event":"settlement.created","settlementId":"24000042001","journalBatchNumber":"00501","lines":13}'],
    );
    expect(out).toEqual([
      "12:00:03 orders        order 113-1234567-1234567 imported as SO 000739 (2 lines)",
      "12:00:03 settlements   settlement 24000042001 created as journal 00501 (13 lines), balanced",
    ]);
  });

  it("tells the inventory flow's runs, refusals, feeds and journals as sentences", () => {
    const out = render(
      false,
      [
        "info",
        'inventory-queue: {"level":"info","message":"inventory.pushed","trigger":"http","outcome":"succeeded","marketplaces":' +
          '[{"marketplaceId":"ATVPDKIKX0DER","changed":4,"path":"patch","accepted":3},{"marketplaceId":"A1F83G8C2ARO7P","changed":0,"path":"none","accepted":0}]}',
      ],
      [
        "info",
        'inventory-queue: {"event":"inventory.skuRefused","marketplaceId":"ATVPDKIKX0DER","sellerSku":"DEMO-KEYBOARD-DE","code":"90000900"}',
      ],
      [
        "info",
        'inventory-push: {"level":"info","message":"inventory.feedSettled","marketplaceId":"A1PA6795UKMFR9","feedId":"F1","status":"DONE","accepted":600,"refused":0}',
      ],
      ["warn", 'inventory-push: {"event":"inventory.d365Unavailable","trigger":"timer","error":"HTTP 503 from WarehousesOnHandV2"}'],
      [
        "info",
        'inventory-fba-reconcile: {"level":"info","message":"inventory.fbaReconciled","outcome":"succeeded","marketplaces":' +
          '[{"marketplaceId":"ATVPDKIKX0DER","skus":9,"discrepancies":1}]}',
      ],
      [
        "info",
        'inventory-fba-reconcile: {"event":"inventory.fbaJournalPrepared","marketplaceId":"ATVPDKIKX0DER","kind":"counting","journalNumber":"INVJ-000001","lines":1}',
      ],
      // The timer's own note of the run the lines above told.
      ["info", 'inventory-push: {"level":"info","message":"inventory.push","outcome":"failed"}'],
    );
    expect(out).toEqual([
      "12:00:03 inventory     inventory push (http) succeeded: ATVPDKIKX0DER 4 changed by patch, 3 taken; A1F83G8C2ARO7P unchanged",
      "12:00:03 inventory     SKU DEMO-KEYBOARD-DE refused by Amazon in ATVPDKIKX0DER (90000900): parked; GET /api/deadletters?queue=inventory-sync",
      "12:00:03 inventory     feed F1 for A1PA6795UKMFR9 DONE: 600 taken, 0 refused",
      "12:00:03 inventory     inventory push stopped: D365 on-hand could not be read, nothing pushed, Amazon keeps the last quantities (HTTP 503 from WarehousesOnHandV2)",
      "12:00:03 inventory     FBA reconciliation succeeded: ATVPDKIKX0DER 9 SKUs, 1 discrepancy",
      "12:00:03 inventory     FBA ATVPDKIKX0DER: unposted counting journal INVJ-000001 (1 line) ready for review in D365",
    ]);
  });

  it("leaves metrics and per-message step markers to telemetry", () => {
    const out = render(
      false,
      ["info", 'app: {"metric":"spapi.calls","value":1,"operation":"getOrders","component":"spapi"}'],
      ["info", 'order-import: {"level":"info","message":"message.handled","queue":"order-import","messageId":"m1"}'],
    );
    expect(out).toEqual([]);
  });

  it("says what any other log line is about, without its JSON", () => {
    const [line] = render(false, ["warn", 'settlement-poll: {"level":"warn","message":"something odd","settlementId":"1","traceId":"ab"}']);
    expect(line).toBe("12:00:03 settlements   something odd settlementId=1");
  });

  it("prints every entry as one JSON line with --json, metrics included", () => {
    const out = render(true, ["info", 'app: {"metric":"spapi.calls","value":1}'], ["warn", "host: plain words"]);
    expect(out.map((l) => JSON.parse(l))).toEqual([
      { time: at.toISOString(), level: "info", function: "app", metric: "spapi.calls", value: 1 },
      { time: at.toISOString(), level: "warn", function: "host", message: "plain words" },
    ]);
  });

  it("colours on a terminal", () => {
    const out: string[] = [];
    consoleLog({ json: false, color: true, write: (l) => out.push(l), now: () => at })("error", "order-import: failed hard");
    expect(out[0]).toMatch(/\x1b\[/);
  });

  it("reads `<function>: {json}` lines and plain ones", () => {
    expect(parseLine('order-import: {"event":"x"}')).toMatchObject({ source: "order-import", entry: { event: "x" } });
    expect(parseLine("function order-import failed: boom")).toEqual({ source: "host", text: "function order-import failed: boom" });
    expect(describeEntry({ event: "order.imported", amazonOrderId: "1", outcome: "canceled" })).toBe(
      "order 1 canceled in Amazon before it was imported",
    );
  });
});
