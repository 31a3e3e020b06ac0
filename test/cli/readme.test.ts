/**
 * The README's commands run as written from the repository root (issue 10 #7): every file a command
 * names exists, and the quick ones (infer, plan, validate, verify) exit 0. Optional `[...]` parts
 * are left out; verify gets a small `--input-size` so the check takes seconds, not minutes.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/deeperthings.js', import.meta.url));
const QUICK: Record<string, string[]> = { infer: [], plan: [], validate: [], verify: ['--input-size', '96x96'] };
const FILE_FLAGS = new Set(['--image', '-f', '--config', '--users', '--weights', '--plan']);

/** Shell lines of the README's ```sh blocks, comments and optional `[...]` parts removed. */
export function readmeCommands(markdown: string): string[][] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((b) => b.split('\n'))
    .map((l) => l.replace(/\s#.*$/, '').replace(/\[[^\]]*\]/g, '').trim())
    .filter((l) => l !== '')
    .map((l) => l.split(/\s+/));
}

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, DEEPERTHINGS_LOG_LEVEL: 'warn' }, maxBuffer: 64 << 20 }, (err, _out, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}

describe('README commands', function () {
  this.timeout(300_000);
  const commands = readmeCommands(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'));

  it('name only files that exist (from the repository root)', () => {
    assert.ok(commands.length >= 10, `found ${commands.length} commands`);
    for (const words of commands) {
      words.forEach((w, i) => {
        if (FILE_FLAGS.has(w)) assert.ok(existsSync(new URL(words[i + 1]!, `file://${ROOT}`)), `${words.join(' ')}: ${words[i + 1]} does not exist`);
      });
    }
  });

  for (const words of readmeCommands(readFileSync(new URL('../../README.md', import.meta.url), 'utf8'))) {
    if (words[0] !== 'npx' || words[1] !== 'deeperthings' || !(words[2]! in QUICK)) continue;
    it(`${words.slice(1).join(' ')} exits 0`, async () => {
      const r = await run([...words.slice(2), ...QUICK[words[2]!]!]);
      assert.equal(r.code, 0, r.stderr);
    });
  }
});
