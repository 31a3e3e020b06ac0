#!/usr/bin/env node
// `npm test`: mocha over every test file, then the one summary line CI reads: `tests: N passed, N failed`.
// `--ring <unit|partition|contract|runtime|cli|integration>` runs one folder of test/; `--fast` (with
// `--ring unit`, = `npm run test:unit`) leaves out the unit cases that load full-size models, which
// take seconds each and run with `npm test`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

/** Unit cases over full-size models (synthetic YOLOv2/ResNet weights, CenterNet, HiGHS on the paper's models). */
const SLOW_UNIT = [
  'synthetic weights keep activations', 'synthetic weights are deterministic', 'round trip is bit-exact',
  'truncated and oversized', 'CenterNet \\(@vladmandic/human\\) equals', 'two-pass search', 'memory caps',
  'ILP-1 on HiGHS', 'deeperthings validate. prints',
  // Whole photos through the JS JPEG codec, and child processes for the decoder fallback.
  'real photos \\(dog.jpg', 'snapshot JPEGs \\(encodeFrameJpeg\\)', 'DEEPERTHINGS_DECODER=js makes',
  // The planner's decisions on CenterNet and YOLOv2 at full size, and a real speed measurement.
  'centernet plans on 6 devices', 'with the default model prints a plan', 'never emits a plan predicted slower',
  'picks one device, and says so', 'measures through the engine',
];

const argv = process.argv.slice(2);
const take = (flag, hasValue) => {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  const [, value] = argv.splice(i, hasValue ? 2 : 1);
  return hasValue ? value : true;
};
const ring = take('--ring', true);
const fast = take('--fast', false);
if (ring !== undefined && !/^[a-z]+$/.test(ring)) {
  process.stderr.write(`test/run.mjs: --ring expects a folder of test/ such as unit, got '${ring}'\n`);
  process.exit(2);
}
const mocha = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const filter = fast && ring === 'unit' ? ['--grep', SLOW_UNIT.join('|'), '--invert'] : [];
const args = [mocha, ring ? `test/${ring}/**/*.test.ts` : 'test/**/*.test.ts', ...filter, ...argv];
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
