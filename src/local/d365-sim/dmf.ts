/**
 * The Data management package API: GetAzureWriteUrl hands out a blob URL this simulator serves;
 * ImportFromPackage reads the package's PackageHeader.xml and Manifest.xml at once (a package F&O cannot
 * read is refused with a 400) and queues the import; the queued execution is not known to
 * GetExecutionSummaryStatus on the first poll (a 400 "... were not found", as F&O answers while the batch
 * job has not started), then reports Executing and finally the outcome; GetExecutionErrors lists the
 * errors. The data files are checked as F&O checks them: the file the manifest names must be in the
 * package and be named after its entity, in the declared source format's encoding (CSV-Unicode: UTF-16LE
 * with a byte-order mark) with CRLF line ends, and the columns the entity map names must be in it.
 * docs/d365-simulator.md says which of these rules are verified and which are assumed.
 */
import { randomUUID } from "node:crypto";
import { strFromU8, unzipSync } from "fflate";
import { parseCsv } from "../../d365/csv";
import { odataError, SimError } from "./errors";
import { ENTITIES, GENERAL_JOURNAL_DMF_NAME, type EntityDef } from "./schema";
import type { Row, SimStore } from "./store";
import { entity } from "./store";
import { fromText } from "./values";

export const DMF_NAMESPACE = "http://schemas.microsoft.com/dynamics/2015/01/DataManagement";
export const MANIFEST_TYPE = "Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization.DataManagementPackageManifest";
/** DMFRefreshType: the only values a manifest's DefaultRefreshType may take. */
export const DMF_REFRESH_TYPES = ["IncrementalPush", "FullPush"] as const;

/** Source data formats the simulator reads, with the encoding F&O expects of the data file. */
export const SOURCE_FORMATS: Record<string, { encoding: "utf-16le" | "utf-8"; extension: string }> = {
  "CSV-Unicode": { encoding: "utf-16le", extension: ".csv" },
  CSV: { encoding: "utf-8", extension: ".csv" },
};

export type DmfExecutionStatus = "NotRun" | "Executing" | "Succeeded" | "PartiallySucceeded" | "Failed";

interface ManifestEntity {
  entityName: string;
  inputFilePath: string;
  sourceFormat: string;
  /** XMLField (column in the data file) -> EntityField. */
  map: { xmlField: string; entityField: string }[];
  disabled: boolean;
}

interface Execution {
  id: string;
  definitionGroupId: string;
  company: string;
  readyAt: number;
  /** GetExecutionSummaryStatus has answered once (the first poll finds nothing). */
  seen: boolean;
  applied: boolean;
  status: DmfExecutionStatus;
  errors: string[];
  run: () => { ok: number; errors: string[] };
  /** Rows written to the target, for the in-process API. */
  imported: number;
}

/**
 * The General journal entity's fields (LedgerJournalEntity, DMF only) and where each goes. The first
 * group is documented by Microsoft for the entity; the ones marked assumed mirror the journal line
 * entity's fields.
 */
