import { describe, expect, it } from "vitest";
import { toAppError } from "../../../src/d365/errors";

// The body of a real D365 batch-part 500 (AxODataWriteException), with its Infolog in innererror.message.
const writeFailed500 = {
  error: {
    code: "",
    message: "An error has occurred.",
    innererror: {
      message:
        "Write failed for table row of type 'CustCustomerGroupEntity'. Infolog: Info: Cannot create a record in Customer groups (CustGroup). Customer group: 10. The record already exists..",
      type: "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException",
      stacktrace: "",
    },
  },
};

describe("D365 errors become typed app errors", () => {
  it("treats a write exception 500 as a rejection, not an outage, and keeps the Infolog", () => {
    const e = toAppError(500, "POST", "CustomerGroups", JSON.stringify(writeFailed500));
    expect(e).toMatchObject({ kind: "conflict", code: "d365.duplicate", retryable: false });
    expect(e.message).toContain("The record already exists");
    expect(e.details?.d365).toMatchObject({ status: 500, infolog: expect.stringMatching(/^Info: Cannot create a record/) });
  });

  it("carries the innererror of the reference sample", () => {
    const sample = {
      error: {
        code: "0022",
        message: "An error has occurred.",
        innererror: { message: "Infolog: Warning: The sales order header entity does not support updates" },
      },
    };
    const e = toAppError(400, "PATCH", "SalesOrderHeadersV4", JSON.stringify(sample));
    expect(e).toMatchObject({ kind: "validation", retryable: false });
    expect(e.message).toContain("does not support updates");
  });

  it("treats a bare 500/502/504 as unavailable (retry helps)", () => {
    for (const s of [500, 502, 504])
      expect(toAppError(s, "GET", "CustomersV3", "<html>gateway</html>")).toMatchObject({ kind: "unavailable", retryable: true });
  });

  it("treats a deadlock inside a write as transient", () => {
    const body = {
      error: {
        message: "An error has occurred.",
        innererror: {
          message:
            "Write failed for table row of type 'LedgerJournalLineEntity'. Infolog: Error: The transaction has been aborted due to a deadlock. Try again.",
          type: "Microsoft.Dynamics.Platform.Integration.Services.OData.AxODataWriteException",
        },
      },
    };
    expect(toAppError(500, "POST", "LedgerJournalLines", body)).toMatchObject({ kind: "unavailable", retryable: true });
  });

  it("names the field D365 names", () => {
    const body = {
      error: {
        message: "An error has occurred.",
        innererror: {
          message:
            "Write failed for table row of type 'SalesOrderLineV3Entity'. Infolog: Warning: Inventory dimension Site is mandatory and must consequently be specified.",
        },
      },
    };
    expect(toAppError(400, "POST", "SalesOrderLinesV3", body).where).toBe("Site");
  });

  it("maps 401, 403, 404, 412 and 429", () => {
    expect(toAppError(401, "GET", "X", "")).toMatchObject({ kind: "unauthorized" });
    expect(toAppError(403, "GET", "X", "")).toMatchObject({ kind: "unauthorized", code: "d365.forbidden" });
    expect(toAppError(404, "GET", "X", "")).toMatchObject({ kind: "not-found" });
    expect(toAppError(412, "PATCH", "X", "")).toMatchObject({ kind: "concurrency", retryable: true });
    expect(toAppError(429, "GET", "X", "", 5000)).toMatchObject({ kind: "throttled", retryAfterMs: 5000 });
  });
});
