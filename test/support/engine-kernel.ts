/** One kernel as a one-step task program on any engine: the same path a plan's tasks take. */
import type { Model, Node, NodeWeights } from '../../shared/model/ir.ts';
import type { FeedSpec, StepSpec, TaskProgram } from '../../shared/plan/program.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { Shape3 } from '../../shared/model/ir.ts';
import type { Engine } from '../../worker/engine/engine.ts';
import type { KernelOverrides } from '../../worker/engine/kernels/index.ts';
import { runProgram } from '../../worker/engine/executor.ts';

const full = (s: { h: number; w: number; c: number }) => ({ region: { y0: 0, y1: s.h, x0: 0, x1: s.w }, channels: { c0: 0, c1: s.c } });
const NO_PAD = { top: 0, bottom: 0, left: 0, right: 0 };

function programModel(node: Node, input: Shape3): Model {
  const nodes: Node[] = [];
  nodes[node.id] = node;
  return { name: 'kernel', format: 'darknet', input, nodes, outputs: [node.id], preprocess: { resize: 'stretch', scale: 1 }, head: 'none' };
}

/** Runs `node` on `inputs` (fed as synthetic nodes −2, −3, …) with the overrides; `out` is the expected output shape. */
export async function runKernelOn(engine: Engine, node: Node, inputs: Tensor3[], w: NodeWeights | undefined, over: KernelOverrides, out: Shape3): Promise<Tensor3> {
  const feeds: FeedSpec[] = inputs.map((t, k) => ({ node: -2 - k, ...full(t.shape), finish: false }));
  // A crop reads its window of the input (the geometry's shifted region), like every crop in a plan.
  const inSels = node.kind === 'crop'
    ? [{ node: -2, region: { y0: node.top, y1: node.top + out.h, x0: node.left, x1: node.left + out.w }, channels: feeds[0]!.channels }]
    : feeds.map(({ node: n, region, channels }) => ({ node: n, region, channels }));
  const step: StepSpec = {
    node: node.id, ...full(out), inputs: inSels, pad: over.pad ?? ('pad' in node ? node.pad : NO_PAD),
    partial: over.partial === true, ...(over.groups !== undefined ? { groups: over.groups } : {}), tile: node.kind === 'crop',
  };
  const p: TaskProgram = { name: `kernel ${node.kind}`, model: programModel(node, inputs[0]!.shape), feeds, steps: [step], keep: [node.id] };
  return (await runProgram(engine, p, () => w, inputs)).outputs.get(node.id)!;
}

/** finalizePartial on `sum` as a program: a finished feed. */
export async function finishOn(engine: Engine, node: Node, sum: Tensor3, w: NodeWeights): Promise<Tensor3> {
  const p: TaskProgram = {
    name: 'finish', model: programModel(node, sum.shape), feeds: [{ node: node.id, ...full(sum.shape), finish: true }], steps: [], keep: [node.id],
  };
  return (await runProgram(engine, p, () => w, [sum])).outputs.get(node.id)!;
}
