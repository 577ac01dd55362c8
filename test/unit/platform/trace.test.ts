import { describe, expect, it } from "vitest";
import { StructuredTelemetry } from "../../../src/platform/telemetry";
import {
  childOf,
  currentTraceparent,
  formatTraceparent,
  parseTraceparent,
  runInTrace,
  traceForInvocation,
  tracingBus,
} from "../../../src/platform/trace";
import type { MessageBus, OutgoingMessage } from "../../../src/platform/ports";

const TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

describe("W3C traceparent", () => {
  it("reads and writes version 00, and refuses what the spec calls invalid", () => {
    expect(parseTraceparent(TP)).toEqual({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", flags: "01" });
    expect(formatTraceparent(parseTraceparent(TP)!)).toBe(TP);
    expect(parseTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).toBeUndefined();
    expect(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).toBeUndefined();
    expect(parseTraceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).toBeUndefined();
    expect(parseTraceparent(`${TP}-extra`)).toBeUndefined();
    expect(parseTraceparent("not a trace")).toBeUndefined();
  });

  it("continues the caller's trace with a span of its own: message property first, then the HTTP header, then the host's", () => {
    const fromMessage = traceForInvocation({ triggerMetadata: { applicationProperties: { traceparent: TP } }, requestTraceparent: null });
    expect(fromMessage.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(fromMessage.spanId).not.toBe("00f067aa0ba902b7");
    const other = "00-11111111111111111111111111111111-2222222222222222-01";
    expect(traceForInvocation({ requestTraceparent: TP, traceContext: { traceParent: other } }).traceId).toBe(
      "4bf92f3577b34da6a3ce929d0e0e4736",
    );
    expect(traceForInvocation({ traceContext: { traceParent: other } }).traceId).toBe("11111111111111111111111111111111");
    // The worker camel-cases application property keys: Diagnostic-Id arrives as diagnostic-Id.
    expect(traceForInvocation({ triggerMetadata: { applicationProperties: { "diagnostic-Id": other } } }).traceId).toBe(
      "11111111111111111111111111111111",
    );
    const fresh = traceForInvocation({});
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.traceId).not.toBe(traceForInvocation({}).traceId);
  });

  it("puts the current trace on every message sent and every telemetry line, and nothing outside a trace", async () => {
    const sent: OutgoingMessage[] = [];
    const bus: MessageBus = {
      send: async (_q, m) => void sent.push(...(Array.isArray(m) ? m : [m])),
      peekDeadLetters: async () => [],
      removeDeadLetter: async () => false,
    };
    const lines: string[] = [];
    const telemetry = new StructuredTelemetry((_l, line) => lines.push(line));
    const trace = childOf(parseTraceparent(TP)!);
    await runInTrace(trace, async () => {
      await tracingBus(bus).send("q", [{ messageId: "a", body: 1 }]);
      await tracingBus(bus).send("q", { messageId: "b", body: 2, applicationProperties: { traceparent: TP } });
      telemetry.event("order.imported", { amazonOrderId: "1" });
      expect(currentTraceparent()).toBe(formatTraceparent(trace));
    });
    await tracingBus(bus).send("q", { messageId: "c", body: 3 });
    telemetry.metric("spapi.calls", 1);
    expect(sent[0]!.applicationProperties).toEqual({ traceparent: formatTraceparent(trace), "Diagnostic-Id": formatTraceparent(trace) });
    expect(sent[1]!.applicationProperties).toEqual({ traceparent: TP }); // a replay keeps the trace it had
    expect(sent[2]!.applicationProperties).toBeUndefined();
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: "order.imported", traceId: trace.traceId, spanId: trace.spanId });
    expect(JSON.parse(lines[1]!).traceId).toBeUndefined();
  });
});