const GENERAL_JOURNAL_FIELDS: Record<string, { header?: string; line?: string }> = {
  JOURNALBATCHNUMBER: {},
  LINENUMBER: { line: "LineNumber" },
  JOURNALNAME: { header: "JournalName" },
  DESCRIPTION: { header: "Description" },
  POSTINGLAYER: { header: "PostingLayer" },
  ACCOUNTTYPE: { line: "AccountType" },
  ACCOUNTDISPLAYVALUE: { line: "AccountDisplayValue" },
  ACCOUNTDEFAULTDIMENSIONDISPLAYVALUE: { line: "DefaultDimensionDisplayValue" },
  FINTAGDISPLAYVALUE: { line: "FinTagDisplayValue" },
  OFFSETACCOUNTTYPE: { line: "OffsetAccountType" },
  OFFSETACCOUNTDISPLAYVALUE: { line: "OffsetAccountDisplayValue" },
  OFFSETDEFAULTDIMENSIONDISPLAYVALUE: { line: "OffsetDefaultDimensionDisplayValue" },
  OFFSETFINTAGDISPLAYVALUE: { line: "OffsetFinTagDisplayValue" },
  TRANSDATE: { line: "TransDate" },
  VOUCHER: { line: "Voucher" },
  CURRENCYCODE: { line: "CurrencyCode" },
  EXCHANGERATE: { line: "ExchRate" },
  EXCHANGERATESECONDARY: { line: "ExchRateSecond" },
  REPORTINGCURRENCYEXCHRATE: { line: "ReportingCurrencyExchRate" },
  REPORTINGCURRENCYEXCHRATESECONDARY: { line: "ReportingCurrencyExchRateSecondary" },
  DEBITAMOUNT: { line: "DebitAmount" },
  CREDITAMOUNT: { line: "CreditAmount" },
  // assumed: the journal line entity's fields
  TEXT: { line: "Text" },
  DOCUMENT: { line: "Document" },
  DOCUMENTDATE: { line: "DocumentDate" },
  DUEDATE: { line: "DueDate" },
  INVOICE: { line: "Invoice" },
  PAYMENTREFERENCE: { line: "PaymentReference" },
  DEFAULTDIMENSIONDISPLAYVALUE: { line: "DefaultDimensionDisplayValue" },
};

/** The General journal entity takes the account types by label as well as by symbol. */
const ACCOUNT_TYPE_LABELS: Record<string, string> = { Customer: "Cust", Vendor: "Vend", "Fixed assets": "FixedAssets" };

/** Column names of the General journal entity, for checks on the app side. */
export const GENERAL_JOURNAL_ENTITY_FIELDS: readonly string[] = Object.keys(GENERAL_JOURNAL_FIELDS);

