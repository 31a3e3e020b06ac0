/**
 * One task, end to end, on received pieces: assemble needs (stitch, or sum for a reduce), run the
 * task's compiled program (which finishes reduces and runs the nodes), cut the output pieces.
 * Engine-agnostic about where pieces come from, so the in-process cluster (verify) and the MQTT
 * worker run exactly the same code.
 */
import type { ChannelRange, Region, Tensor3 } from '../../shared/tensor.ts';
import { tensor3 } from '../../shared/tensor.ts';
import { assert } from '../../shared/errors.ts';
import type { PieceDoc, TaskDoc } from '../../shared/plan/types.ts';
import { selKey, selShape } from '../../shared/plan/sel.ts';
import type { FeedSpec, ValueSel } from '../../shared/plan/program.ts';
import { copyOverlap, partialSums, stitch, sumPartials, type Received } from './assemble.ts';
import type { CompiledTasks } from './compiled.ts';

export interface TaskEnv {
  readonly pieces: ReadonlyMap<string, PieceDoc>;
  readonly tasks: CompiledTasks;
  /** Adds each phase's wall time, ms (bench: where the per-task overhead goes). */
  readonly profile?: TaskProfile;
}

export interface TaskProfile { assembleMs: number; runMs: number; cutMs: number; tasks: number }

export interface TaskResult {
  readonly outputs: Map<string, Tensor3>;
  /** Values of nodes a head task gathered (model outputs), host copies. */
  readonly gathered: Map<number, Tensor3>;
  readonly peakBytes: number;
}

interface HostValue { readonly region: Region; readonly channels: ChannelRange; readonly t: Tensor3 }

/** Per need its tensors: the stitched selection, or the partial sums (the engine adds them when the feed has parts). */
function assembleNeeds(env: TaskEnv, task: TaskDoc, received: ReadonlyMap<string, Tensor3>, feeds: readonly FeedSpec[]): Tensor3[][] {
  return task.needs.map((need, k) => {
    const got: Received[] = need.pieces.map((id) => {
      const data = received.get(id);
      assert(data, () => `worker: task ${task.id} is missing piece ${id}`);
      return { sel: env.pieces.get(id)!.sel, data };
    });
    if (!need.reduce) return [stitch(need, got)];
    return (feeds[k]?.parts ?? 1) > 1 ? partialSums(need, got) : [sumPartials(need, got)];
  });
}

function cut(task: TaskDoc, p: PieceDoc, values: ReadonlyMap<number, HostValue>, cuts?: ReadonlyMap<string, Tensor3>): Tensor3 {
  const done = cuts?.get(selKey(p.sel));
  if (done) return done;
  const v = values.get(p.sel.node);
  assert(v, () => `worker: task ${task.id} has no value of layer ${p.sel.node} for piece ${p.id}`);
  const same = selShape(p.sel), have = v.t.shape;
  if (same.h === have.h && same.w === have.w && same.c === have.c) return v.t;
  const out = tensor3(same);
  copyOverlap(v.t, v, out, p.sel);
  return out;
}

/** Run one task. `input` is the frame tensor for ingest tasks. */
export async function runTask(env: TaskEnv, task: TaskDoc, received: ReadonlyMap<string, Tensor3>, input?: Tensor3): Promise<TaskResult> {
  const { program, compiled } = await env.tasks.get(task);
  const t0 = performance.now();
  const perFeed = assembleNeeds(env, task, received, program.feeds);
  const t1 = performance.now();
  if (task.kind === 'ingest') {
    assert(input, () => `worker: ingest task ${task.id} got no frame`);
    perFeed.unshift([input]);
  }
  const values = new Map<number, HostValue>(program.feeds.flatMap((f, k) => (perFeed[k]!.length === 1 ? [[f.node, { ...f, t: perFeed[k]![0]! }] as const] : [])));
  const feeds = perFeed.flat();
  let peakBytes = feeds.reduce((b, t) => b + t.data.byteLength, 0);
  let cuts: ReadonlyMap<string, Tensor3> | undefined;
  if (compiled) {
    const r = await compiled.run(feeds);
    peakBytes = r.peakBytes;
    cuts = r.cuts;
    const sels = new Map<number, ValueSel>([...program.feeds, ...program.steps].map((s) => [s.node, s]));
    for (const [n, t] of r.outputs) values.set(n, { ...sels.get(n)!, t });
  }
  const t2 = performance.now();
  const outputs = new Map(task.outputs.map((id) => [id, cut(task, env.pieces.get(id)!, values, cuts)]));
  const pr = env.profile;
  if (pr) {
    pr.assembleMs += t1 - t0;
    pr.runMs += t2 - t1;
    pr.cutMs += performance.now() - t2;
    pr.tasks++;
  }
  const gathered = new Map<number, Tensor3>();
  if (task.kind === 'head') for (const n of task.needs) gathered.set(n.sel.node, values.get(n.sel.node)!.t);
  return { outputs, gathered, peakBytes };
}
