/**
 * The dashboard's HTTP side (planner/ui/server.ts) on a real broker at port 0: what workers and
 * heads publish shows up in `/api/state`, the SSE stream and Prometheus `/metrics`; the snapshot,
 * the plan picture and the static page are served; nothing outside the static folder is.
 */
import assert from 'node:assert/strict';
import { EmbeddedBroker } from '../../broker/server.ts';
import { Topics } from '../../shared/topics.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { connect } from '../../cli/stack.ts';
import { DashboardServer } from '../../planner/ui/server.ts';
import { darknetModel } from '../support/models.ts';
import { fusedPlanFn } from '../support/runtime.ts';

const stats = (frames: number, up: number, down: number, time: number) => ({
  worker: 'w0', plan: null, frames, badFrames: 0, oversizeFrames: 0, predictions: frames, errors: 0, framesInFlight: 0,
  weightBytes: 5e6, publishedBytes: up, receivedBytes: down, messages: 0, rssBytes: 2e8, time,
});

/** Reads server-sent events from a streaming fetch body. */
async function* events(url: string, signal: AbortSignal): AsyncGenerator<{ event: string; data: any }> {
  const res = await fetch(url, { signal });
  const reader = res.body!.getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += Buffer.from(value).toString('utf8');
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1], data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) yield { event, data: JSON.parse(data) };
    }
  }
}

