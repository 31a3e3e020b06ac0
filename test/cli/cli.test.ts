/** The `deeperthings` command as a user runs it: JSON shapes, one-line errors, exit codes, help. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/deeperthings.js', import.meta.url));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, DEEPERTHINGS_LOG_LEVEL: 'warn' }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('cli', function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'dt-cli-'));
  writeFileSync(join(dir, 'empty.yaml'), '');

  it('infer --json prints the documented object', async () => {
    const r = await run(['infer', '--model', 'yolov2-tiny', '--input-size', '128x128', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.model, 'yolov2-tiny');
    assert.equal(o.weights, 'synthetic');
    assert.deepEqual(o.input.shape, [128, 128, 3]);
    assert.deepEqual(o.outputs[0].shape, [4, 4, 425]);
    assert.ok(o.flops > 0 && o.params > 0 && o.ms > 0 && typeof o.backend === 'string');
    assert.ok(Array.isArray(o.predictions));
  });

  it('infer --engine ort and --engine tfjs report their engine and agree; a bad --engine is a usage error', async () => {
    const args = ['infer', '--model', 'yolov2-tiny', '--input-size', '128x128', '--json'];
    const [ort, tfjs] = await Promise.all([run([...args, '--engine', 'ort']), run([...args, '--engine', 'tfjs'])]);
    assert.equal(ort.code, 0, ort.stderr);
    assert.equal(tfjs.code, 0, tfjs.stderr);
    const [o, t] = [JSON.parse(ort.stdout), JSON.parse(tfjs.stdout)];
    assert.equal(o.engine, 'ort');
    assert.match(t.engine, /^tfjs-/);
    assert.deepEqual(o.predictions.map((p: { label: string }) => p.label), t.predictions.map((p: { label: string }) => p.label));
    const bad = await run([...args, '--engine', 'gpu']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--engine "gpu" is not one of auto, ort, tfjs/);
  });

  it('infer on a classifier gives the top-5', async () => {
    const r = await run(['infer', '--model', 'darknet', '--input-size', '64x64', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.predictions.length, 5);
    assert.ok(o.predictions.every((p: { label: string; score: number }) => typeof p.label === 'string' && p.score >= 0));
  });

  it('the backend is said once, at info, without a stack or "Cannot find package" (issue 10 #12)', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'infer', '--model', 'tiny', '--input-size', '64x64', '--json'], { env: { ...process.env, DEEPERTHINGS_LOG_LEVEL: 'info' } }, (err, _out, stderr) => resolve({ code: err ? 1 : 0, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr.split('\n').filter((l) => /backend/.test(l)).length, 1, r.stderr);
    assert.match(r.stderr, /^\[info\] engine: backend \w+ /m);
    assert.doesNotMatch(r.stderr, /Cannot find package|\n\s+at /);
  });

  it('validate names no stale default model: the running model is --model (issue 10 #3)', async () => {
    const r = await run(['validate', '--config', join(dir, 'empty.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /yolov2-tiny/);
    assert.match(r.stdout, /planner objective [a-z,]+, model: the services' --model \(default centernet\)/);
  });

  it('a malformed cfg is one line naming file and line, no stack trace', async () => {
    const cfg = join(dir, 'bad.cfg');
    writeFileSync(cfg, '[net]\nwidth=32\nheight=32\nchannels=3\n\n[foo]\nx=1\n');
    const r = await run(['infer', '--model', cfg]);
    assert.notEqual(r.code, 0);
    assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('[')).length, 1, r.stderr);
    assert.match(r.stderr, /darknet: .*bad\.cfg: line 6: unknown section \[foo\]/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  it('verify --json reports ok, bytes and memory; exit 0', async () => {
    const r = await run(['verify', '--model', 'yolov2-tiny', '--input-size', '96x96', '--devices', '3', '--ftp-layers', '6', '--grid', '2x2', '--tail', 'fused', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.ok, true);
    assert.equal(o.devices, 3);
    assert.equal(o.grid, '2x2');
    assert.equal(o.ftpLayers, 6);
    assert.ok(o.maxRelDiff <= 1e-4 && o.bytesExchanged > 0 && o.messages > 0);
    assert.equal(o.memoryPerDevice.length, 3);
    assert.deepEqual(o.layers.slice(0, 7).map((l: { partition: string }) => l.partition), ['ftp', 'ftp', 'ftp', 'ftp', 'ftp', 'ftp', 'lop']);
  });

  it('an illegal spec is refused with the layer and the rule', async () => {
    const r = await run(['verify', '--model', 'alexnet', '--devices', '2', '--ftp-layers', '10']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /plan: layer 8: FTP cannot cross a dense layer/);
  });

  it('unknown commands and flags are usage errors (exit 2); --help works', async () => {
    assert.equal((await run(['frobnicate'])).code, 2);
    const bad = await run(['infer', '--bogus']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /infer: Unknown option '--bogus'/);
    const help = await run(['verify', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--ftp-layers/);
  });

  it('--nms takes per-class or agnostic; anything else is a usage error (exit 2)', async () => {
    const bad = await run(['infer', '--nms', 'sideways']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--nms: expected per-class or agnostic, got 'sideways'/);
    for (const cmd of ['infer', 'worker', 'up']) assert.match((await run([cmd, '--help'])).stdout, /--nms <value>/, cmd);
  });
});
