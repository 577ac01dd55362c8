/**
 * The Data management package API: build a package zip (Manifest.xml, PackageHeader.xml, the data file),
 * GetAzureWriteUrl → upload to the blob URL → ImportFromPackage → poll GetExecutionSummaryStatus →
 * GetExecutionErrors. DMF imports are exempt from D365 service-protection limits, which is why large
 * settlement journals go this way.
 *
 * The package is what a current F&O export writes (docs/d365-simulator.md): a manifest with
 * DefaultRefreshType FullPush (DMFRefreshType has only IncrementalPush and FullPush), a package header with
 * PackageVersion 2, and the data file named after the entity in the source data format's encoding —
 * `CSV-Unicode` (the default) is UTF-16LE with a byte-order mark and CRLF line ends. Best of all, an admin
 * exports the target data project's package once (D365_DMF_PACKAGE_TEMPLATE): its Manifest.xml and
 * PackageHeader.xml are used as they are and only the data file is written.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { strFromU8, unzipSync, zipSync } from "fflate";
import { AppError, ConfigurationError, InternalError, UnavailableError } from "../platform/errors";
import type { D365Client } from "./client";

const DMF = "DataManagementDefinitionGroups/Microsoft.Dynamics.DataEntities";

export type DmfStatus = "Unknown" | "NotRun" | "Executing" | "Succeeded" | "PartiallySucceeded" | "Failed" | "Canceled";

/** Encoding of the data file: UTF-16LE (what CSV-Unicode reads) or UTF-8, each with a byte-order mark. */
export type DmfFileEncoding = "utf-16le" | "utf-8";

export interface DmfPackageFormat {
  /** The source data format written in Manifest.xml (a data source name in Data management), e.g. CSV-Unicode. */
  sourceFormat: string;
  encoding: DmfFileEncoding;
}

/** The widely verified recipe: CSV-Unicode, UTF-16LE with BOM, CRLF. */
export const DEFAULT_DMF_FORMAT: DmfPackageFormat = { sourceFormat: "CSV-Unicode", encoding: "utf-16le" };

/** The encoding a source data format reads: CSV-Unicode is UTF-16; "auto" takes UTF-8 for any other format. */
export function dmfFormat(sourceFormat: string, encoding: DmfFileEncoding | "auto" = "auto"): DmfPackageFormat {
  const unicode = sourceFormat.toLowerCase() === "csv-unicode";
  if (unicode && encoding === "utf-8") {
    throw new ConfigurationError(
      "config.dmf-encoding",
      "D365_DMF_FILE_ENCODING is utf-8 but D365_DMF_SOURCE_FORMAT is CSV-Unicode, which reads UTF-16LE only: set the encoding to auto or utf-16le.",
      { where: "D365_DMF_FILE_ENCODING" },
    );
  }
  return { sourceFormat, encoding: encoding === "auto" ? (unicode ? "utf-16le" : "utf-8") : encoding };
}

/** A data project's exported package, used as the template of every package for its entity. */
export interface DmfPackageTemplate {
  /** Where it was read from, for messages. */
  source: string;
  manifestXml: string;
  packageHeaderXml: string;
  entityName: string;
  inputFilePath: string;
  sourceFormat: string;
  /** XMLField of every entity map: the columns the data file must have. */
  mappedColumns: string[];
}

export interface DmfPackageInput {
  /** The DMF entity name (its label), e.g. "General journal", "Sales order headers V2". */
  entityName: string;
  /** The data (CSV text with CRLF line ends, as toCsv writes it), or the data file's bytes as they are. */
  data: string | Uint8Array;
  /** Columns of the data file, to write an explicit entity map (DMF stages nothing without one). */
  columns?: readonly string[];
  /** Name of the data file inside the zip; default "<entityName>.csv" (F&O names it after the entity). */
  dataFileName?: string;
  definitionGroupName?: string;
  description?: string;
  /** Source data format and encoding of the data file (default CSV-Unicode, UTF-16LE). */
  format?: DmfPackageFormat;
  /** An exported package of the target data project: its manifest and header are used as they are. */
  template?: DmfPackageTemplate;
  /** A Manifest.xml to use instead of the generated one. */
  manifestXml?: string;
  packageHeaderXml?: string;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** DMF writes its XML files as UTF-16 with a byte-order mark. */
function utf16(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(`\uFEFF${text}`, "utf16le"));
}

