/**
 * `npm run bench`: every benchmark in one run. Each prints counts and ratios (requests per order and per
 * settlement against the published quotas, parser throughput against a bare read of the same file, peak
 * memory), not timings to assert on.
 *   npm run bench                  all benchmarks
 *   npm run bench -- orders        one of them (orders | settlements), with its own flags after the name
 */
import { main as ordersBench } from "./orders-bench";
import { main as settlementBench } from "./settlement-bench";

const benches: Record<string, (argv: string[]) => Promise<number>> = {
  orders: ordersBench,
  settlements: settlementBench,
};

export async function run(argv: string[]): Promise<number> {
  const [only, ...rest] = argv;
  const selected = only && benches[only] ? [[only, benches[only]] as const] : Object.entries(benches);
  let worst = 0;
  for (const [name, bench] of selected) {
    console.log(`\n=== benchmark: ${name} ===`);
    const code = await bench(only && benches[only] ? rest : []);
    worst = Math.max(worst, code);
  }
  return worst;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
