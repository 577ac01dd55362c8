import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { unzipSync } from "fflate";
import { toCsv } from "../../../src/d365/csv";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildDmfPackage, buildManifestXml, buildPackageHeaderXml } from "../../../src/d365/dmf";
import { startHarness, type Harness } from "./harness";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ dmfProcessingMs: 150 });
});
afterAll(async () => h.sim.stop());
beforeEach(() => h.sim.reset());

const COLUMNS = [
  "JOURNALBATCHNUMBER",
  "JOURNALNAME",
  "DESCRIPTION",
  "LINENUMBER",
  "ACCOUNTTYPE",
  "ACCOUNTDISPLAYVALUE",
  "TRANSDATE",
  "VOUCHER",
  "CURRENCYCODE",
  "DEBITAMOUNT",
  "CREDITAMOUNT",
  "TEXT",
];

function journalCsv(lines: number, badAccountAt?: number): string {
  const rows = [];
  for (let i = 1; i <= lines; i++) {
    const debit = i % 2 === 0;
    rows.push({
      JOURNALBATCHNUMBER: "AMZ-1",
      JOURNALNAME: "GenJrn",
      DESCRIPTION: "AMZ settlement 987654",
      LINENUMBER: i,
      ACCOUNTTYPE: "Ledger",
      ACCOUNTDISPLAYVALUE: i === badAccountAt ? "000001" : debit ? "110180" : "401100",
      TRANSDATE: "2026-01-31",
      VOUCHER: `AMZ-1-${Math.ceil(i / 2)}`,
      CURRENCYCODE: "USD",
      DEBITAMOUNT: debit ? "12.34" : "",
      CREDITAMOUNT: debit ? "" : "12.34",
      TEXT: `line ${i}, "quoted"`,
    });
  }
  return toCsv(COLUMNS, rows);
}

describe("DMF package import", () => {
  it("builds a package with a UTF-16 Manifest.xml, PackageHeader.xml and the data file", () => {
    const zip = buildDmfPackage({ entityName: "General journal", data: journalCsv(2), columns: COLUMNS });
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual(["General journal.csv", "Manifest.xml", "PackageHeader.xml"]);
    const manifest = files["Manifest.xml"]!;
    expect([manifest[0], manifest[1]]).toEqual([0xff, 0xfe]);
    const text = Buffer.from(manifest.subarray(2)).toString("utf16le");
    expect(text).toContain("<EntityName>General journal</EntityName>");
    expect(text).toContain("<InputFilePath>General journal.csv</InputFilePath>");
    expect(Buffer.from(files["PackageHeader.xml"]!.subarray(2)).toString("utf16le")).toContain(
      "<PackageType>DefinitionGroup</PackageType>",
    );
  });

  it("imports a general journal end to end: write URL, upload, ImportFromPackage, poll, read back", async () => {
    h.client.resetRequestCounts();
    const result = await h.client.dmf.importPackage({
      entityName: "General journal",
      data: journalCsv(40),
      columns: COLUMNS,
      definitionGroupId: "AmazonSettlement",
      pollMs: 50,
    });
    expect(result).toMatchObject({ status: "Succeeded", errors: [] });
    const counts = h.client.requestCounts();
    expect(counts["GetAzureWriteUrl POST"]).toBe(1);
    expect(counts["blob PUT"]).toBe(1);
    expect(counts["ImportFromPackage POST"]).toBe(1);
    expect(counts["GetExecutionSummaryStatus POST"]).toBeGreaterThanOrEqual(2); // it was Executing at first
    const [journal] = await h.client.ledgerJournals.findByDescription("AMZ settlement 987654");
    expect(journal).toMatchObject({ JournalTotalDebit: 246.8, JournalTotalCredit: 246.8, IsPosted: "No" });
    const lines = await h.client.ledgerJournals.listLines(journal!.JournalBatchNumber);
    expect(lines).toHaveLength(40);
    expect(lines[0]!.Text).toBe('line 1, "quoted"');
  });

  it("reports PartiallySucceeded with the Infolog of the rejected rows", async () => {
    const result = await h.client.dmf.importPackage({
      entityName: "General journal",
      data: journalCsv(4, 3),
      columns: COLUMNS,
      definitionGroupId: "AmazonSettlement",
      pollMs: 50,
    });
    expect(result.status).toBe("PartiallySucceeded");
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/Row 3: .*main account 000001 does not exist/);
  });

  it("fails before staging when the data file named in the manifest is missing", async () => {
    const broken = buildDmfPackage({
      entityName: "General journal",
      data: journalCsv(1),
      manifestXml: buildManifestXml({ entityName: "General journal", data: "", dataFileName: "missing.csv" }),
    });
    const { blobUrl } = await h.client.dmf.getAzureWriteUrl("broken.zip");
    await h.client.dmf.uploadPackage(blobUrl, broken);
    const id = await h.client.dmf.importFromPackage({ packageUrl: blobUrl, definitionGroupId: "AmazonSettlement" });
    expect(await h.client.dmf.waitForExecution(id, { pollMs: 50 })).toBe("Failed");
    expect((await h.client.dmf.getExecutionErrors(id))[0]).toMatch(/0 records inserted in staging/);
  });

  it("returns GetAzureWriteUrl as a JSON string inside the OData value (parsed twice)", async () => {
    const token = await h.client.token();
    const res = await fetch(`${h.sim.url}/data/DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities.GetAzureWriteUrl`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ uniqueFileName: "x.zip" }),
    });
    const body = (await res.json()) as { value: unknown };
    expect(typeof body.value).toBe("string");
    expect(JSON.parse(body.value as string)).toMatchObject({
      BlobId: expect.stringMatching(/^\{[0-9A-F-]+\}$/),
      BlobUrl: expect.stringContaining("/_blob/dmf/"),
    });
  });

  it("imports with the target data project's exported package as the template (D365_DMF_PACKAGE_TEMPLATE)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dmf-export-"));
    // What "Download package" of the data project gives: UTF-16 manifest and header; the app writes only the data file.
    const manifest = buildManifestXml({
      entityName: "General journal",
      data: "",
      columns: COLUMNS,
      definitionGroupName: "AmazonSettlement",
    });
    writeFileSync(join(dir, "Manifest.xml"), Buffer.from(`\uFEFF${manifest}`, "utf16le"));
    writeFileSync(join(dir, "PackageHeader.xml"), Buffer.from(`\uFEFF${buildPackageHeaderXml("AmazonSettlement")}`, "utf16le"));
    const withTemplate = await startHarness({ dmfProcessingMs: 20 }, { dmf: { templatePath: dir } });
    try {
      const result = await withTemplate.client.dmf.importPackage({
        entityName: "General journal",
        data: journalCsv(6),
        columns: COLUMNS,
        definitionGroupId: "AmazonSettlement",
        pollMs: 20,
      });
      expect(result).toMatchObject({ status: "Succeeded", errors: [] });
      expect(withTemplate.sim.rows("LedgerJournalLines")).toHaveLength(6);
      expect(withTemplate.client.dmf.template("General journal")?.source).toBe(dir);
    } finally {
      await withTemplate.sim.stop();
    }
  });
});
