import { describe, expect, it } from "vitest";
import { MemoryTelemetry, StructuredTelemetry, redact } from "../../../src/platform/telemetry";

// Obviously fake values shaped like the real ones.
const REFRESH_TOKEN = "Atzr|IwEBIFakeFakeFakeRefreshToken-abc_123|xyz";
const ACCESS_TOKEN = "Atza|IwEBIFakeAccessToken_999-zzz";
// Obviously fake: the shape of an LWA client secret (real ones carry 64 hex digits), not a credential.
const LWA_SECRET = `amzn1.oa2-cs.v1.${"deadbeef".repeat(8)}`;
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJmYWtlLXVzZXIifQ.ZmFrZS1zaWduYXR1cmUtZmFrZQ";
const PII = ["Jane Q. Buyer", "jane.buyer@example.com", "+1 206 555 0100", "1 Fake Street", "Springfield", "98101-1234", "Apt 7b"];

function lines(fn: (t: StructuredTelemetry) => void): string {
  const out: string[] = [];
  fn(new StructuredTelemetry((_level, line) => out.push(line)));
  return out.join("\n");
}

describe("redact keeps secrets and buyer PII out of logs", () => {
  it("masks token-shaped strings anywhere in text", () => {
    const text = redact(`refresh ${REFRESH_TOKEN} access ${ACCESS_TOKEN} lwa ${LWA_SECRET} jwt ${JWT}`) as string;
    for (const secret of [REFRESH_TOKEN, ACCESS_TOKEN, LWA_SECRET, JWT]) expect(text).not.toContain(secret);
    expect(text).toContain("[redacted]");
  });

  it("masks values of keys that name secrets, whatever their spelling", () => {
    const out = redact({
      refresh_token: "plain-value-1",
      clientSecret: "plain-value-2",
      "x-api-key": "plain-value-3",
      Authorization: "Basic plain-value-4",
      password: "plain-value-5",
      STORAGE_CONNECTION_STRING: "plain-value-6",
      "x-amz-access-token": "plain-value-7",
      AccountKey: "plain-value-8",
      nested: { deeper: [{ apiKey: "plain-value-9" }] },
    });
    const json = JSON.stringify(out);
    for (let i = 1; i <= 9; i++) expect(json).not.toContain(`plain-value-${i}`);
  });

  it("masks secrets inside connection strings, bearer headers and OAuth bodies", () => {
    const text = redact(
      "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=fakeKEY123/abc=; " +
        "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=ZmFrZS1hY2NvdW50LWtleQ==; " +
        "Authorization: Bearer abc.def-ghi_jkl; grant_type=refresh_token&refresh_token=fakeRefresh42&client_secret=fakeClient42 " +
        "https://acct.blob.core.windows.net/c/b?sv=2024&sig=fakeSig%2Bvalue",
    ) as string;
    for (const secret of ["fakeKEY123", "ZmFrZS1hY2NvdW50LWtleQ", "abc.def-ghi_jkl", "fakeRefresh42", "fakeClient42", "fakeSig"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("AccountName=acct"); // the non-secret parts stay readable
  });

  it("removes buyer names, addresses, e-mails and phone numbers from Amazon order shapes", () => {
    const order = {
      AmazonOrderId: "111-2223333-4444444",
      BuyerInfo: { BuyerEmail: PII[1], BuyerName: PII[0] },
      ShippingAddress: {
        Name: PII[0],
        AddressLine1: PII[3],
        AddressLine2: PII[6],
        City: PII[4],
        PostalCode: PII[5],
        Phone: PII[2],
        CountryCode: "US",
      },
      BuyerEmail: PII[1],
    };
    const json = JSON.stringify(redact(order));
    for (const p of PII) expect(json).not.toContain(p);
    expect(json).toContain("111-2223333-4444444"); // business keys survive
    expect(json).toContain('"ShippingAddress":"[pii]"'); // the whole address goes, country included
  });

  it("removes PII from flat-file report rows and D365 delivery addresses", () => {
    const reportRow = {
      "amazon-order-id": "111-2223333-4444444",
      "buyer-name": PII[0],
      "buyer-email": PII[1],
      "buyer-phone-number": PII[2],
      "recipient-name": PII[0],
      "ship-address-1": PII[3],
      "ship-city": PII[4],
      "ship-postal-code": PII[5],
      sku: "SKU-1",
    };
    const d365 = {
      SalesOrderNumber: "SO-001",
      DeliveryAddressName: PII[0],
      DeliveryAddressStreet: PII[3],
      DeliveryAddressCity: PII[4],
      DeliveryAddressZipCode: PII[5],
      Email: PII[1],
    };
    const json = JSON.stringify(redact({ reportRow, d365 }));
    for (const p of PII) expect(json).not.toContain(p);
    expect(json).toContain("SKU-1");
    expect(json).toContain("SO-001");
  });

  it("masks e-mail addresses in free text such as error messages", () => {
    const text = redact(`D365 rejected the order: invalid e-mail ${PII[1]} for customer`) as string;
    expect(text).not.toContain(PII[1]);
    expect(text).toContain("[email]");
  });

  it("does not leak through StructuredTelemetry logs, events, metrics or errors", () => {
    const out = lines((t) => {
      t.log("info", `token ${REFRESH_TOKEN}`, { buyerEmail: PII[1], order: { ShippingAddress: { Name: PII[0] } } });
      t.event("order.imported", { refreshToken: REFRESH_TOKEN, Phone: PII[2] });
      t.metric("spapi.calls", 1, { authorization: `Bearer ${ACCESS_TOKEN}` });
      t.child({ client_secret: LWA_SECRET }).log("error", "failed", { error: new Error(`LWA said no to ${LWA_SECRET} for ${PII[1]}`) });
    });
    for (const s of [REFRESH_TOKEN, ACCESS_TOKEN, LWA_SECRET, ...PII]) expect(out).not.toContain(s);
    expect(out).toContain("order.imported");
  });

  it("records redacted properties in MemoryTelemetry as well", () => {
    const t = new MemoryTelemetry();
    t.event("message.parked", { queue: "order-import", buyerName: PII[0] });
    expect(JSON.stringify(t.entries)).not.toContain(PII[0]);
    expect(t.events("message.parked")).toHaveLength(1);
  });

  it("summarises raw bytes instead of dumping them", () => {
    expect(redact({ body: Buffer.from("Jane Q. Buyer") })).toEqual({ body: "[13 bytes]" });
  });
});
