import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unzipSync, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { toCsv } from "../../../src/d365/csv";
import { buildDmfPackage, DEFAULT_DMF_FORMAT, dmfFormat, loadDmfPackageTemplate } from "../../../src/d365/dmf";
import { loadConfig } from "../../../src/platform/config";

const COLUMNS = ["JOURNALNAME", "LINENUMBER", "ACCOUNTDISPLAYVALUE", "TRANSDATE", "VOUCHER", "CURRENCYCODE", "CREDITAMOUNT", "TEXT"];
const data = toCsv(COLUMNS, [
  {
    JOURNALNAME: "GenJrn",
    LINENUMBER: 1,
    ACCOUNTDISPLAYVALUE: "401100",
    TRANSDATE: "2026-01-31",
    VOUCHER: "V",
    CURRENCYCODE: "EUR",
    CREDITAMOUNT: "1.00",
    TEXT: "Müller",
  },
]);

const utf16 = (b: Uint8Array) => Buffer.from(b.subarray(2)).toString("utf16le");

/** A data project export as F&O writes it: UTF-16 XML, the entity map, the data file named after the entity. */
function exportedManifest(entity = "General journal", columns = COLUMNS): string {
  const maps = columns
    .map(
      (c) =>
        `<EntityMap><ArrayIndex>0</ArrayIndex><EntityField>${c}</EntityField><IsAutoDefault>false</IsAutoDefault><XMLField>${c}</XMLField></EntityMap>`,
    )
    .join("");
  return `<?xml version="1.0" encoding="utf-16"?><DataManagementPackageManifest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement"><DefinitionGroupName>Amazon settlement journal</DefinitionGroupName><Description>exported</Description><PackageEntityList><DataManagementPackageEntityData><DefaultRefreshType>FullPush</DefaultRefreshType><Disable>false</Disable><EntityMapList>${maps}</EntityMapList><EntityName>${entity}</EntityName><ExecutionUnit>1</ExecutionUnit><InputFilePath>${entity}.csv</InputFilePath><LevelInExecutionUnit>1</LevelInExecutionUnit><SequenceInLevel>1</SequenceInLevel><SourceFormat>CSV-Unicode</SourceFormat></DataManagementPackageEntityData></PackageEntityList></DataManagementPackageManifest>`;
}
const exportedHeader =
  '<?xml version="1.0" encoding="utf-16"?><DataManagementPackageHeader xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement"><Description>exported</Description><ManifestType>Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization.DataManagementPackageManifest</ManifestType><PackageType>DefinitionGroup</PackageType><PackageVersion>2</PackageVersion></DataManagementPackageHeader>';

function templateFolder(manifest = exportedManifest()): string {
  const dir = join(mkdtempSync(join(tmpdir(), "dmf-template-")), "General journal");
  mkdirSync(dir);
  writeFileSync(join(dir, "Manifest.xml"), Buffer.from(`\uFEFF${manifest}`, "utf16le"));
  writeFileSync(join(dir, "PackageHeader.xml"), Buffer.from(`\uFEFF${exportedHeader}`, "utf16le"));
  return dir;
}