export class SimDmf {
  readonly blobs = new Map<string, Buffer>();
  readonly executions = new Map<string, Execution>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: SimStore,
    private readonly now: () => number,
    private readonly processingMs: () => number,
  ) {}

  reset(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.blobs.clear();
    this.executions.clear();
  }

  action(name: string, body: Record<string, unknown>, baseUrl: string): unknown {
    switch (name) {
      case "GetAzureWriteUrl": {
        const file = String(body.uniqueFileName ?? "");
        if (!file) throw odataError(400, "The parameter 'uniqueFileName' is required.");
        const blobId = `{${randomUUID().toUpperCase()}}`;
        const blobName = encodeURIComponent(`${randomUUID()}/${file}`);
        const BlobUrl = `${baseUrl}/_blob/dmf/${blobName}?sv=2014-02-14&sr=b&sig=fake-signature&se=2099-01-01T00%3A00%3A00Z&sp=rw`;
        // D365 answers a JSON *string* that itself holds JSON: callers JSON.parse twice.
        return JSON.stringify({ BlobId: blobId, BlobUrl });
      }
      case "ImportFromPackage":
      case "ImportFromPackageAsync":
        return this.importFromPackage(body);
      case "GetExecutionSummaryStatus": {
        const ex = this.execution(body.executionId);
        if (!ex.seen && ex.status !== "NotRun") {
          // The import runs as a batch job: right after ImportFromPackage its execution has no summary yet.
          ex.seen = true;
          throw notFound(ex.id);
        }
        this.settle(ex);
        return ex.status;
      }
      case "GetExecutionErrors": {
        const ex = this.execution(body.executionId);
        this.settle(ex);
        return JSON.stringify(ex.errors.map((message) => ({ message })));
      }
      default:
        throw odataError(404, `No HTTP resource was found that matches the action 'Microsoft.Dynamics.DataEntities.${name}'.`);
    }
  }

  putBlob(name: string, data: Buffer): void {
    this.blobs.set(name, data);
  }

  private execution(id: unknown): Execution {
    const ex = this.executions.get(String(id ?? ""));
    if (!ex) throw notFound(String(id ?? ""));
    return ex;
  }

  private settle(ex: Execution): void {
    if (ex.applied || ex.status === "NotRun") return;
    if (this.now() < ex.readyAt) {
      ex.status = "Executing";
      return;
    }
    ex.applied = true;
    const { ok, errors } = ex.run();
    ex.imported = ok;
    ex.errors = errors;
    ex.status = errors.length === 0 ? "Succeeded" : ok > 0 ? "PartiallySucceeded" : "Failed";
  }

  private importFromPackage(body: Record<string, unknown>): string {
    const url = String(body.packageUrl ?? "");
    const m = /\/_blob\/dmf\/([^?]+)/.exec(url);
    const blob = m ? this.blobs.get(m[1]!) : undefined;
    if (!blob) throw odataError(400, `The package at '${url.split("?")[0]}' could not be read.`);
    const definitionGroupId = String(body.definitionGroupId ?? "");
    if (!definitionGroupId) throw odataError(400, "The parameter 'definitionGroupId' is required.");
    const legalEntity = String(body.legalEntityId ?? this.store.defaultCompany).toLowerCase();
    const id = String(body.executionId || `${definitionGroupId}-${randomUUID()}`);
    if (this.executions.has(id)) throw odataError(400, `Execution '${id}' already exists.`);
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(new Uint8Array(blob));
    } catch {
      throw odataError(400, "The package is not a valid zip file.");
    }
    checkPackageHeader(files);
    const entities = readManifest(files);
    const ex: Execution = {
      id,
      definitionGroupId,
      company: legalEntity,
      readyAt: this.now() + this.processingMs(),
      seen: false,
      applied: false,
      status: body.execute === false ? "NotRun" : "Executing",
      errors: [],
      imported: 0,
      run: () => this.runImport(files, entities, legalEntity),
    };
    this.executions.set(id, ex);
    if (ex.status === "Executing") {
      // The batch job runs whether or not anyone asks for its status (a client that died after submitting the
      // package still gets its journal), as in F&O.
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.settle(ex);
      }, this.processingMs());
      timer.unref();
      this.timers.add(timer);
    }
    return id;
  }

  private runImport(files: Record<string, Uint8Array>, entities: ManifestEntity[], company: string): { ok: number; errors: string[] } {
    let ok = 0;
    const errors: string[] = [];
    for (const e of entities) {
      if (e.disabled) continue;
      const read = readDataFile(files, e);
      if ("error" in read) {
        errors.push(read.error);
        continue;
      }
      // A manifest without a field map registers no entity: F&O stages nothing and reports no error.
      if (e.map.length === 0) continue;
      const header = read.rows.length ? Object.keys(read.rows[0]!) : read.columns;
      const missing = e.map.filter((f) => !header.some((h) => h.toLowerCase() === f.xmlField.toLowerCase()));
      if (missing.length) {
        errors.push(
          `0 records inserted in staging for '${e.entityName}': the mapped column(s) ${missing.map((f) => f.xmlField).join(", ")} are not in '${e.inputFilePath}'.`,
        );
        continue;
      }
      const rows = read.rows.map((r) => {
        const out: Record<string, string> = {};
        for (const f of e.map) {
          const col = Object.keys(r).find((h) => h.toLowerCase() === f.xmlField.toLowerCase())!;
          out[f.entityField.toUpperCase()] = r[col]!;
        }
        return out;
      });
      const result =
        e.entityName.toLowerCase() === GENERAL_JOURNAL_DMF_NAME.toLowerCase()
          ? this.importGeneralJournal(rows, company)
          : this.importEntity(e.entityName, rows, company);
      ok += result.ok;
      errors.push(...result.errors);
    }
    return { ok, errors };
  }

  private importEntity(entityName: string, rows: Record<string, string>[], company: string): { ok: number; errors: string[] } {
    const def = dmfTarget(entityName)!;
    const byUpper = new Map([...def.properties.values()].map((p) => [p.name.toUpperCase(), p]));
    let ok = 0;
    const errors: string[] = [];
    rows.forEach((r, i) => {
      try {
        const row: Row = {};
        for (const [col, v] of Object.entries(r)) {
          const p = byUpper.get(col);
          if (!p) throw new Error(`Field '${col}' does not exist in entity '${entityName}'.`);
          if (v !== "") row[p.name] = fromText(p, v);
        }
        if (def.company) row.dataAreaId ??= company;
        this.store.transaction(() => this.store.create(def.set, row));
        ok++;
      } catch (err) {
        errors.push(`Row ${i + 1}: ${innerMessage(err)}`);
      }
    });
    return { ok, errors };
  }

  /**
   * "General journal" (LedgerJournalEntity), set-based as Microsoft documents it: JOURNALBATCHNUMBER
   * groups lines; a value that is the number of an existing unposted journal of the company imports the
   * lines into that journal, any other value (a placeholder) into one new journal per value, numbered by
   * the number sequence. Journal name and description do not match journals: importing the same
   * description twice makes two journals. The VOUCHER of each line is kept as given (it is required),
   * whatever the journal name's voucher setting; a journal name with VoucherAllocationAtPosting = Yes
   * renumbers the vouchers when the journal is posted.
   */
  private importGeneralJournal(rows: Record<string, string>[], company: string): { ok: number; errors: string[] } {
    const headerDef = entity("LedgerJournalHeaders");
    const lineDef = entity("LedgerJournalLines");
    for (const col of Object.keys(rows[0] ?? {})) {
      if (!GENERAL_JOURNAL_FIELDS[col])
        return { ok: 0, errors: [`Field '${col}' does not exist in entity '${GENERAL_JOURNAL_DMF_NAME}'.`] };
    }
    const journals = new Map<string, { jbn: string; journalName: string; description: string }>();
    let ok = 0;
    const errors: string[] = [];
    rows.forEach((r, i) => {
      try {
        this.store.transaction(() => {
          for (const required of ["LINENUMBER", "TRANSDATE", "VOUCHER", "CURRENCYCODE"]) {
            if (!r[required]) throw new Error(`Field '${required}' must be filled in.`);
          }
          const placeholder = r.JOURNALBATCHNUMBER ?? "";
          let journal = journals.get(placeholder);
          if (journal && ((r.JOURNALNAME ?? "") !== journal.journalName || (r.DESCRIPTION ?? "") !== journal.description)) {
            throw new Error(`JOURNALNAME and DESCRIPTION must be the same on every line of journal batch number '${placeholder}'.`);
          }
          if (!journal) {
            const existing = placeholder
              ? this.store.find("LedgerJournalHeaders", { dataAreaId: company, JournalBatchNumber: placeholder })
              : undefined;
            if (existing && existing.IsPosted !== "Yes") {
              journal = { jbn: String(existing.JournalBatchNumber), journalName: r.JOURNALNAME ?? "", description: r.DESCRIPTION ?? "" };
            } else {
              const header: Row = { dataAreaId: company };
              for (const [col, target] of Object.entries(GENERAL_JOURNAL_FIELDS)) {
                if (target.header && r[col]) header[target.header] = fromText(headerDef.properties.get(target.header)!, r[col]);
              }
              const created = this.store.create("LedgerJournalHeaders", header);
              journal = { jbn: String(created.JournalBatchNumber), journalName: r.JOURNALNAME ?? "", description: r.DESCRIPTION ?? "" };
            }
            journals.set(placeholder, journal);
          }
          const line: Row = { dataAreaId: company, JournalBatchNumber: journal.jbn };
          for (const [col, target] of Object.entries(GENERAL_JOURNAL_FIELDS)) {
            const v = r[col];
            if (!target.line || v === undefined || v === "") continue;
            line[target.line] = fromText(
              lineDef.properties.get(target.line)!,
              v,
              target.line.endsWith("AccountType") ? ACCOUNT_TYPE_LABELS : {},
            );
          }
          this.store.create("LedgerJournalLines", line);
        });
        ok++;
      } catch (err) {
        errors.push(`Row ${i + 1}: ${innerMessage(err)}`);
      }
    });
    return { ok, errors };
  }
}

