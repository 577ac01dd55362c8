// Prints the settings and secrets reference tables in markdown (for README.md): npx tsx scripts/settings-table.ts
import { secretsMarkdownTable, settingsMarkdownTable } from "../src/wiring/settings-doc";

process.stdout.write(`${settingsMarkdownTable()}\n\n${secretsMarkdownTable()}\n`);
