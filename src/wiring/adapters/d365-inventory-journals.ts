/**
 * The inventory flow's D365InventoryJournals on OData: counting journals (InventoryCountingJournalHeaders and
 * InventoryCountingJournalLines) and adjustment journals (InventoryAdjustmentJournalHeaders and
 * InventoryAdjustmentJournalEntriesV2). The app only creates them unposted; F&O's own posting (a person) posts them.
 *
 * Lines are written in one `$batch` changeset per 100 with the line numbers the flow chose, so a run that resumes
 * adds only the lines the journal lacks. F&O fills a counting line's OnHandQuantity and AdjustmentQuantity itself
 * (read-only fields: sending them refuses the line).
 */
import type { D365Client } from "../../d365/client";
import { f } from "../../d365/odata";
import type { D365InventoryJournals, JournalKind, JournalLineInput, JournalRef } from "../../flows/inventory/ports";
import { InternalError } from "../../platform/errors";
import { Dec } from "../../platform/money";

const SETS: Record<JournalKind, { header: string; lines: string }> = {
  counting: { header: "InventoryCountingJournalHeaders", lines: "InventoryCountingJournalLines" },
  adjustment: { header: "InventoryAdjustmentJournalHeaders", lines: "InventoryAdjustmentJournalEntriesV2" },
};

interface HeaderRow {
  dataAreaId: string;
  JournalNumber: string;
  IsPosted?: string;
}

function ref(kind: JournalKind, r: HeaderRow): JournalRef {
  return { kind, company: r.dataAreaId.toLowerCase(), journalNumber: r.JournalNumber, posted: r.IsPosted === "Yes" };
}

/** The product dimensions and storage dimensions an adjustment entry carries in its key: empty when unused. */
const EMPTY_ENTRY_DIMENSIONS = {
  ProductConfigurationId: "",
  ProductColorId: "",
  ProductSizeId: "",
  ProductStyleId: "",
  ProductVersionId: "",
  ItemBatchNumber: "",
  ItemSerialNumber: "",
  WarehouseLocationId: "",
  LicensePlateNumber: "",
  InventoryStatusId: "",
};

export class ODataInventoryJournals implements D365InventoryJournals {
  constructor(private readonly d365: D365Client) {}

  async findByDescription(kind: JournalKind, company: string, description: string): Promise<JournalRef | undefined> {
    const rows = await this.d365.collect<HeaderRow>(SETS[kind].header, {
      filter: f.and(f.eq("dataAreaId", company.toLowerCase()), f.eq("Description", description)),
      select: ["dataAreaId", "JournalNumber", "IsPosted"],
    });
    return rows[0] ? ref(kind, rows[0]) : undefined;
  }

  async get(kind: JournalKind, company: string, journalNumber: string): Promise<JournalRef | undefined> {
    const row = await this.d365.getByKey<HeaderRow>(
      SETS[kind].header,
      { dataAreaId: company.toLowerCase(), JournalNumber: journalNumber },
      { select: ["dataAreaId", "JournalNumber", "IsPosted"] },
    );
    return row ? ref(kind, row) : undefined;
  }

  async createHeader(
    kind: JournalKind,
    h: { company: string; description: string; warehouseId: string; journalNameId?: string },
  ): Promise<JournalRef> {
    const row = await this.d365.create<HeaderRow>(SETS[kind].header, {
      dataAreaId: h.company.toLowerCase(),
      Description: h.description,
      DefaultWarehouseId: h.warehouseId,
      ...(h.journalNameId ? { JournalNameId: h.journalNameId } : {}),
    });
    return ref(kind, row);
  }

  async lineNumbers(kind: JournalKind, company: string, journalNumber: string): Promise<Set<number>> {
    const rows = await this.d365.collect<{ LineNumber: number }>(SETS[kind].lines, {
      filter: f.and(f.eq("dataAreaId", company.toLowerCase()), f.eq("JournalNumber", journalNumber)),
      select: ["LineNumber"],
    });
    return new Set(rows.map((r) => Number(r.LineNumber)));
  }

  async addLines(kind: JournalKind, company: string, journalNumber: string, lines: readonly JournalLineInput[]): Promise<void> {
    const dataAreaId = company.toLowerCase();
    const ops = lines.map((l) => ({
      method: "POST" as const,
      entitySet: SETS[kind].lines,
      body:
        kind === "counting"
          ? {
              dataAreaId,
              JournalNumber: journalNumber,
              LineNumber: l.lineNumber,
              ItemNumber: l.itemNumber,
              WarehouseId: l.warehouseId,
              ...(l.siteId ? { InventorySiteId: l.siteId } : {}),
              CountedQuantity: new Dec(l.countedQuantity),
              CountingDate: l.date,
            }
          : {
              dataAreaId,
              JournalNumber: journalNumber,
              LineNumber: l.lineNumber,
              ItemNumber: l.itemNumber,
              ...EMPTY_ENTRY_DIMENSIONS,
              InventoryWarehouseId: l.warehouseId,
              InventorySiteId: l.siteId ?? "",
              InventoryQuantity: new Dec(l.adjustmentQuantity),
              TransactionDate: l.date,
            },
    }));
    const results = await this.d365.batch(ops, { changesetSize: 100 });
    const failed = results.find((r) => !r.ok);
    if (failed)
      throw failed.error ?? new InternalError("d365.batch", `line ${lines[failed.index]?.lineNumber} of journal ${journalNumber} failed`);
  }
}
