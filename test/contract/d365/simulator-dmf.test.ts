/**
 * The simulator's Data management package API checks packages as F&O does: PackageHeader.xml and
 * Manifest.xml are read at ImportFromPackage (DefaultRefreshType must be a DMFRefreshType member), the import
 * is queued (the first status poll finds no execution), the data file must be the one the manifest names,
 * named after its entity, in the source format's encoding with CRLF line ends, and the General journal entity
 * groups lines by JOURNALBATCHNUMBER only (never by journal name and description).
 */
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toCsv } from "../../../src/d365/csv";
import { buildDmfPackage, buildManifestXml, buildPackageHeaderXml, type DmfPackageInput } from "../../../src/d365/dmf";
import { startD365Simulator, type D365Simulator } from "../../../src/local/d365-sim";
import { tokenFor, wire } from "./wire";

let sim: D365Simulator;
let d: ReturnType<typeof wire>;
beforeAll(async () => {
  sim = await startD365Simulator({ port: 0, seed: 5, dmfProcessingMs: 0 });
});
afterAll(async () => sim.stop());
beforeEach(async () => {
  sim.reset();
  d = wire(sim, await tokenFor(sim));
});

const ACTION = "DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities";
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
];

function csv(opts: { jbn?: string; journalName?: string; description?: string; voucher?: string } = {}): string {
  const row = (n: number, account: string, debit: string, credit: string) => ({
    JOURNALBATCHNUMBER: opts.jbn ?? "PLACEHOLDER1",
    JOURNALNAME: opts.journalName ?? "GenJrn",
    DESCRIPTION: opts.description ?? "AMZ settlement 42",
    LINENUMBER: n,
    ACCOUNTTYPE: "Ledger",
    ACCOUNTDISPLAYVALUE: account,
    TRANSDATE: "2026-01-31",
    VOUCHER: opts.voucher ?? "AMZ-42-1",
    CURRENCYCODE: "USD",
    DEBITAMOUNT: debit,
    CREDITAMOUNT: credit,
  });
  return toCsv(COLUMNS, [row(1, "401100", "", "10.00"), row(2, "110180", "10.00", "")]);
}

function pkg(overrides: Partial<DmfPackageInput> = {}): Uint8Array {
  return buildDmfPackage({
    entityName: "General journal",
    data: csv(),
    columns: COLUMNS,
    definitionGroupName: "AmazonSettlement",
    ...overrides,
  });
}

async function upload(zip: Uint8Array): Promise<string> {
  const w = await d.post(`${ACTION}.GetAzureWriteUrl`, { uniqueFileName: "test.zip" });
  const url = JSON.parse(String(w.json.value)).BlobUrl as string;
  await fetch(url, { method: "PUT", headers: { "x-ms-blob-type": "BlockBlob" }, body: zip });
  return url;
}

async function importZip(zip: Uint8Array) {
  const packageUrl = await upload(zip);
  return d.post(`${ACTION}.ImportFromPackage`, {
    packageUrl,
    definitionGroupId: "AmazonSettlement",
    executionId: "",
    execute: true,
    overwrite: true,
    legalEntityId: "USMF",
  });
}

async function status(executionId: string) {
  return d.post(`${ACTION}.GetExecutionSummaryStatus`, { executionId });
}

/** Imports a package and polls past the first "not found" to the outcome. */
async function run(zip: Uint8Array): Promise<{ status: string; errors: string[] }> {
  const started = await importZip(zip);
  expect(started.status, started.message).toBe(200);
  const id = String(started.json.value);
  let s = await status(id);
  while (s.status === 400 || String(s.json.value) === "Executing") s = await status(id);
  const errors = JSON.parse(String((await d.post(`${ACTION}.GetExecutionErrors`, { executionId: id })).json.value)) as {
    message: string;
  }[];
  return { status: String(s.json.value), errors: errors.map((e) => e.message) };
}

describe("ImportFromPackage reads the package header and manifest", () => {
  it("refuses DefaultRefreshType Full: DMFRefreshType has only IncrementalPush and FullPush", async () => {
    const full = buildManifestXml({ entityName: "General journal", data: "", columns: COLUMNS }).replace("FullPush", "Full");
    const r = await importZip(pkg({ manifestXml: full }));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/The value 'Full' cannot be parsed as the type 'DMFRefreshType' \(members: IncrementalPush, FullPush\)/);
    const incremental = buildManifestXml({ entityName: "General journal", data: "", columns: COLUMNS }).replace(
      "FullPush",
      "IncrementalPush",
    );
    expect((await importZip(pkg({ manifestXml: incremental }))).status).toBe(200);
  });

  it("refuses a package without PackageHeader.xml, or with a header outside the DataManagement namespace", async () => {
    const noHeader = zipSync({
      "Manifest.xml": strToU8(buildManifestXml({ entityName: "General journal", data: "", columns: COLUMNS })),
      "General journal.csv": strToU8(csv()),
    });
    expect((await importZip(noHeader)).message).toMatch(/PackageHeader\.xml is missing/);
    const wrongNs = buildPackageHeaderXml("x").replace("http://schemas.microsoft.com/dynamics/2015/01/DataManagement", "urn:other");
    expect((await importZip(pkg({ packageHeaderXml: wrongNs }))).message).toMatch(/not a DataManagementPackageHeader/);
  });

  it("refuses an entity name the environment does not have (the OData type name is not the DMF entity name)", async () => {
    const r = await importZip(pkg({ entityName: "LedgerJournalLine", dataFileName: "LedgerJournalLine.csv" }));
    expect(r.status).toBe(400);
    expect(r.message).toMatch(/Entity 'LedgerJournalLine' does not exist in the target environment/);
  });

  it("queues the import: the first status poll finds no execution, later ones report it", async () => {
    const started = await importZip(pkg());
    const id = String(started.json.value);
    const first = await status(id);
    expect(first.status).toBe(400);
    expect(first.message).toMatch(/were not found/);
    const second = await status(id);
    expect(second.status).toBe(200);
    expect(["Executing", "Succeeded"]).toContain(second.json.value);
  });
});

