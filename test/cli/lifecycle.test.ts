/**
 * Long-running commands as a user runs them (issue 10 #4, #5): `--broker host:port` connects; with
 * the broker gone the log says once what it waits for and then backs off; one Ctrl-C stops within 2 s.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EmbeddedBroker } from '../../broker/server.ts';
import { Topics } from '../../shared/topics.ts';
import { startPlanner } from '../../cli/stack.ts';
import { darknetModel } from '../support/models.ts';
import { fusedPlanFn } from '../support/runtime.ts';

const BIN = fileURLToPath(new URL('../../bin/deeperthings.js', import.meta.url));

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; waitFor: (re: RegExp, where: 'out' | 'err', ms?: number) => Promise<void>; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEEPERTHINGS_LOG_LEVEL: 'info' } });
  let out = '', err = '';
  const waiters: (() => void)[] = [];
  const poke = () => { for (const w of waiters.splice(0)) w(); };
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); poke(); });
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); poke(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => { poke(); r(code); }));
  const waitFor = async (re: RegExp, where: 'out' | 'err', ms = 60_000) => {
    const deadline = Date.now() + ms;
    while (!re.test(where === 'out' ? out : err)) {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before ${re}: ${err}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${where}: ${err}`);
      await new Promise<void>((r) => { waiters.push(r); setTimeout(r, 200); });
    }
  };
  return { child, out: () => out, err: () => err, waitFor, exited };
}

describe('cli: long-running commands', function () {
  this.timeout(120_000);

  it('worker: --broker host:port connects; a lost broker is said once, retries back off; one SIGINT stops it within 2 s', async () => {
    const broker = new EmbeddedBroker({ port: 0 });
    const { port } = await broker.start();
    const w = start(['worker', '--broker', `127.0.0.1:${port}`, '--id', 'lc0', '--speed', '10', '--cluster', `lc${process.pid}`]);
    try {
      await w.waitFor(/ready lc0/, 'out');
      await broker.stop();
      // The later event: the fourth failed attempt is reported; attempts 1, 2 and 4 get a line, 3 does not.
      await w.waitFor(/4 attempts/, 'err', 30_000);
      const lines = w.err().split('\n');
      assert.equal(lines.filter((l) => /lost the broker mqtt:\/\/127\.0\.0\.1:\d+: waiting for it/.test(l)).length, 1, w.err());
      assert.equal(lines.filter((l) => /ECONNREFUSED/.test(l)).length, 3, w.err());
      const t0 = Date.now();
      w.child.kill('SIGINT');
      const code = await w.exited;
      assert.ok(Date.now() - t0 < 2000, `stopped after ${Date.now() - t0} ms`);
      assert.notEqual(code, null);
    } finally {
      w.child.kill('SIGKILL');
    }
  });

  it('publish --wait returns as soon as an error about its camera is published, not at its timeout', async () => {
    const broker = new EmbeddedBroker({ port: 0 });
    await broker.start();
    const topics = new Topics({ cluster: `pw${process.pid}` });
    const { model } = await darknetModel('tiny', 64);
    const p = await startPlanner({ url: broker.url }, topics, { model, plan: fusedPlanFn('tiny', 2), expectedWorkers: 1, waitMs: 600_000 });
    try {
      const c = start(['publish', '--broker', broker.url, '--cluster', topics.cluster, '--camera', 'gate', '--wait', '--timeout-ms', '600000']);
      const t0 = Date.now();
      const code = await Promise.race([c.exited, new Promise((r) => setTimeout(() => r('timeout'), 60_000))]);
      c.child.kill('SIGKILL');
      assert.equal(code, 1, c.err());
      assert.match(c.err(), /"code":"no-plan".*"camera":"gate"/);
      assert.match(c.err(), /publish: 0 of 1 predictions arrived before an error about camera gate/);
      assert.ok(Date.now() - t0 < 60_000);
    } finally {
      await p.stop();
      await broker.stop();
    }
  });

  it('a broker URL with an unknown scheme is a usage error (exit 2) showing what a URL looks like', async () => {
    const p = start(['publish', '--broker', 'http://127.0.0.1:1']);
    assert.equal(await p.exited, 2);
    assert.match(p.err(), /--broker: unknown scheme 'http:\/\/'.*mqtt:\/\/host:1883/);
  });
});
