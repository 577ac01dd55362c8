import { describe, expect, it } from "vitest";
import { buildBatchRequestBody, buildBatchResponseBody, parseBatchRequestBody, parseBatchResponseBody } from "../../../src/d365/multipart";

describe("$batch multipart wire format", () => {
  it("round-trips a request with a changeset and a single GET", () => {
    const { contentType, body } = buildBatchRequestBody([
      {
        kind: "changeset",
        requests: [
          {
            method: "POST",
            url: "https://env/data/SalesOrderLinesV3",
            headers: { "Content-Type": "application/json" },
            body: '{"a":1}',
            contentId: "1",
          },
          {
            method: "PATCH",
            url: "https://env/data/SalesOrderHeadersV4(dataAreaId='usmf',SalesOrderNumber='1')",
            headers: {},
            body: '{"b":2}',
            contentId: "2",
          },
        ],
      },
      { kind: "single", request: { method: "GET", url: "https://env/data/CustomersV3?$top=1", headers: {} } },
    ]);
    expect(contentType).toMatch(/^multipart\/mixed; boundary=batch_/);
    expect(body).toContain("Content-Transfer-Encoding: binary");
    expect(body).toContain("POST https://env/data/SalesOrderLinesV3 HTTP/1.1");
    const groups = parseBatchRequestBody(contentType, body);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatchObject({
      kind: "changeset",
      requests: [
        { method: "POST", body: '{"a":1}', contentId: "1" },
        { method: "PATCH", contentId: "2" },
      ],
    });
    expect(groups[1]).toMatchObject({ kind: "single", request: { method: "GET", url: "https://env/data/CustomersV3?$top=1" } });
  });

  it("parses a response where a failed changeset is one error part", () => {
    const { contentType, body } = buildBatchResponseBody([
      { kind: "changeset", responses: [{ status: 201, headers: { "Content-Type": "application/json" }, body: '{"x":1}', contentId: "1" }] },
      {
        kind: "single",
        response: { status: 400, headers: { "Content-Type": "application/json" }, body: '{"error":{"message":"bad"}}', contentId: "3" },
      },
    ]);
    const parsed = parseBatchResponseBody(contentType, body);
    expect(parsed[0]).toMatchObject({ kind: "changeset", responses: [{ status: 201, body: '{"x":1}', contentId: "1" }] });
    expect(parsed[1]).toMatchObject({ kind: "single", response: { status: 400, contentId: "3" } });
    expect(JSON.parse((parsed[1] as { response: { body: string } }).response.body)).toEqual({ error: { message: "bad" } });
  });

  it("reads LF-only bodies and quoted boundaries as some servers send them", () => {
    const text = "--b1\nContent-Type: application/http\n\nHTTP/1.1 204 No Content\n\n\n--b1--\n";
    const parsed = parseBatchResponseBody('multipart/mixed; boundary="b1"', text);
    expect(parsed).toEqual([
      { kind: "single", response: { status: 204, statusText: "No Content", headers: {}, body: "", contentId: undefined } },
    ]);
  });
});