async function until(cond: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('dashboard server (planner/ui) on a real broker', function () {
  this.timeout(60_000);
  const broker = new EmbeddedBroker({ port: 0 });
  const topics = new Topics({ cluster: `ui${Math.random().toString(36).slice(2, 8)}` });
  let planner: Transport, pub: Transport, ui: DashboardServer, plan: PlanDoc, base: string;
  const source = { plan: undefined as PlanDoc | undefined, listeners: new Set<(p: PlanDoc | undefined) => void>() };

  before(async () => {
    await broker.start();
    planner = await connect({ url: broker.url }, 'ui-planner');
    pub = await connect({ url: broker.url }, 'ui-publisher');
    const { model } = await darknetModel('yolov2-tiny', 160);
    const devices = ['w0', 'w1', 'w2'].map((id) => ({ id, memoryBytes: 1e9, speed: 5, linkBps: 100e6 }));
    plan = await fusedPlanFn('yolov2-tiny', 4)(model, devices);
    // Retained before the dashboard starts: it must still learn of this worker.
    await topics.publish(pub, topics.workerInfo('w9'), { id: 'w9', version: '0.1.0', memoryBytes: 5e8, speedGflops: 1, linkBps: 1e7, backend: 'cpu' }, { qos: 1 });
    await topics.publish(pub, topics.workerState('w9'), 'online', { qos: 1 });
    ui = new DashboardServer({ transport: planner, topics, planner: source, model, port: 0, explain: () => ['Objective: comm'] });
    base = await ui.start();
  });
  after(async () => {
    await ui.stop();
    await pub.close();
    await planner.close();
    await broker.stop();
  });

  it('serves the page with a same-origin-only policy, and nothing outside its folder', async () => {
    const page = await fetch(base);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/static\/app.js">/);
    assert.doesNotMatch(html, /https?:\/\//, 'no external resources');
    assert.equal((await fetch(`${base}static/views/plan.js`)).headers.get('content-type'), 'text/javascript; charset=utf-8');
    for (const bad of ['static/../server.ts', 'static/%2e%2e/server.ts', 'server.ts', 'static/nope.js']) assert.equal((await fetch(base + bad)).status, 404, bad);
  });

  it('a new plan reaches /api/state and the SSE stream, with per-stage predictions and the explanation', async () => {
    const ac = new AbortController();
    const stream = events(`${base}events`, ac.signal);
    assert.equal((await stream.next()).value!.data.plan, null);
    source.plan = plan;
    for (const l of source.listeners) l(plan);
    const ev = (await stream.next()).value!;
    ac.abort();
    assert.equal(ev.event, 'plan');
    assert.equal(ev.data.planId, plan.planId);
    assert.deepEqual(ev.data.layers.map((l: { partition: string }) => l.partition), plan.layers.map((l) => l.partition));
    assert.deepEqual(Object.keys(ev.data.predicted.stages), plan.stages.map((s) => s.id));
    assert.deepEqual(ev.data.explain, ['Objective: comm']);
    const svg = await (await fetch(`${base}plan.svg`)).text();
    assert.equal([...svg.matchAll(/data-layer=/g)].length, plan.layers.length);
  });

  it('worker info, state and stats, predictions, snapshots and errors show in the state and the metrics', async () => {
    const info = { id: 'w0', version: '0.1.0', memoryBytes: 1e9, speedGflops: 4.5, linkBps: 100e6, backend: 'wasm' };
    await topics.publish(pub, topics.workerInfo('w0'), info, { qos: 1 });
    await topics.publish(pub, topics.workerState('w0'), 'online', { qos: 1 });
    await topics.publish(pub, topics.workerStats('w0'), stats(2, 1_000, 2_000, 10_000), { qos: 1 });
    await topics.publish(pub, topics.workerStats('w0'), stats(5, 251_000, 502_000, 12_000), { qos: 1 });
    const detections = [{ label: 'dog', classId: 16, score: 0.8, box: [10, 20, 110, 220] as const }];
    const stages = [{ stage: 'in', ms: 3 }, { stage: 'ftp', ms: 40 }, { stage: 'head', ms: 2 }];
    await topics.publish(pub, topics.cameraPredictions('front'), { camera: 'front', frame: 7, frameTime: 1, width: 640, height: 480, model: 'yolov2-tiny', plan: plan.planId, detections, latencyMs: { total: 45, stages }, fps: 2 }, { qos: 1 });
    const jpeg = new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
    await topics.publish(pub, topics.cameraSnapshot('front'), jpeg, { qos: 1, retain: false });
    await topics.publish(pub, topics.errors(), { code: 'bad-frame', message: 'camera front: not an image', worker: 'w0', time: 5 }, { qos: 1 });
    const state = async () => (await fetch(`${base}api/state`)).json() as Promise<any>;
    await until(async () => { const s = await state(); return s.errors.length === 1 && s.cameras[0]?.snapshot === 1; }, 'the error and the snapshot');
    const s = await state();
    const w0 = s.workers.find((w: { id: string }) => w.id === 'w0');
    const w9 = s.workers.find((w: { id: string }) => w.id === 'w9');
    assert.deepEqual([w9?.online, w9?.info?.backend], [true, 'cpu'], 'retained before start');
    assert.deepEqual([w0.online, w0.info.backend, w0.stats.frames], [true, 'wasm', 5]);
    // 250 kB up and 500 kB down in 2 s.
    assert.deepEqual(w0.link, { upBps: 1e6, downBps: 2e6 });
    assert.equal(s.cameras[0].frame, 7);
    assert.deepEqual(Buffer.from(await (await fetch(`${base}api/cameras/front/snapshot.jpg`)).arrayBuffer()), Buffer.from(jpeg));
    assert.equal((await fetch(`${base}api/cameras/back/snapshot.jpg`)).status, 404);

    const metrics = await (await fetch(`${base}metrics`)).text();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}.+]/g, '\\$&')} (\\S+)$`, 'm').exec(metrics)?.[1]);
    assert.equal(value('deeperthings_frames_total{worker="w0"}'), 5);
    assert.equal(value('deeperthings_predictions_total{camera="front"}'), 1);
    assert.equal(value('deeperthings_errors_total{code="bad-frame"}'), 1);
    assert.equal(value('deeperthings_link_bytes_total{worker="w0",direction="up"}'), 251_000);
    assert.equal(value('deeperthings_link_bytes_total{worker="w0",direction="down"}'), 502_000);
    assert.equal(value('deeperthings_worker_memory_bytes{worker="w0",kind="allowed"}'), 1e9);
    assert.equal(value('deeperthings_worker_memory_bytes{worker="w0",kind="rss"}'), 2e8);
    assert.equal(value('deeperthings_stage_latency_seconds_count{stage="ftp"}'), 1);
    assert.equal(value('deeperthings_stage_latency_seconds_sum{stage="ftp"}'), 0.04);
    assert.equal(value('deeperthings_plan_devices'), 3);
    assert.ok(value('deeperthings_plan_predicted_latency_seconds') > 0);
  });
});
