/**
 * `up` and `planner` as a user runs them: what `up` prints (the address others use, synthetic
 * weights, one line per prediction, how to read them), a clean stop that leaves nothing of ours
 * retained on an external broker, and a planner that exits with the reason when no plan is legal
 * (issue 10 #1, #6, #11, #12, #14).
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedBroker } from '../../broker/server.ts';
import { connect } from '../../cli/stack.ts';
import { Topics } from '../../shared/topics.ts';
import { makeTestCert } from '../support/tls-cert.ts';

const BIN = fileURLToPath(new URL('../../bin/deeperthings.js', import.meta.url));
const SMALL = ['--model', 'tiny', '--input-size', '64x64'];

function run(args: string[], timeoutMs = 150_000): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, DEEPERTHINGS_LOG_LEVEL: 'info' }, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** Non-empty retained topics on the broker, read up to a marker published after subscribing. */
async function retained(url: string): Promise<Map<string, string>> {
  const t = await connect({ url }, `probe-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const seen = new Map<string, string>();
  let done!: () => void;
  const marker = new Promise<void>((r) => { done = r; });
  await t.subscribe('#', (topic, payload, meta) => {
    if (topic === 'probe/marker') done();
    else if (meta.retain && payload.length > 0) seen.set(topic, Buffer.from(payload).toString('utf8').slice(0, 80));
  });
  await t.publish('probe/marker', 'x', { qos: 1 });
  await marker;
  await t.close();
  return seen;
}

describe('cli: up and planner', function () {
  this.timeout(200_000);
  let broker: EmbeddedBroker;
  before(async () => { broker = new EmbeddedBroker({ port: 0 }); await broker.start(); });
  after(async () => broker?.stop());

  it('up --broker --once: says synthetic weights, one compact line per prediction and how to read them; leaves nothing of ours retained', async () => {
    const r = await run(['up', '--broker', broker.url.replace('mqtt://', ''), '--workers', '1', ...SMALL, '--once']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /model tiny \(weights: synthetic \(no --weights\)\); 1 workers/);
    assert.match(r.stdout, /^front #1: .+ \| \d+ ms \| synthetic weights$/m);
    assert.match(r.stdout, /^predictions: mosquitto_sub -h 127\.0\.0\.1 -p \d+ -t 'deeperthings\/default\/cameras\/\+\/predictions'$/m);
    assert.match(r.stderr, /\[w0\] .*weights: synthetic \(no --weights\)/);
    assert.ok(r.stdout.split('\n').every((l) => l.length < 400), 'no multi-kilobyte lines');
    const left = [...(await retained(broker.url)).keys()];
    const topics = new Topics();
    const ours = left.filter((t) => t === topics.plan() || t.startsWith('homeassistant/device/') || t.startsWith(topics.workerInfo('w0')) || t === topics.workerState('w0'));
    assert.deepEqual(ours, [], `retained after a clean stop: ${left.join(', ')}`);
  });

  it('up --host 0.0.0.0 needs users (issue 14 §3); with users and TLS it serves and says which address the LAN uses', async () => {
    const refused = await run(['up', '--host', '0.0.0.0', '--port', '0', '--workers', '1', ...SMALL, '--once', '--no-sample']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /needs a users file: create one with `deeperthings users add NAME --role planner\|worker\|camera\|viewer --file users\.yaml`/);
    const dir = mkdtempSync(join(tmpdir(), 'deeperthings-up-users-'));
    const users = join(dir, 'users.yaml');
    const added = await run(['users', 'add', 'front', '--role', 'camera', '--file', users]);
    assert.match(added.stdout, /^password: \S{24}$/m);
    const cert = makeTestCert();
    try {
      // The sample frame's predictions prove up's own planner and workers got in (their account, over TLS).
      const r = await run(['up', '--host', '0.0.0.0', '--port', '0', '--users', users, '--tls-cert', cert.certFile, '--tls-key', cert.keyFile, '--workers', '1', ...SMALL, '--once']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /cameras and boards on the LAN connect to mqtts:\/\/[\d.]+:\d+|listens on all interfaces, but this machine has no LAN address/);
      assert.match(r.stdout, /^front #1: /m);
      assert.match(r.stdout, /^frames: mosquitto_pub -h 127\.0\.0\.1 -p \d+ --cafile \S+cert\.pem -u NAME -P PASSWORD -t /m);
      assert.match(r.stderr, /broker: listening on 0\.0\.0\.0:\d+ \(TLS\), authentication required/);
    } finally {
      cert.remove();
    }
  });

  it('planner exits non-zero with the reason when no plan is legal for the workers online', async () => {
    const cluster = `nf${process.pid}`;
    const topics = new Topics({ cluster });
    const t = await connect({ url: broker.url }, `announcer-${process.pid}`);
    const info = { id: 'small', version: '0.1.0', memoryBytes: 1000, speedGflops: 5, linkBps: 1e8, backend: 'wasm' };
    await topics.publish(t, topics.workerInfo('small'), info, { qos: 1 });
    await topics.publish(t, topics.workerState('small'), 'online', { qos: 1 });
    try {
      const r = await run(['planner', '--broker', broker.url, '--cluster', cluster, '--workers', '1', ...SMALL], 120_000);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /deeperthings: planner: device small needs [\d.]+ MB but has 0\.0 MB/);
    } finally {
      for (const topic of [topics.workerInfo('small'), topics.workerState('small')]) await topics.clear(t, topic, { qos: 1 });
      await t.close();
    }
  });

  it('up exits non-zero with the reason when no plan is legal for its workers', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'dt-up-')), 'deeperthings.yaml');
    writeFileSync(config, 'workers: {memory: 1KB, speed: 5}\nhomeassistant: {enabled: false}\n');
    const r = await run(['up', '--port', '0', '--workers', '2', ...SMALL, '--config', config, '--once'], 120_000);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /deeperthings: planner: device w[01] needs [\d.]+ MB but has 0\.0 MB/);
  });

  it('plan exits non-zero with the reason when no plan is legal', async () => {
    const devices = join(mkdtempSync(join(tmpdir(), 'dt-up-')), 'devices.yaml');
    writeFileSync(devices, '- {id: a, memory: 1KB}\n- {id: b, memory: 1KB}\n');
    const r = await run(['plan', ...SMALL, '--devices', devices]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /deeperthings: planner: device [ab] needs [\d.]+ MB but has 0\.0 MB/);
  });
});
