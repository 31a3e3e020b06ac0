/** `deeperthings plan <argv>` in process: asserts exit 0 and returns what it printed. */
import assert from 'node:assert/strict';
import { planCommand } from '../../cli/plan.ts';
import { parseCommand } from '../../cli/args.ts';

export async function runPlan(argv: string[]): Promise<string> {
  const { opts, positionals } = parseCommand(planCommand, argv);
  const out: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => (out.push(chunk), true)) as typeof process.stdout.write;
  try {
    assert.equal(await planCommand.run(opts, positionals), 0);
  } finally {
    process.stdout.write = write;
  }
  return out.join('');
}
