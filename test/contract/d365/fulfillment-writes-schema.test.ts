/**
 * Every field the fulfillment flow writes to D365 and every field it reads exists in F&O's metadata with the
 * type the app uses: the D365 adapter runs against a recording client, each written body is read with the
 * simulator's schema, and each `$select` is checked against the entity's properties.
 */
import { describe, expect, it } from "vitest";
import type { BatchOperation, D365Client } from "../../../src/d365/client";
import { toODataJson, type QueryOptions } from "../../../src/d365/odata";
import { ENTITY_BY_SET } from "../../../src/local/d365-sim/schema";
import { readBody } from "../../../src/local/d365-sim/values";
import { ODataFulfillment } from "../../../src/wiring/adapters/d365-fulfillment";

interface Write {
  set: string;
  mode: "create" | "update";
  body: Record<string, unknown>;
}

function recordingClient(): { client: D365Client; writes: Write[]; reads: { set: string; select: readonly string[] }[] } {
  const writes: Write[] = [];
  const reads: { set: string; select: readonly string[] }[] = [];
  const wire = (body: unknown) => JSON.parse(toODataJson(body)) as Record<string, unknown>;
  const client = {
    company: "usmf",
    async create(set: string, body: object) {
      writes.push({ set, mode: "create", body: wire(body) });
      return wire(body);
    },
    async update(set: string, _key: unknown, patch: object) {
      writes.push({ set, mode: "update", body: wire(patch) });
    },
    async batch(ops: readonly BatchOperation[]) {
      return ops.map((op, index) => {
        if (op.method === "GET") {
          reads.push({ set: op.entitySet, select: op.query?.select ?? [] });
          return { index, status: 200, ok: true, body: { value: [] } };
        }
        writes.push({ set: op.entitySet, mode: op.method === "POST" ? "create" : "update", body: wire(op.body ?? {}) });
        return { index, status: 204, ok: true };
      });
    },
    async collect(set: string, q: QueryOptions = {}) {
      reads.push({ set, select: q.select ?? [] });
      return [];
    },
    async getByKey(set: string, _key: unknown, o: { select?: readonly string[] } = {}) {
      reads.push({ set, select: o.select ?? [] });
      return undefined;
    },
  };
  return { client: client as unknown as D365Client, writes, reads };
}

function problems(writes: Write[], reads: { set: string; select: readonly string[] }[]): string[] {
  const out: string[] = [];
  for (const w of writes) {
    const def = ENTITY_BY_SET.get(w.set)!;
    for (const [field, value] of Object.entries(w.body)) {
      try {
        readBody(def, { [field]: value }, w.mode);
      } catch (err) {
        const body = (err as { body?: { error?: { message?: string; innererror?: { message?: string } } } }).body;
        out.push(`${w.set}.${field} (${w.mode}): ${body?.error?.innererror?.message ?? body?.error?.message ?? String(err)}`);
      }
    }
  }
  for (const r of reads) {
    const def = ENTITY_BY_SET.get(r.set);
    if (!def) out.push(`${r.set}: no such entity set`);
    else for (const f of r.select) if (!def.properties.has(f)) out.push(`${r.set}.${f}: not a property`);
  }
  return out;
}

describe("the fulfillment flow's D365 reads and writes fit F&O's metadata", () => {
  it("deliver-now quantities, tracking rows, the carrier and the stop on the order; every field it selects", async () => {
    const { client, writes, reads } = recordingClient();
    const d365 = new ODataFulfillment(client);
    await d365.getOrder("usmf", "MCF-00001");
    await d365.getLines("usmf", "MCF-00001");
    await d365.findOpenOrders({ company: "usmf", warehouses: ["FBA-US"], modesOfDelivery: ["MCF-STD"], processingStatuses: ["Confirmed"] });
    await d365.packingSlips("usmf", "MCF-00001");
    await d365.packingSlipsPostedSince(new Date("2026-11-01T00:00:00Z"));
    await d365.setDeliverNow("usmf", "MCF-00001", [{ lotId: "L1", quantity: 2 }]);
    await d365.addTracking("usmf", "MCF-00001", [
      { packingSlipNumber: "PS-000001", deliveryDate: "2026-11-03T12:00:00Z", trackingNumber: "1Z", trackingUrl: "https://t.example/1Z" },
    ]);
    await d365.setShippingCarrier("usmf", "MCF-00001", "UPS");
    await d365.stopProcessing("usmf", "MCF-00001");
    expect(writes.map((w) => `${w.set} ${w.mode}`)).toEqual([
      "SalesOrderLinesV3 update",
      "PackingSlipTrackingInformation create",
      "SalesOrderHeadersV4 update",
      "SalesOrderHeadersV4 update",
    ]);
    expect(new Set(reads.map((r) => r.set))).toEqual(
      new Set([
        "SalesOrderHeadersV4",
        "SalesOrderLinesV3",
        "CustPackingSlipJourBiEntities",
        "CustPackingSlipTransBiEntities",
        "PackingSlipTrackingInformation",
      ]),
    );
    expect(problems(writes, reads)).toEqual([]);
  });
});
