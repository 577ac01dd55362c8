/**
 * The `d365-amazon` command.
 *   d365-amazon start [--once] [--json]              run the whole app locally (what `npm start` runs)
 *   d365-amazon sim                                  run the D365 and SP-API simulators alone
 *   d365-amazon settlement preview <file> [--json]   parse, map and show a settlement journal offline
 *   d365-amazon mappings check                       validate the files in mappings/
 *   d365-amazon orders backfill --from <time> ...    start an order backfill on a running app and follow it
 */
type Command = (args: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  start: async () => (await import("./local/start")).runStart,
  sim: async () => (await import("./local/sim-cli")).runSimulators,
  "settlement preview": async () => (await import("./flows/settlements/preview-cli")).runSettlementPreview,
  "mappings check": async () => (await import("./mapping/check-cli")).runMappingsCheck,
  "orders backfill": async () => (await import("./local/backfill-cli")).runOrdersBackfill,
};

const usage = `usage: d365-amazon <command>
  start [--once] [--json]               run the app locally on Azurite and the simulators
  sim                                   run the D365 and SP-API simulators alone
  settlement preview <file> [--json]    preview the journal of a settlement flat file
  mappings check                        validate the mapping files
  orders backfill --from <time> [--to <time>] [--api <url>] [--key <key>] [--json]
                                        backfill orders of a period on a running app, with progress`;

export async function main(argv: string[]): Promise<number> {
  const two = argv.slice(0, 2).join(" ");
  const key = commands[two] ? two : argv[0];
  const rest = commands[two] ? argv.slice(2) : argv.slice(1);
  const load = key ? commands[key] : undefined;
  if (!load) {
    console.error(usage);
    return argv.length === 0 || argv[0] === "--help" || argv[0] === "help" ? 0 : 2;
  }
  try {
    return await (await load())(rest);
  } catch (err) {
    const e = err as Error;
    console.error(`d365-amazon ${key}: ${e.message}`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
