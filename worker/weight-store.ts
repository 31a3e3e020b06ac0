/**
 * A device's weights: only the slices its tasks use (PAPER §3.2), materialised once per plan.
 * FTP tasks replicate their stack's (small) weights; LOP/LIP/FUSE tasks hold their channel slice;
 * a reduce holds the bias/BN of its output range. The full weights can be dropped afterwards.
 */
import type { Model, NodeWeights, Weights } from '../shared/model/ir.ts';
import { nodeInputs } from '../shared/model/ir.ts';
import { hasWeights } from '../shared/model/kinds.ts';
import { assert } from '../shared/errors.ts';
import type { NodeRun, PlanDoc, TaskDoc } from '../shared/plan/types.ts';
import { sliceWeights, weightBytes, type SliceSpec } from '../shared/partition/slice.ts';
import { sliceKey } from '../shared/plan/footprint.ts';

type Use = NodeRun | { node: number; finish: true };

function sliceOf(use: Use): SliceSpec & { key: string } {
  if ('finish' in use) return { key: `${use.node}|finish`, finishOnly: true };
  return { key: sliceKey(use), out: use.outChannels, in: use.inChannels };
}

export class WeightStore {
  readonly #model: Model;
  readonly #slices = new Map<string, NodeWeights>();
  readonly #finishRange = new Map<string, { c0: number; c1: number }>();

  constructor(ctx: { model: Model; plan: PlanDoc; worker: string; weights: Weights }) {
    this.#model = ctx.model;
    for (const s of ctx.plan.stages) {
      for (const t of s.tasks) if (t.worker === ctx.worker) this.#materialize(t, ctx.weights);
    }
  }

  #materialize(task: TaskDoc, weights: Weights): void {
    const uses: Use[] = [...task.runs];
    for (const n of task.needs) {
      if (n.reduce) {
        uses.push({ node: n.sel.node, finish: true });
        this.#finishRange.set(`${task.id}|${n.sel.node}`, n.sel.channels);
      }
    }
    for (const use of uses) {
      const node = this.#model.nodes[use.node]!;
      const full = weights.get(use.node);
      if (!hasWeights(node)) continue;
      assert(full, () => `worker: no weights for layer ${use.node} (${node.kind})`);
      const s = sliceOf(use);
      const key = 'finish' in use ? `${s.key}|${task.id}` : s.key;
      if (this.#slices.has(key)) continue;
      const out = 'finish' in use ? this.#finishRange.get(`${task.id}|${use.node}`) : s.out;
      const whole = !out && !s.in && !s.finishOnly;
      this.#slices.set(key, whole ? full : sliceWeights(node, full, nodeInputs(this.#model, node)[0]!, { ...s, out }));
    }
  }

  get(task: TaskDoc, use: Use): NodeWeights | undefined {
    const s = sliceOf(use);
    return this.#slices.get('finish' in use ? `${s.key}|${task.id}` : s.key);
  }

  /** Bytes of weights this device holds. */
  get bytes(): number {
    let b = 0;
    for (const w of this.#slices.values()) b += weightBytes(w);
    return b;
  }
}
