/**
 * `npm run bench -- <name> [options]`: benchmarks print one JSON line per measurement (machine
 * readable) and a last line with the comparison they claim. Tests check correctness; these measure.
 */
type Bench = (args: string[]) => Promise<void>;

const BENCHES: Record<string, () => Promise<Bench>> = {
  infer: async () => (await import('./infer.ts')).benchInfer,
  plan: async () => (await import('./plan.ts')).benchPlan,
  verify: async () => (await import('./verify.ts')).benchVerify,
  e2e: async () => (await import('./e2e.ts')).benchE2e,
  cluster: async () => (await import('./cluster/main.ts')).benchCluster,
  ingest: async () => (await import('./ingest.ts')).benchIngest,
  soak: async () => (await import('./soak/main.ts')).benchSoak,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const load = name ? BENCHES[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHES).join('|')}> [options]\n`);
    process.exitCode = 2;
    return;
  }
  await (await load())(rest);
}

await main(process.argv.slice(2));