function encodeData(text: string, encoding: DmfFileEncoding): Uint8Array {
  return new Uint8Array(Buffer.from(`\uFEFF${text}`, encoding === "utf-16le" ? "utf16le" : "utf8"));
}

export function buildManifestXml(p: DmfPackageInput): string {
  const format = p.format ?? DEFAULT_DMF_FORMAT;
  const file = p.dataFileName ?? `${p.entityName}.csv`;
  const maps = (p.columns ?? [])
    .map(
      (c) =>
        `<EntityMap><ArrayIndex>0</ArrayIndex><EntityField>${xmlEscape(c.toUpperCase())}</EntityField><EntityFieldConversionList i:nil="true" />` +
        `<IsAutoDefault>false</IsAutoDefault><IsAutoGenerated>false</IsAutoGenerated><IsDefaultValueEqualNull>false</IsDefaultValueEqualNull>` +
        `<UseTextQualifier>false</UseTextQualifier><XMLField>${xmlEscape(c)}</XMLField></EntityMap>`,
    )
    .join("");
  return [
    '<?xml version="1.0" encoding="utf-16"?>',
    '<DataManagementPackageManifest xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement">',
    `  <DefinitionGroupName>${xmlEscape(p.definitionGroupName ?? "AmazonConnect")}</DefinitionGroupName>`,
    `  <Description>${xmlEscape(p.description ?? p.entityName)}</Description>`,
    "  <PackageEntityList>",
    "    <DataManagementPackageEntityData>",
    "      <DefaultRefreshType>FullPush</DefaultRefreshType>",
    "      <Disable>false</Disable>",
    maps ? `      <EntityMapList>${maps}</EntityMapList>` : "      <EntityMapList />",
    `      <EntityName>${xmlEscape(p.entityName)}</EntityName>`,
    "      <ExecutionUnit>1</ExecutionUnit>",
    "      <FailLevelOnError>false</FailLevelOnError>",
    `      <InputFilePath>${xmlEscape(file)}</InputFilePath>`,
    "      <LevelInExecutionUnit>1</LevelInExecutionUnit>",
    "      <RunBusinessLogic>true</RunBusinessLogic>",
    "      <RunBusinessValidation>true</RunBusinessValidation>",
    "      <SequenceInLevel>1</SequenceInLevel>",
    `      <SourceFormat>${xmlEscape(format.sourceFormat)}</SourceFormat>`,
    "    </DataManagementPackageEntityData>",
    "  </PackageEntityList>",
    "</DataManagementPackageManifest>",
  ].join("\r\n");
}

export function buildPackageHeaderXml(description: string): string {
  return [
    '<?xml version="1.0" encoding="utf-16"?>',
    '<DataManagementPackageHeader xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/dynamics/2015/01/DataManagement">',
    `  <Description>${xmlEscape(description)}</Description>`,
    "  <ManifestType>Microsoft.Dynamics.AX.Framework.Tools.DataManagement.Serialization.DataManagementPackageManifest</ManifestType>",
    "  <PackageType>DefinitionGroup</PackageType>",
    "  <PackageVersion>2</PackageVersion>",
    "</DataManagementPackageHeader>",
  ].join("\r\n");
}

function decodeXml(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return Buffer.from(bytes.subarray(2)).toString("utf16le");
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return strFromU8(bytes.subarray(3));
  return strFromU8(bytes);
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? xmlUnescape(m[1]!.trim()) : undefined;
}

/**
 * Reads an exported package (a .zip, or a folder holding its Manifest.xml and PackageHeader.xml) as the
 * template for `entityName`. It must list exactly that entity, since the app writes only its data file.
 */
