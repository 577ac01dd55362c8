/**
 * The Data management package API (notes §5): GetAzureWriteUrl hands out a blob URL this simulator serves,
 * ImportFromPackage unzips the package, reads Manifest.xml and the data file and imports the rows
 * asynchronously; GetExecutionSummaryStatus / GetExecutionErrors report on it.
 */
import { randomUUID } from "node:crypto";
import { unzipSync, strFromU8 } from "fflate";
import { parseCsv } from "../../d365/csv";
import { odataError, SimError } from "./errors";
import { ENTITIES, GENERAL_JOURNAL_DMF_NAME } from "./schema";
import type { Row, SimStore } from "./store";

interface Execution {
  id: string;
  readyAt: number;
  applied: boolean;
  status: "NotRun" | "Executing" | "Succeeded" | "PartiallySucceeded" | "Failed";
  errors: string[];
  run: () => { ok: number; errors: string[] };
  /** Rows written to the target, for the in-process API. */
  imported: number;
}

export class SimDmf {
  readonly blobs = new Map<string, Buffer>();
  readonly executions = new Map<string, Execution>();

  constructor(
    private readonly store: SimStore,
    private readonly now: () => number,
    private readonly processingMs: () => number,
  ) {}

  reset(): void {
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
        // D365 answers a JSON *string* that itself holds JSON (notes §5): callers JSON.parse twice.
        return JSON.stringify({ BlobId: blobId, BlobUrl });
      }
      case "ImportFromPackage":
      case "ImportFromPackageAsync":
        return this.importFromPackage(body);
      case "GetExecutionSummaryStatus": {
        const ex = this.execution(body.executionId);
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
    if (!ex) throw odataError(400, `Execution '${String(id)}' was not found.`);
    return ex;
  }

  private settle(ex: Execution): void {
    if (ex.applied) return;
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
    const legalEntity = String(body.legalEntityId ?? this.store.defaultCompany).toLowerCase();
    const id = String(body.executionId || `${String(body.definitionGroupId ?? "Import")}-${randomUUID()}`);
    if (this.executions.has(id)) throw odataError(400, `Execution '${id}' already exists.`);
    let files: Record<string, Uint8Array>;
    try {
      files = unzipSync(new Uint8Array(blob));
    } catch {
      throw odataError(400, "The package is not a valid zip file.");
    }
    const ex: Execution = {
      id,
      readyAt: this.now() + this.processingMs(),
      applied: false,
      status: "Executing",
      errors: [],
      imported: 0,
      run: () => this.runImport(files, legalEntity),
    };
    this.executions.set(id, ex);
    if (body.execute === false) ex.status = "NotRun";
    return id;
  }

  private runImport(files: Record<string, Uint8Array>, company: string): { ok: number; errors: string[] } {
    const manifestBytes = files["Manifest.xml"];
    if (!manifestBytes) return { ok: 0, errors: ["The package has no Manifest.xml."] };
    const manifest = decodeText(manifestBytes);
    const entries = [...manifest.matchAll(/<DataManagementPackageEntityData>([\s\S]*?)<\/DataManagementPackageEntityData>/g)].map((m) => ({
      entityName: tag(m[1]!, "EntityName"),
      file: tag(m[1]!, "InputFilePath"),
      format: tag(m[1]!, "SourceFormat") ?? "CSV",
    }));
    if (entries.length === 0) return { ok: 0, errors: ["Manifest.xml lists no entity."] };
    let ok = 0;
    const errors: string[] = [];
    for (const e of entries) {
      const data = e.file ? files[e.file] : undefined;
      // [HW]: a schema mismatch fails before staging with "0 records inserted in staging".
      if (!data) {
        errors.push(`0 records inserted in staging for '${e.entityName ?? "?"}': data file '${e.file ?? ""}' is missing from the package.`);
        continue;
      }
      if (!/csv/i.test(e.format)) {
        errors.push(`Source format '${e.format}' is not supported by the simulator (use CSV).`);
        continue;
      }
      const rows = parseCsv(decodeText(data));
      const result =
        e.entityName === GENERAL_JOURNAL_DMF_NAME
          ? this.importGeneralJournal(rows, company)
          : this.importEntity(e.entityName ?? "", rows, company);
      ok += result.ok;
      errors.push(...result.errors);
    }
    return { ok, errors };
  }

  private importEntity(entityName: string, rows: Record<string, string>[], company: string): { ok: number; errors: string[] } {
    const def = ENTITIES.find((d) => d.dmfNames?.some((n) => n.toLowerCase() === entityName.toLowerCase()));
    if (!def) return { ok: 0, errors: [`Entity '${entityName}' is not known to the simulator's data management.`] };
    const byLower = new Map([...def.fields].map((f) => [f.toLowerCase(), f]));
    let ok = 0;
    const errors: string[] = [];
    rows.forEach((r, i) => {
      const row: Row = {};
      for (const [col, v] of Object.entries(r)) {
        const field = byLower.get(col.toLowerCase());
        if (field && v !== "") row[field] = v;
      }
      row.dataAreaId ??= company;
      try {
        this.store.transaction(() => this.store.create(def.set, row));
        ok++;
      } catch (err) {
        errors.push(`Row ${i + 1}: ${innerMessage(err)}`);
      }
    });
    return { ok, errors };
  }

  /**
   * "General journal" (LedgerJournalEntity): set-based; JOURNALBATCHNUMBER in the file is a placeholder
   * that groups lines into one new journal each (notes §1.5).
   */
  private importGeneralJournal(rows: Record<string, string>[], company: string): { ok: number; errors: string[] } {
    const upper = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k.toUpperCase(), v])));
    const journals = new Map<string, string>();
    let ok = 0;
    const errors: string[] = [];
    upper.forEach((r, i) => {
      try {
        this.store.transaction(() => {
          const placeholder = r.JOURNALBATCHNUMBER || `${r.JOURNALNAME ?? ""}|${r.DESCRIPTION ?? ""}`;
          let jbn = journals.get(placeholder);
          if (!jbn) {
            const header = this.store.create("LedgerJournalHeaders", {
              dataAreaId: company,
              JournalName: r.JOURNALNAME,
              ...(r.DESCRIPTION ? { Description: r.DESCRIPTION } : {}),
            });
            jbn = String(header.JournalBatchNumber);
            journals.set(placeholder, jbn);
          }
          const line: Row = { dataAreaId: company, JournalBatchNumber: jbn };
          const map: Record<string, string> = {
            ACCOUNTTYPE: "AccountType",
            ACCOUNTDISPLAYVALUE: "AccountDisplayValue",
            LINENUMBER: "LineNumber",
            TRANSDATE: "TransDate",
            VOUCHER: "Voucher",
            CURRENCYCODE: "CurrencyCode",
            DEBITAMOUNT: "DebitAmount",
            CREDITAMOUNT: "CreditAmount",
            TEXT: "Text",
            OFFSETACCOUNTTYPE: "OffsetAccountType",
            OFFSETACCOUNTDISPLAYVALUE: "OffsetAccountDisplayValue",
            DOCUMENT: "Document",
            PAYMENTREFERENCE: "PaymentReference",
            DEFAULTDIMENSIONDISPLAYVALUE: "DefaultDimensionDisplayValue",
            INVOICE: "Invoice",
            DOCUMENTDATE: "DocumentDate",
          };
          for (const [col, field] of Object.entries(map)) {
            const v = r[col];
            if (v !== undefined && v !== "") line[field] = /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T12:00:00Z` : v;
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

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? m[1]!.trim().replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">") : undefined;
}

function decodeText(bytes: Uint8Array): string {
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
