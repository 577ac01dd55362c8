/**
 * `d365-amazon settlement preview <file> [--json] [--mapping <settlement-accounts.json>] [--detailed] [--no-split]`
 *
 * Parses, maps and builds the journal of a settlement flat file offline, so finance sees what would be
 * posted. Exit 0 when the file was read and reconciles (Σ amounts = total-amount); 1 otherwise, with the
 * reason; 2 for a usage error. Unmapped combinations are listed with a suggested rule (the file is then
 * not postable, but it was read and reconciled).
 */
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { SETTLEMENT_ACCOUNTS_FILE, SettlementAccounts } from "../../mapping/settlement-accounts";
import { analyzeSettlement, formatPreview, previewDocument } from "./analyze";
import { progressBar } from "../../platform/progress";
import { type ByteSource, fileSource } from "./parser";

const USAGE = "usage: d365-amazon settlement preview <file> [--json] [--mapping <settlement-accounts.json>] [--detailed] [--no-split]";

export interface PreviewIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** False: no progress bar (it is drawn on stderr only when that is a terminal). */
  progress?: boolean;
}

/** The source, telling `onBytes` how many bytes of it were read so far (each read of it counts from 0). */
function withProgress(source: ByteSource, onBytes: (bytes: number) => void): ByteSource {
  return async function* () {
    let read = 0;
    for await (const chunk of source()) {
      read += chunk.length;
      onBytes(read);
      yield chunk;
    }
  };
}

const defaultIo: PreviewIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** The mapping file: --mapping, else MAPPINGS_DIR, else ./mappings, else the one shipped with the app. */
export function findMappingFile(explicit?: string): string | undefined {
  if (explicit) return resolve(explicit);
  const candidates = [process.env.MAPPINGS_DIR, "mappings"]
    .filter((d): d is string => !!d)
    .map((d) => resolve(d, SETTLEMENT_ACCOUNTS_FILE));
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    candidates.push(join(dir, "mappings", SETTLEMENT_ACCOUNTS_FILE));
    dir = dirname(dir);
  }
  return candidates.find((c) => existsSync(c));
}

export async function runSettlementPreview(args: string[], io: PreviewIo = defaultIo): Promise<number> {
  const json = args.includes("--json");
  const mi = args.indexOf("--mapping");
  const mappingArg = mi >= 0 ? args[mi + 1] : undefined;
  const positional = args.filter((a, i) => !a.startsWith("--") && !(mi >= 0 && i === mi + 1));
  const file = positional[0];
  if (!file || args.includes("--help")) {
    io.err(USAGE);
    return file ? 0 : 2;
  }
  if (!existsSync(file)) {
    io.err(`settlement preview: ${file}: no such file`);
    return 2;
  }
  const mappingFile = findMappingFile(mappingArg);
  if (!mappingFile || !existsSync(mappingFile)) {
    io.err(`settlement preview: cannot find ${SETTLEMENT_ACCOUNTS_FILE} (pass --mapping <file> or set MAPPINGS_DIR)`);
    return 2;
  }
  const accounts = SettlementAccounts.fromFile(mappingFile);
  // On a terminal, a progress bar over the bytes read (a settlement file can have millions of rows).
  const bar = progressBar(`reading ${basename(file)}`, {
    total: statSync(file).size,
    unit: "bytes",
    enabled: !json && io.progress !== false,
  });
  const analysis = await analyzeSettlement(
    withProgress(fileSource(file), (n) => bar.update(n)),
    accounts,
    {
      detailed: args.includes("--detailed") ? true : undefined,
      splitAtMonthEnd: args.includes("--no-split") ? false : undefined,
    },
  );
  bar.done();
  const doc = previewDocument(analysis, accounts);
  io.out(json ? JSON.stringify(doc, null, 2) : formatPreview(doc));
  const readAndReconciled = !analysis.parse.fatal && analysis.parse.problemCount === 0 && analysis.parse.reconciled;
  if (!readAndReconciled) io.err(`settlement preview: ${file}: ${analysis.reasons.join("; ")}`);
  return readAndReconciled ? 0 : 1;
}
