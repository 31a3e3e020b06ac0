/**
 * A stranger's messages (issue 14 §4), seeded: every topic workers and planner subscribe to gets
 * random bytes, truncated and mutated tensor messages, shape/byte-count mismatches, huge declared
 * sizes, wrong plan ids, empty and broken retained plans, phantom workers, forged `offline` states,
 * plans with unknown layers or impossible assignments, bridge requests with wrong types and
 * forged predictions. `hostileMessages` yields them; the tests publish them and check the cluster.
 */
import { encode as cborEncode } from 'cbor-x';
import type { Topics } from '../../shared/topics.ts';
import type { PlanDoc, PieceDoc } from '../../shared/plan/types.ts';
import { encodeTensorMessage } from '../../shared/wire/tensor-codec.ts';
import { pieceTopic } from '../../worker/runtime/outbox.ts';
import { Topics as TopicsClass } from '../../shared/topics.ts';
import { connect, startPlanner, startWorker, type Target } from '../../cli/stack.ts';
import { DEFAULTS } from '../../shared/config/defaults.ts';
import type { Model, Weights } from '../../shared/model/ir.ts';
import { fusedPlanFn } from './runtime.ts';
import { mulberry32 } from '../../shared/model/synthetic.ts';

const ADOPT_MS = 3000;

/**
 * Two workers and a planner with Home Assistant discovery, short deadlines and adoption time, so a
 * fuzz run sees expiries and silent phantoms within seconds; `settled` waits for a plan of w0 and
 * w1 that both run.
 */