function notFound(id: string): SimError {
  return odataError(400, `The execution summary records for execution ID '${id}' were not found.`);
}

/** The OData set a DMF entity name imports into, or undefined. */
function dmfTarget(entityName: string): EntityDef | undefined {
  return ENTITIES.find((d) => d.dmfNames?.some((n) => n.toLowerCase() === entityName.toLowerCase()));
}

function knownEntity(entityName: string): boolean {
  return entityName.toLowerCase() === GENERAL_JOURNAL_DMF_NAME.toLowerCase() || dmfTarget(entityName) !== undefined;
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1]!.trim()) : undefined;
}

function unescapeXml(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

function packageError(message: string): SimError {
  return odataError(400, message);
}

function rootNamespaceOk(xml: string, root: string): boolean {
  const m = new RegExp(`<${root}\\b([^>]*)>`).exec(xml);
  return Boolean(m && new RegExp(`\\bxmlns="${DMF_NAMESPACE.replace(/[.]/g, "\\.")}"`).test(m[1]!));
}

function findFile(files: Record<string, Uint8Array>, name: string): Uint8Array | undefined {
  const key = Object.keys(files).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? files[key] : undefined;
}

/** PackageHeader.xml: DataManagementPackageHeader of a DefinitionGroup package, with a numeric PackageVersion. */
function checkPackageHeader(files: Record<string, Uint8Array>): void {
  const bytes = findFile(files, "PackageHeader.xml");
  if (!bytes) throw packageError("The package is not valid: PackageHeader.xml is missing.");
  const xml = decodeXml(bytes);
  if (!rootNamespaceOk(xml, "DataManagementPackageHeader")) {
    throw packageError(`The package is not valid: PackageHeader.xml is not a DataManagementPackageHeader in namespace ${DMF_NAMESPACE}.`);
  }
  if (tag(xml, "ManifestType") !== MANIFEST_TYPE)
    throw packageError(`The package is not valid: PackageHeader.xml ManifestType must be ${MANIFEST_TYPE}.`);
  if (tag(xml, "PackageType") !== "DefinitionGroup")
    throw packageError("The package is not valid: PackageHeader.xml PackageType must be DefinitionGroup.");
  if (!/^\d+$/.test(tag(xml, "PackageVersion") ?? ""))
    throw packageError("The package is not valid: PackageHeader.xml PackageVersion must be a number.");
}

/** Manifest.xml: each entity's name, data file, source format, field map and refresh type. */
function readManifest(files: Record<string, Uint8Array>): ManifestEntity[] {
  const bytes = findFile(files, "Manifest.xml");
  if (!bytes) throw packageError("The package is not valid: Manifest.xml is missing.");
  const xml = decodeXml(bytes);
  if (!rootNamespaceOk(xml, "DataManagementPackageManifest")) {
    throw packageError(`The package is not valid: Manifest.xml is not a DataManagementPackageManifest in namespace ${DMF_NAMESPACE}.`);
  }
  const blocks = [...xml.matchAll(/<DataManagementPackageEntityData>([\s\S]*?)<\/DataManagementPackageEntityData>/g)].map((m) => m[1]!);
  if (blocks.length === 0) throw packageError("The package is not valid: Manifest.xml lists no entity.");
  return blocks.map((b) => {
    const refresh = tag(b, "DefaultRefreshType");
    if (refresh !== undefined && !(DMF_REFRESH_TYPES as readonly string[]).includes(refresh)) {
      // The manifest is a data contract: an enum value DMFRefreshType does not have cannot be read.
      throw packageError(
        `There was an error deserializing the object of type ${MANIFEST_TYPE}. The value '${refresh}' cannot be parsed as the type 'DMFRefreshType' (members: ${DMF_REFRESH_TYPES.join(", ")}).`,
      );
    }
    const entityName = tag(b, "EntityName") ?? "";
    if (!knownEntity(entityName)) throw packageError(`Entity '${entityName}' does not exist in the target environment.`);
    const mapList = tag(b, "EntityMapList") ?? "";
    const map = [...mapList.matchAll(/<EntityMap>([\s\S]*?)<\/EntityMap>/g)].map((m) => ({
      xmlField: tag(m[1]!, "XMLField") ?? "",
      entityField: tag(m[1]!, "EntityField") ?? "",
    }));
    return {
      entityName,
      inputFilePath: tag(b, "InputFilePath") ?? "",
      sourceFormat: tag(b, "SourceFormat") ?? "",
      map: map.filter((f) => f.xmlField && f.entityField),
      disabled: /^true$/i.test(tag(b, "Disable") ?? ""),
    };
  });
}

const CRLF_ERROR = (e: ManifestEntity) =>
  `The mapping is incorrect for entity ${e.entityName} and field {${randomUUID().toUpperCase()}}: the file's records are not separated by CRLF.`;

/** The data file of one manifest entity, decoded as its source format says, or the error F&O reports. */
function readDataFile(
  files: Record<string, Uint8Array>,
  e: ManifestEntity,
): { rows: Record<string, string>[]; columns: string[] } | { error: string } {
  const data = e.inputFilePath ? findFile(files, e.inputFilePath) : undefined;
  // A schema mismatch fails before staging with "0 records inserted in staging".
  if (!data)
    return { error: `0 records inserted in staging for '${e.entityName}': data file '${e.inputFilePath}' is missing from the package.` };
  const format = SOURCE_FORMATS[e.sourceFormat];
  if (!format)
    return {
      error: `Source data format '${e.sourceFormat}' is not known to the simulator (it reads ${Object.keys(SOURCE_FORMATS).join(", ")}).`,
    };
  const dot = e.inputFilePath.lastIndexOf(".");
  const base = dot > 0 ? e.inputFilePath.slice(0, dot) : e.inputFilePath;
  const extension = dot > 0 ? e.inputFilePath.slice(dot).toLowerCase() : "";
  if (base.toLowerCase() !== e.entityName.toLowerCase() || extension !== format.extension) {
    return {
      error: `The data file '${e.inputFilePath}' does not match entity '${e.entityName}' and source format '${e.sourceFormat}' (expected '${e.entityName}${format.extension}').`,
    };
  }
  let text: string;
  const utf16 = data[0] === 0xff && data[1] === 0xfe;
  if (format.encoding === "utf-16le") {
    if (!utf16)
      return {
        error: `Selected file is not Unicode: source data format '${e.sourceFormat}' needs UTF-16LE with a byte-order mark ('${e.inputFilePath}').`,
      };
    text = Buffer.from(data.subarray(2)).toString("utf16le");
  } else {
    if (utf16) return { error: `The file '${e.inputFilePath}' is UTF-16, but source data format '${e.sourceFormat}' reads UTF-8.` };
    text = strFromU8(data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data);
  }
  if (!crlfOnly(text)) return { error: CRLF_ERROR(e) };
  const rows = parseCsv(text);
  // The header row alone (a file with no data rows still names its columns).
  const firstLine = text.split("\r\n", 1)[0] ?? "";
  const columns = firstLine ? Object.keys(parseCsv(`${firstLine}\r\nx\r\n`)[0] ?? {}) : [];
  return { rows, columns };
}

/** True when every record separator outside quotes is CRLF. */
function crlfOnly(text: string): boolean {
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "\n" && text[i - 1] !== "\r") return false;
  }
  return true;
}

function decodeXml(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return Buffer.from(bytes.subarray(2)).toString("utf16le");
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return strFromU8(bytes.subarray(3));
  return strFromU8(bytes);
}

function innerMessage(err: unknown): string {
  if (err instanceof SimError) {
    const b = err.body as { error?: { message?: string; innererror?: { message?: string } } };
    return b.error?.innererror?.message ?? b.error?.message ?? err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