export function loadDmfPackageTemplate(path: string, entityName: string): DmfPackageTemplate {
  const fail = (why: string) =>
    new ConfigurationError("config.dmf-template", `D365_DMF_PACKAGE_TEMPLATE (${path}): ${why}`, { where: "D365_DMF_PACKAGE_TEMPLATE" });
  let files: Record<string, Uint8Array>;
  try {
    if (statSync(path).isDirectory()) {
      files = {};
      for (const name of ["Manifest.xml", "PackageHeader.xml"]) files[name] = new Uint8Array(readFileSync(join(path, name)));
    } else files = unzipSync(new Uint8Array(readFileSync(path)));
  } catch (err) {
    throw fail(`cannot be read as an exported package: ${(err as Error).message}`);
  }
  const find = (n: string) => Object.entries(files).find(([k]) => k.toLowerCase() === n.toLowerCase())?.[1];
  const manifestBytes = find("Manifest.xml");
  const headerBytes = find("PackageHeader.xml");
  if (!manifestBytes || !headerBytes) throw fail("has no Manifest.xml and PackageHeader.xml");
  const manifestXml = decodeXml(manifestBytes);
  const packageHeaderXml = decodeXml(headerBytes);
  const blocks = [...manifestXml.matchAll(/<DataManagementPackageEntityData>([\s\S]*?)<\/DataManagementPackageEntityData>/g)].map(
    (m) => m[1]!,
  );
  const names = blocks.map((b) => tag(b, "EntityName") ?? "");
  const block = blocks[names.findIndex((n) => n.toLowerCase() === entityName.toLowerCase())];
  if (!block) throw fail(`its Manifest.xml lists ${names.join(", ") || "no entity"}, not ${entityName}`);
  if (blocks.length > 1) throw fail(`its Manifest.xml lists ${names.join(", ")}; export a data project with only ${entityName}`);
  const inputFilePath = tag(block, "InputFilePath") ?? "";
  const sourceFormat = tag(block, "SourceFormat") ?? "";
  if (!inputFilePath || !sourceFormat) throw fail("its Manifest.xml names no InputFilePath or SourceFormat");
  const mappedColumns = [...(tag(block, "EntityMapList") ?? "").matchAll(/<XMLField>([\s\S]*?)<\/XMLField>/g)].map((m) =>
    xmlUnescape(m[1]!.trim()),
  );
  if (mappedColumns.length === 0) throw fail("its Manifest.xml maps no field (DMF would stage nothing)");
  return { source: path, manifestXml, packageHeaderXml, entityName, inputFilePath, sourceFormat, mappedColumns };
}

/** The package zip for one entity and its data file. */
export function buildDmfPackage(p: DmfPackageInput): Uint8Array {
  const t = p.template;
  if (t) {
    if (t.entityName.toLowerCase() !== p.entityName.toLowerCase()) {
      throw new ConfigurationError("config.dmf-template", `the package template ${t.source} is for ${t.entityName}, not ${p.entityName}`, {
        where: "D365_DMF_PACKAGE_TEMPLATE",
      });
    }
    const missing = p.columns ? t.mappedColumns.filter((c) => !p.columns!.some((x) => x.toLowerCase() === c.toLowerCase())) : [];
    if (missing.length) {
      // DMF fails a package whose mapped columns are not in the file before staging ("0 records inserted").
      throw new ConfigurationError(
        "config.dmf-template",
        `the package template ${t.source} maps column(s) ${missing.join(", ")} that the app does not write for ${p.entityName} (it writes ${p.columns!.join(", ")}); remove them from the data project's mapping and export it again`,
        { where: "D365_DMF_PACKAGE_TEMPLATE" },
      );
    }
  }
  const format = t
    ? dmfFormat(t.sourceFormat, p.format?.sourceFormat === t.sourceFormat ? p.format.encoding : "auto")
    : (p.format ?? DEFAULT_DMF_FORMAT);
  const file = t?.inputFilePath ?? p.dataFileName ?? `${p.entityName}.csv`;
  const data = typeof p.data === "string" ? encodeData(p.data, format.encoding) : p.data;
  return zipSync({
    "Manifest.xml": utf16(t?.manifestXml ?? p.manifestXml ?? buildManifestXml({ ...p, format })),
    "PackageHeader.xml": utf16(t?.packageHeaderXml ?? p.packageHeaderXml ?? buildPackageHeaderXml(p.description ?? p.entityName)),
    [file]: data,
  });
}

