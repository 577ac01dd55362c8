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