describe("DMF package as current F&O packages are written", () => {
  it("writes DefaultRefreshType FullPush, PackageVersion 2, SourceFormat CSV-Unicode and a UTF-16LE data file with BOM and CRLF", () => {
    const files = unzipSync(buildDmfPackage({ entityName: "General journal", data, columns: COLUMNS }));
    const manifest = utf16(files["Manifest.xml"]!);
    expect(manifest).toContain("<DefaultRefreshType>FullPush</DefaultRefreshType>");
    expect(manifest).not.toMatch(/<DefaultRefreshType>Full</);
    expect(manifest).toContain("<SourceFormat>CSV-Unicode</SourceFormat>");
    expect(manifest).toContain("<EntityField>CREDITAMOUNT</EntityField>");
    expect(utf16(files["PackageHeader.xml"]!)).toContain("<PackageVersion>2</PackageVersion>");
    const file = files["General journal.csv"]!;
    expect([file[0], file[1]]).toEqual([0xff, 0xfe]);
    const text = utf16(file);
    expect(text).toBe(data);
    expect(text).toContain("Müller");
    expect(text.split("\r\n")).toHaveLength(3);
    expect(DEFAULT_DMF_FORMAT).toEqual({ sourceFormat: "CSV-Unicode", encoding: "utf-16le" });
  });

  it("writes UTF-8 with a BOM for another source format, when the settings say so", () => {
    const format = dmfFormat("CSV", "auto");
    expect(format).toEqual({ sourceFormat: "CSV", encoding: "utf-8" });
    const files = unzipSync(buildDmfPackage({ entityName: "General journal", data, columns: COLUMNS, format }));
    const file = files["General journal.csv"]!;
    expect([file[0], file[1], file[2]]).toEqual([0xef, 0xbb, 0xbf]);
    expect(utf16(files["Manifest.xml"]!)).toContain("<SourceFormat>CSV</SourceFormat>");
  });

  it("refuses CSV-Unicode with a UTF-8 file, naming the setting", () => {
    expect(() => dmfFormat("CSV-Unicode", "utf-8")).toThrow(
      expect.objectContaining({ kind: "configuration", where: "D365_DMF_FILE_ENCODING" }),
    );
  });

  it("has the settings with their defaults", () => {
    const c = loadConfig({});
    expect([c.D365_DMF_SOURCE_FORMAT, c.D365_DMF_FILE_ENCODING, c.D365_DMF_PACKAGE_TEMPLATE]).toEqual(["CSV-Unicode", "auto", undefined]);
    expect(() => loadConfig({ D365_DMF_FILE_ENCODING: "latin1" })).toThrow(/D365_DMF_FILE_ENCODING/);
  });
});

describe("the target data project's exported package as the template", () => {
  it("uses the exported Manifest.xml and PackageHeader.xml as they are and writes only the data file", () => {
    const template = loadDmfPackageTemplate(templateFolder(), "General journal");
    const files = unzipSync(buildDmfPackage({ entityName: "General journal", data, columns: COLUMNS, template }));
    expect(utf16(files["Manifest.xml"]!)).toBe(exportedManifest());
    expect(utf16(files["PackageHeader.xml"]!)).toBe(exportedHeader);
    expect(utf16(files["General journal.csv"]!)).toBe(data);
  });

  it("reads the template from the exported zip too", () => {
    const dir = mkdtempSync(join(tmpdir(), "dmf-zip-"));
    const zipPath = join(dir, "General journal.zip");
    writeFileSync(
      zipPath,
      zipSync({
        "Manifest.xml": new Uint8Array(Buffer.from(`\uFEFF${exportedManifest()}`, "utf16le")),
        "PackageHeader.xml": new Uint8Array(Buffer.from(`\uFEFF${exportedHeader}`, "utf16le")),
        "General journal.csv": new Uint8Array(),
      }),
    );
    expect(loadDmfPackageTemplate(zipPath, "General journal")).toMatchObject({
      inputFilePath: "General journal.csv",
      sourceFormat: "CSV-Unicode",
    });
  });

  it("refuses a template for another entity, one that maps columns the app does not write, and an unreadable path", () => {
    expect(() => loadDmfPackageTemplate(templateFolder(exportedManifest("Customers V3")), "General journal")).toThrow(
      /lists Customers V3, not General journal/,
    );
    const extra = loadDmfPackageTemplate(
      templateFolder(exportedManifest("General journal", [...COLUMNS, "POSTINGLAYER"])),
      "General journal",
    );
    expect(() => buildDmfPackage({ entityName: "General journal", data, columns: COLUMNS, template: extra })).toThrow(
      expect.objectContaining({ where: "D365_DMF_PACKAGE_TEMPLATE", message: expect.stringMatching(/maps column\(s\) POSTINGLAYER/) }),
    );
    expect(() => loadDmfPackageTemplate("/no/such/export.zip", "General journal")).toThrow(
      /D365_DMF_PACKAGE_TEMPLATE \(\/no\/such\/export\.zip\)/,
    );
  });
});