/** How the connector writes packages (settings D365_DMF_SOURCE_FORMAT, D365_DMF_FILE_ENCODING, D365_DMF_PACKAGE_TEMPLATE). */
export interface DmfOptions {
  format?: DmfPackageFormat;
  /** An exported package (zip or folder) of the target data project, used as the template. */
  templatePath?: string;
}

export interface DmfImportResult {
  executionId: string;
  status: DmfStatus;
  errors: string[];
}

export class D365Dmf {
  private readonly templates = new Map<string, DmfPackageTemplate>();

  constructor(
    private readonly client: D365Client,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly options: DmfOptions = {},
  ) {}

  /** The package template for an entity when D365_DMF_PACKAGE_TEMPLATE is set (read once, then kept). */
  template(entityName: string): DmfPackageTemplate | undefined {
    const path = this.options.templatePath;
    if (!path) return undefined;
    let t = this.templates.get(entityName);
    if (!t) this.templates.set(entityName, (t = loadDmfPackageTemplate(path, entityName)));
    return t;
  }

  /** A writable blob URL for a package. D365 answers a JSON string holding JSON: parsed twice here. */
  async getAzureWriteUrl(uniqueFileName: string): Promise<{ blobId: string; blobUrl: string }> {
    const value = await this.client.action<string>(`${DMF}.GetAzureWriteUrl`, { uniqueFileName }, { idempotent: true });
    let parsed: { BlobId?: string; BlobUrl?: string };
    try {
      parsed = (typeof value === "string" ? JSON.parse(value) : value) as typeof parsed;
    } catch {
      throw new InternalError("d365.dmf-write-url", "GetAzureWriteUrl answered a value that is not JSON");
    }
    if (!parsed.BlobUrl) throw new InternalError("d365.dmf-write-url", "GetAzureWriteUrl answered no BlobUrl");
    return { blobId: parsed.BlobId ?? "", blobUrl: parsed.BlobUrl };
  }

  /** Azure Blob "Put Blob" with the SAS URL (no bearer token). */
  async uploadPackage(blobUrl: string, zip: Uint8Array): Promise<void> {
    await this.client.request({
      method: "PUT",
      path: blobUrl,
      entity: "blob",
      auth: false,
      body: zip,
      headers: { "x-ms-blob-type": "BlockBlob", "Content-Type": "application/zip" },
    });
  }

  /** Starts the import; returns the execution id. Not retried blindly: a repeat would import twice. */
  async importFromPackage(input: {
    packageUrl: string;
    definitionGroupId: string;
    executionId?: string;
    execute?: boolean;
    overwrite?: boolean;
    legalEntityId?: string;
  }): Promise<string> {
    return this.client.action<string>(`${DMF}.ImportFromPackage`, {
      packageUrl: input.packageUrl,
      definitionGroupId: input.definitionGroupId,
      executionId: input.executionId ?? "",
      execute: input.execute ?? true,
      // Data management API: overwrite must be false with a composite entity.
      overwrite: input.overwrite ?? true,
      legalEntityId: (input.legalEntityId ?? this.client.company).toUpperCase(),
    });
  }

  /**
   * The execution's status. Right after ImportFromPackage the import is only queued as a batch job and
   * D365 answers a 400 "... were not found" for it: that is reported as `Unknown` (still pending), not as
   * an error.
   */
  async getExecutionSummaryStatus(executionId: string): Promise<DmfStatus> {
    try {
      return await this.client.action<DmfStatus>(`${DMF}.GetExecutionSummaryStatus`, { executionId }, { idempotent: true });
    } catch (err) {
      if (err instanceof AppError && err.kind === "validation" && /\bwere not found\b|\bnot found\b/i.test(err.message)) return "Unknown";
      throw err;
    }
  }

