#!/usr/bin/env node
// `npm test`: mocha over every test file, then the one summary line CI reads: `tests: N passed, N failed`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const args = [mocha, 'test/**/*.test.ts', ...process.argv.slice(2)];
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.on('data', (b) => { out += b.toString(); process.stdout.write(b); });
child.on('exit', (code) => {
  const passed = Number(/(\d+) passing/.exec(out)?.[1] ?? 0);
  const failed = Number(/(\d+) failing/.exec(out)?.[1] ?? (code === 0 ? 0 : 1));
  const pending = Number(/(\d+) pending/.exec(out)?.[1] ?? 0);
  process.stdout.write(`tests: ${passed} passed, ${failed} failed${pending ? `, ${pending} skipped` : ''}\n`);
  process.exit(code ?? 1);
});
