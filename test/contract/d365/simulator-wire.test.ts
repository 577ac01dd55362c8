/**
 * The simulator speaks D365's wire format: the shapes here are D365's OData conventions (docs/d365.md) and the
 * error body of a real batch-part 500 (AxODataWriteException). The README's curl examples are the first two tests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";

let sim: D365Simulator;
let token: string;
beforeAll(async () => {
  sim = await startD365Simulator({ port: 0, pageSize: 2 });
});
afterAll(async () => sim.stop());

const auth = () => ({ Authorization: `Bearer ${token}` });

describe("D365 simulator wire format", () => {
  it("issues a client-credentials token like Entra (README: curl -X POST .../oauth2/token)", async () => {
    const res = await fetch(`${sim.url}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=local-dev&client_secret=fake-secret",
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token_type: string; expires_in: number; access_token: string };
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    token = body.access_token;
    const refused = await fetch(`${sim.url}/oauth2/token`, { method: "POST", body: "grant_type=password" });
    expect(refused.status).toBe(400);
  });

  it("answers GET /data/CustomersV3 with the bearer as an OData collection (README example)", async () => {
    const res = await fetch(`${sim.url}/data/CustomersV3?$select=CustomerAccount,SalesCurrencyCode&$filter=CustomerGroupId eq 'AMZ'`, {
      headers: auth(),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("odata-version")).toBe("4.0");
    expect(res.headers.get("content-type")).toMatch(/^application\/json; odata.metadata=minimal/);
    const body = (await res.json()) as Record<string, unknown> & { value: Record<string, unknown>[] };
    expect(body["@odata.context"]).toBe(`${sim.url}/data/$metadata#CustomersV3(CustomerAccount,SalesCurrencyCode)`);
    expect(body.value[0]).toEqual({ "@odata.etag": expect.stringMatching(/^W\/"/), CustomerAccount: "AMZ-US", SalesCurrencyCode: "USD" });
    // page size 2: the rest is behind an absolute nextLink carrying $skip
    const next = body["@odata.nextLink"] as string;
    expect(next).toMatch(new RegExp(`^${sim.url}/data/CustomersV3\\?.*%24skip=2`));
    const page2 = (await (await fetch(next, { headers: auth() })).json()) as { value: unknown[]; "@odata.nextLink"?: string };
    expect(page2.value).toHaveLength(1);
    expect(page2["@odata.nextLink"]).toBeUndefined();
  });

  it("refuses a request without a token with 401 and a Bearer challenge", async () => {
    const res = await fetch(`${sim.url}/data/CustomersV3`);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
  });

  it("shapes errors as D365 does: error.code, error.message, innererror.message/type", async () => {
    const res = await fetch(`${sim.url}/data/SalesOrderLinesV3`, {
      method: "POST",
      headers: { ...auth(), "Content-Type": "application/json" },
      body: JSON.stringify({ dataAreaId: "usmf", SalesOrderNumber: "000999", ItemNumber: "D0001" }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string; innererror: { message: string; type: string } } };
    expect(Object.keys(body)).toEqual(["error"]);
    expect(body.error).toMatchObject({ code: "", message: "An error has occurred." });
    expect(body.error.innererror.message).toMatch(/^Write failed for table row of type 'SalesOrderLineV3Entity'\. Infolog: /);
    expect(body.error.innererror.type).toBe("Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException");
  });

  it("answers POST 201 with the entity and Location, PATCH and DELETE 204", async () => {
    const created = await fetch(`${sim.url}/data/LedgerJournalHeaders?cross-company=true`, {
      method: "POST",
      headers: { ...auth(), "Content-Type": "application/json" },
      body: JSON.stringify({ dataAreaId: "usmf", JournalName: "GenJrn", Description: "wire" }),
    });
    expect(created.status).toBe(201);
    const row = (await created.json()) as { JournalBatchNumber: string; IsPosted: string };
    expect(row.IsPosted).toBe("No");
    expect(created.headers.get("location")).toContain(
      `LedgerJournalHeaders(dataAreaId='usmf',JournalBatchNumber='${row.JournalBatchNumber}')`,
    );
    const key = `(dataAreaId='usmf',JournalBatchNumber='${row.JournalBatchNumber}')`;
    const patched = await fetch(`${sim.url}/data/LedgerJournalHeaders${key}`, {
      method: "PATCH",
      headers: { ...auth(), "Content-Type": "application/json" },
      body: '{"Description":"changed"}',
    });
    expect(patched.status).toBe(204);
    const stale = await fetch(`${sim.url}/data/LedgerJournalHeaders${key}`, {
      method: "PATCH",
      headers: { ...auth(), "Content-Type": "application/json", "If-Match": 'W/"stale"' },
      body: '{"Description":"x"}',
    });
    expect(stale.status).toBe(412);
    const deleted = await fetch(`${sim.url}/data/LedgerJournalHeaders${key}`, { method: "DELETE", headers: auth() });
    expect(deleted.status).toBe(204);
    expect((await fetch(`${sim.url}/data/LedgerJournalHeaders${key}`, { headers: auth() })).status).toBe(404);
  });

  it("answers $batch with 200 multipart/mixed even when a changeset fails", async () => {
    const body = [
      "--batch_1",
      "Content-Type: multipart/mixed; boundary=changeset_1",
      "",
      "--changeset_1",
      "Content-Type: application/http",
      "Content-Transfer-Encoding: binary",
      "Content-ID: 1",
      "",
      `POST ${sim.url}/data/LedgerJournalHeaders HTTP/1.1`,
      "Content-Type: application/json",
      "",
      '{"dataAreaId":"usmf","JournalName":"NoSuchName"}',
      "--changeset_1--",
      "--batch_1--",
      "",
    ].join("\r\n");
    const res = await fetch(`${sim.url}/data/$batch`, {
      method: "POST",
      headers: { ...auth(), "Content-Type": "multipart/mixed; boundary=batch_1" },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^multipart\/mixed; boundary=batchresponse_/);
    const text = await res.text();
    expect(text).toContain("HTTP/1.1 400 Bad Request");
    expect(text).toContain("Content-ID: 1");
  });

  it("has control endpoints for faults, requests, time and reset", async () => {
    const added = await fetch(`${sim.url}/_control/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"kind":"error","status":503,"target":"ReleasedProductsV2"}',
    });
    expect(added.status).toBe(201);
    expect((await fetch(`${sim.url}/data/ReleasedProductsV2`, { headers: auth() })).status).toBe(503);
    expect((await fetch(`${sim.url}/data/ReleasedProductsV2?$top=1`, { headers: auth() })).status).toBe(200);
    const stats = (await (await fetch(`${sim.url}/_control/requests`)).json()) as { counts: Record<string, number> };
    expect(stats.counts["ReleasedProductsV2 GET"]).toBe(2);
    const t = (await (await fetch(`${sim.url}/_control/time`, { method: "POST", body: '{"now":"2030-01-01T00:00:00Z"}' })).json()) as {
      now: string;
    };
    expect(t.now.slice(0, 10)).toBe("2030-01-01");
    // the token from 2026 has expired in 2030
    expect((await fetch(`${sim.url}/data/CustomersV3`, { headers: auth() })).status).toBe(401);
    expect((await fetch(`${sim.url}/_control/reset`, { method: "POST" })).status).toBe(204);
    expect((await fetch(`${sim.url}/_control/entities/JournalNames`)).status).toBe(200);
    expect((await fetch(`${sim.url}/_control/nope`)).status).toBe(404);
  });
});