  async getExecutionErrors(executionId: string): Promise<string[]> {
    const value = await this.client.action<unknown>(`${DMF}.GetExecutionErrors`, { executionId }, { idempotent: true });
    let list: unknown = value;
    if (typeof value === "string") {
      try {
        list = value.trim() ? JSON.parse(value) : [];
      } catch {
        list = [value];
      }
    }
    if (!Array.isArray(list)) return list ? [String(list)] : [];
    return list.map((e) =>
      typeof e === "string"
        ? e
        : typeof e === "object" && e && "message" in e
          ? String((e as { message: unknown }).message)
          : JSON.stringify(e),
    );
  }

  /** Polls until the execution leaves NotRun/Executing/Unknown (Microsoft's package importer sample polls every 5 s). */
  async waitForExecution(executionId: string, options: { pollMs?: number; timeoutMs?: number } = {}): Promise<DmfStatus> {
    const pollMs = options.pollMs ?? 5000;
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const status = await this.getExecutionSummaryStatus(executionId);
      if (status !== "NotRun" && status !== "Executing" && status !== "Unknown") return status;
      if (Date.now() > deadline) {
        throw new UnavailableError(
          "d365.dmf-timeout",
          `DMF execution ${executionId} is still ${status} after ${options.timeoutMs ?? 1_800_000} ms`,
          { details: { executionId } },
        );
      }
      await this.sleep(pollMs);
    }
  }

  /**
   * Packages, uploads and imports under an execution id the caller chose and recorded before (the package's blob
   * is named after it), without waiting. `alreadySubmitted` when D365 answers that an execution with this id
   * exists: an earlier call went through, and it is not imported a second time. Whether F&O refuses a reused
   * execution id this way is to be verified in a sandbox (docs/d365-simulator.md); the caller's verification
   * finds a second journal either way.
   */
  async submitPackage(
    input: DmfPackageInput & { definitionGroupId: string; executionId: string; legalEntityId?: string },
  ): Promise<{ executionId: string; alreadySubmitted: boolean }> {
    const zip = buildDmfPackage({
      ...input,
      definitionGroupName: input.definitionGroupName ?? input.definitionGroupId,
      format: input.format ?? this.options.format,
      template: input.template ?? this.template(input.entityName),
    });
    const { blobUrl } = await this.getAzureWriteUrl(`${input.executionId}.zip`);
    await this.uploadPackage(blobUrl, zip);
    try {
      const executionId = await this.importFromPackage({
        packageUrl: blobUrl,
        definitionGroupId: input.definitionGroupId,
        executionId: input.executionId,
        legalEntityId: input.legalEntityId,
      });
      return { executionId: executionId || input.executionId, alreadySubmitted: false };
    } catch (err) {
      if (err instanceof AppError && (err.kind === "validation" || err.kind === "conflict") && /already exists?/i.test(err.message))
        return { executionId: input.executionId, alreadySubmitted: true };
      throw err;
    }
  }

  /**
   * The whole round: package, upload, import, wait, errors. `PartiallySucceeded` needs per-record
   * reconciliation by the caller: read the target back by business key.
   */
  async importPackage(
    input: DmfPackageInput & {
      definitionGroupId: string;
      legalEntityId?: string;
      executionId?: string;
      pollMs?: number;
      timeoutMs?: number;
    },
  ): Promise<DmfImportResult> {
    const zip = buildDmfPackage({
      ...input,
      definitionGroupName: input.definitionGroupName ?? input.definitionGroupId,
      format: input.format ?? this.options.format,
      template: input.template ?? this.template(input.entityName),
    });
    const { blobUrl } = await this.getAzureWriteUrl(`${input.definitionGroupId}-${randomUUID()}.zip`);
    await this.uploadPackage(blobUrl, zip);
    const executionId = await this.importFromPackage({
      packageUrl: blobUrl,
      definitionGroupId: input.definitionGroupId,
      executionId: input.executionId,
      legalEntityId: input.legalEntityId,
    });
    const status = await this.waitForExecution(executionId, { pollMs: input.pollMs, timeoutMs: input.timeoutMs });
    const errors = status === "Succeeded" ? [] : await this.getExecutionErrors(executionId);
    return { executionId, status, errors };
  }
}