export async function hostileCluster(target: Target, model: Model, weights: Weights, topics = new TopicsClass()) {
  const workers: Awaited<ReturnType<typeof startWorker>>[] = [];
  for (const id of ['w0', 'w1']) {
    workers.push(await startWorker(target, topics, {
      id, memoryBytes: 4e9, speedGflops: 10, linkBps: 1e8, backend: 'wasm', preloaded: { model, weights },
      extra: { decode: { threshold: 0.005 }, deadlineMs: 8000, statsIntervalMs: 200, statsHeartbeatMs: 2000, snapshotQuality: 0 },
    }));
  }
  const planner = await startPlanner(target, topics, { model, plan: fusedPlanFn('yolov2-tiny', 10), expectedWorkers: 2, waitMs: 20_000, adoptMs: ADOPT_MS, config: structuredClone(DEFAULTS) });
  const client = await connect(target, `stranger-${Math.random().toString(36).slice(2)}`);
  const settled = async (ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const plan = planner.planner.plan;
      const real = plan && plan.devices.map((d) => d.id).sort().join(',') === 'w0,w1';
      if (real && workers.every((w) => w.worker.plan?.planId === plan.planId)) return plan;
      if (Date.now() > deadline) throw new Error(`no plan for w0, w1 adopted by both (planner: ${plan?.devices.map((d) => d.id).join(', ')}; workers: ${workers.map((w) => w.worker.plan?.planId).join(', ')})`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    await planner.stop();
    for (const w of workers) { await w.worker.stop(); await w.transport.close(); }
    await client.close();
  };
  return { topics, workers, planner, client, settled, stop };
}


export interface HostileMessage {
  readonly kind: string;
  readonly topic: string;
  readonly payload: Uint8Array | string;
  readonly retain?: boolean;
}

/** A seeded PRNG (mulberry32, shared with the synthetic weights), so a failing case can be replayed. */
export const rng = mulberry32;

function bytes(r: () => number, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** A tensor message built by hand (shared/wire/tensor-codec.ts layout): 'DT1\\0', header length, CBOR header, data at a 4-byte boundary. */
function rawTensor(header: object, dataBytes: number): Uint8Array {
  const h = cborEncode(header) as Uint8Array;
  const offset = Math.ceil((8 + h.length) / 4) * 4;
  const out = new Uint8Array(offset + dataBytes);
  out.set([0x44, 0x54, 0x31, 0], 0);
  new DataView(out.buffer).setUint32(4, h.length, true);
  out.set(h, 8);
  return out;
}

function realPiece(plan: PlanDoc, p: PieceDoc, o: { frame: number; planId?: string; fill?: number }): Uint8Array {
  const { region: rg, channels: ch } = p.sel;
  const shape: [number, number, number] = [rg.y1 - rg.y0, rg.x1 - rg.x0, ch.c1 - ch.c0];
  return encodeTensorMessage({ frame: o.frame, plan: o.planId ?? plan.planId, stage: p.stage, piece: p.id, region: rg, channels: ch, shape, partial: p.partial, t: Date.now() },
    new Float32Array(shape[0] * shape[1] * shape[2]).fill(o.fill ?? 0));
}

/** Broken plans a stranger could retain: each must be refused with a code, the current plan kept. */
export function brokenPlans(plan: PlanDoc): { kind: string; payload: string }[] {
  const clone = () => JSON.parse(JSON.stringify(plan)) as { -readonly [K in keyof PlanDoc]: any };
  const unknownLayer = clone();
  unknownLayer.planId = 'forged-unknown-layer';
  unknownLayer.stages[1].tasks[0].runs[0] = { ...unknownLayer.stages[1].tasks[0].runs[0], node: 999 };
  const impossible = clone();
  impossible.planId = 'forged-impossible';
  impossible.stages[1].tasks[0].needs[0].pieces = ['no/such-piece'];
  const shadow = clone();
  shadow.planId = 'forged-shadow';
  shadow.model = { ...shadow.model, weights: '/etc/shadow' };
  const traversal = clone();
  traversal.planId = 'forged-traversal';
  traversal.model = { ...traversal.model, source: '../../../etc/passwd' };
  const noWorker = clone();
  noWorker.planId = 'forged-no-worker';
  noWorker.stages[0].tasks[0].worker = 42;
  return [
    { kind: 'plan-empty-json', payload: '{}' },
    { kind: 'plan-not-json', payload: '{"planId": "x", "version": 1, "stages": [' },
    { kind: 'plan-null', payload: 'null' },
    { kind: 'plan-version', payload: JSON.stringify({ ...plan, planId: 'forged-v99', version: 99 }) },
    { kind: 'plan-unknown-layer', payload: JSON.stringify(unknownLayer) },
    { kind: 'plan-impossible', payload: JSON.stringify(impossible) },
    { kind: 'plan-shadow', payload: JSON.stringify(shadow) },
    { kind: 'plan-traversal', payload: JSON.stringify(traversal) },
    { kind: 'plan-bad-worker', payload: JSON.stringify(noWorker) },
  ];
}

/**
 * `count` hostile messages against a cluster running `plan`. `workers`: the real worker ids (for
 * forged `offline`); `frames`: whether camera frames are included (each costs a decode).
 */
export function* hostileMessages(o: { topics: Topics; plan: PlanDoc; workers: readonly string[]; count: number; seed: number; frames?: boolean }): Generator<HostileMessage> {
  const r = rng(o.seed);
  const { topics: t, plan } = o;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const pieces = plan.pieces;
  const plans = brokenPlans(plan);
  const kinds: ((i: number) => HostileMessage)[] = [
    () => ({ kind: 'piece-random', topic: pieceTopic(t, pick(pieces)), payload: bytes(r, Math.floor(r() * 300)) }),
    (i) => {
      const whole = realPiece(plan, pick(pieces), { frame: 1_000_000 + i });
      return { kind: 'piece-truncated', topic: pieceTopic(t, pick(pieces)), payload: whole.subarray(0, Math.floor(r() * whole.length)) };
    },
    (i) => {
      const whole = Uint8Array.from(realPiece(plan, pick(pieces), { frame: 1_000_000 + i }));
      for (let k = 0; k < 4; k++) whole[Math.floor(r() * Math.min(whole.length, 200))] = Math.floor(r() * 256);
      return { kind: 'piece-mutated-header', topic: pieceTopic(t, pick(pieces)), payload: whole };
    },
    (i) => ({ kind: 'piece-wrong-plan', topic: pieceTopic(t, pick(pieces)), payload: realPiece(plan, pick(pieces), { frame: i, planId: `other-${i % 7}` }) }),
    (i) => {
      // The public plan id copied: at most one frame entry per forged frame, bounded (piece-check.ts).
      const p = pick(pieces);
      return { kind: 'piece-forged-frame', topic: pieceTopic(t, p), payload: realPiece(plan, p, { frame: 2_000_000 + (i % 200) }) };
    },
    (i) => {
      const p = pick(pieces);
      const header = { frame: i, plan: plan.planId, stage: p.stage, piece: p.id, shape: [65535, 65535, 4096], dtype: 'float32', t: 0, partial: false };
      return { kind: 'piece-huge-shape', topic: pieceTopic(t, p), payload: rawTensor(header, 16) };
    },
    (i) => {
      const p = pick(pieces);
      const header = { frame: i, plan: plan.planId, stage: p.stage, piece: p.id, shape: [2, 2, 2], dtype: 'float32', t: 0, partial: false };
      return { kind: 'piece-byte-mismatch', topic: pieceTopic(t, p), payload: rawTensor(header, 5) };
    },
    () => ({ kind: 'piece-cbor-junk', topic: pieceTopic(t, pick(pieces)), payload: rawTensor(pick([[1, 2], { frame: 'a' }, { plan: 1 }, { shape: [-1, 2, 2] }, {}]), 8) }),
    (i) => {
      // Right plan id and frame, wrong region: the plan says where a piece lies (piece-check.ts).
      const p = pick(pieces);
      const rg = { y0: 0, y1: 1, x0: 0, x1: 1 };
      return { kind: 'piece-wrong-region', topic: pieceTopic(t, p), payload: encodeTensorMessage({ frame: i, plan: plan.planId, stage: p.stage, piece: p.id, region: rg, channels: { c0: 0, c1: 1 }, shape: [1, 1, 1], partial: false, t: 0 }, new Float32Array(1)) };
    },
    () => {
      const p = pick(plans);
      return { kind: p.kind, topic: t.plan(), payload: p.payload, retain: true };
    },
    () => ({ kind: 'plan-empty', topic: t.plan(), payload: '', retain: true }),
    () => ({ kind: 'plan-random', topic: t.plan(), payload: bytes(r, 64), retain: true }),
    (i) => {
      const id = `a-phantom-${i % 5}`;
      return i % 2 === 0
        ? { kind: 'phantom-info', topic: t.workerInfo(id), payload: JSON.stringify({ id, version: '1', memoryBytes: 8e9, speedGflops: 500, linkBps: 1e9, backend: 'phantom' }), retain: true }
        : { kind: 'phantom-state', topic: t.workerState(id), payload: 'online', retain: true };
    },
    () => ({ kind: 'forged-offline', topic: t.workerState(pick(o.workers)), payload: 'offline', retain: true }),
    () => ({ kind: 'worker-info-junk', topic: t.workerInfo(pick([...o.workers, 'x'])), payload: pick(['{', '[]', '{"id": 5}', '']) }),
    () => ({ kind: 'stats-junk', topic: t.workerStats(pick([...o.workers, 'zz'])), payload: pick(['{', '{"worker": 1}', 'null', '{"plan": 7}']) }),
    () => ({
      kind: 'bridge-wrong-types', topic: t.bridgeRequest(pick(['plan', 'info', 'health', 'restart-worker', 'nope'])),
      payload: pick(['{"transaction": {}, "objective": 5}', '{"id": 5}', '[1,2]', '"plan"', '{"objective": ["latency"]}', 'not json', '{"transaction": 1, "id": ["w0"]}']),
    }),
    (i) => ({ kind: 'forged-predictions', topic: t.cameraPredictions(`ghost${i % 20}`), payload: JSON.stringify({ camera: `ghost${i % 20}`, frame: i, plan: plan.planId, detections: [{ label: 'person', score: 0.9, box: [0, 0, 1, 1] }], latencyMs: { total: 1, stages: 'x' } }) }),
    () => ({ kind: 'ha-status-junk', topic: t.haStatus(), payload: pick(['', 'maybe', '{}', '\u0000']) }),
  ];
  const frames: ((i: number) => HostileMessage)[] = [
    () => ({ kind: 'frame-random', topic: t.cameraFrame('front'), payload: bytes(r, 1 + Math.floor(r() * 200)) }),
    () => ({ kind: 'frame-empty', topic: t.cameraFrame('front'), payload: new Uint8Array(0) }),
  ];
  const all = o.frames ? [...kinds, ...frames] : kinds;
  for (let i = 0; i < o.count; i++) yield pick(all)(i);
}
