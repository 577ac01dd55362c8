/**
 * The floor of any settlement reader: read the file, decode it as UTF-8 and split it into lines and
 * tab-separated fields, nothing else. The settlement rows of the benchmark compare the real preview with
 * this, in the same run, so that the ratio says how much the parsing, validation and journal cost on top of
 * I/O on whatever machine runs it.
 *
 *   node dist/test/bench/lib/bare-read-split.js <file>     prints the transaction rows it counted
 */
import { createReadStream } from "node:fs";

/** Returns the number of transaction rows (lines after the header and the summary row). */
export async function bareReadAndSplit(path: string): Promise<number> {
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  let rows = 0;
  let fields = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 })) {
    const text = rest + decoder.decode(chunk as Buffer, { stream: true });
    const lines = text.split("\n");
    rest = lines.pop()!;
    for (const l of lines) {
      fields += l.split("\t").length;
      rows++;
    }
  }
  if (rest) rows++;
  return fields > 0 ? rows - 2 : 0; // header and summary are not transaction rows
}

if (require.main === module) {
  bareReadAndSplit(process.argv[2]!).then(
    (rows) => console.log(rows),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