describe("the data file is checked as the manifest declares it", () => {
  it("imports a CSV-Unicode file: UTF-16LE with BOM, CRLF, named after the entity", async () => {
    expect(await run(pkg())).toEqual({ status: "Succeeded", errors: [] });
    expect(sim.rows("LedgerJournalLines")).toHaveLength(2);
  });

  it("fails a data file that is not named after its entity", async () => {
    const r = await run(pkg({ dataFileName: "journal.csv" }));
    expect(r.status).toBe("Failed");
    expect(r.errors[0]).toMatch(/'journal\.csv' does not match entity 'General journal'/);
  });

  it("fails a UTF-8 file declared CSV-Unicode", async () => {
    const r = await run(pkg({ data: strToU8(`\uFEFF${csv()}`) }));
    expect(r.status).toBe("Failed");
    expect(r.errors[0]).toMatch(/Selected file is not Unicode/);
  });

  it("reads a UTF-8 file declared CSV", async () => {
    expect((await run(pkg({ format: { sourceFormat: "CSV", encoding: "utf-8" } }))).status).toBe("Succeeded");
  });

  it("fails a file whose lines end with LF only", async () => {
    const r = await run(pkg({ data: csv().replace(/\r\n/g, "\n") }));
    expect(r.status).toBe("Failed");
    expect(r.errors[0]).toMatch(/The mapping is incorrect for entity General journal and field \{[0-9A-F-]+\}/);
  });

  it("stages nothing, without an error, when the manifest maps no field", async () => {
    expect(await run(pkg({ columns: undefined }))).toEqual({ status: "Succeeded", errors: [] });
    expect(sim.rows("LedgerJournalHeaders")).toHaveLength(0);
  });
});

describe("General journal: journals are matched by JOURNALBATCHNUMBER only", () => {
  it("imports the same journal name and description twice as two journals (never merged)", async () => {
    await run(pkg());
    await run(pkg());
    const journals = sim.rows("LedgerJournalHeaders").filter((h) => h.Description === "AMZ settlement 42");
    expect(journals).toHaveLength(2);
    expect(journals[0]!.JournalBatchNumber).not.toBe(journals[1]!.JournalBatchNumber);
  });

  it("imports into an existing unposted journal whose number is the JOURNALBATCHNUMBER; a posted one gets a new journal", async () => {
    const existing = sim.create("LedgerJournalHeaders", { dataAreaId: "usmf", JournalName: "GenJrn", Description: "open" });
    const jbn = String(existing.JournalBatchNumber);
    await run(pkg({ data: csv({ jbn }) }));
    expect(sim.rows("LedgerJournalLines").filter((l) => l.JournalBatchNumber === jbn)).toHaveLength(2);
    sim.postJournal(jbn);
    sim.reset();
    const again = sim.create("LedgerJournalHeaders", { dataAreaId: "usmf", JournalName: "GenJrn", Description: "posted" });
    const lines = [
      { LineNumber: 1, AccountDisplayValue: "401100", CreditAmount: 1, Voucher: "V" },
      { LineNumber: 2, AccountDisplayValue: "110180", DebitAmount: 1, Voucher: "V" },
    ];
    for (const l of lines)
      sim.create("LedgerJournalLines", {
        dataAreaId: "usmf",
        JournalBatchNumber: again.JournalBatchNumber,
        CurrencyCode: "USD",
        TransDate: "2026-01-31T12:00:00Z",
        ...l,
      });
    sim.postJournal(String(again.JournalBatchNumber));
    await run(pkg({ data: csv({ jbn: String(again.JournalBatchNumber) }) }));
    expect(sim.rows("LedgerJournalHeaders")).toHaveLength(2);
  });

  it("keeps each line's VOUCHER as given, whatever the journal name's voucher setting, and requires it", async () => {
    await run(pkg({ data: csv({ journalName: "GenJrnMan", voucher: "AMZ-42-7" }) }));
    expect(sim.rows("LedgerJournalLines").map((l) => l.Voucher)).toEqual(["AMZ-42-7", "AMZ-42-7"]);
    const r = await run(pkg({ data: csv({ voucher: "" }) }));
    expect(r.status).toBe("Failed");
    expect(r.errors[0]).toMatch(/Field 'VOUCHER' must be filled in/);
  });
});
