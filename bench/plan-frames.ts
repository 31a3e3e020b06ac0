/**
 * A plan's tasks compiled once and run frame after frame in this process (every device's tasks in
 * plan order, pieces handed over in memory): what the per-task engine costs without the network.
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Tensor3 } from '../shared/tensor.ts';
import type { PlanDoc } from '../shared/plan/types.ts';
import type { Engine } from '../worker/engine/engine.ts';
import { WeightStore } from '../worker/weight-store.ts';
import { CompiledTasks } from '../worker/tasks/compiled.ts';
import { runTask, type TaskProfile } from '../worker/tasks/run-task.ts';

export interface PlanFrames {
  readonly tasks: number;
  /** One frame; resolves to its wall time and the model outputs. */
  frame(input: Tensor3): Promise<{ ms: number; outputs: Map<number, Tensor3> }>;
  dispose(): Promise<void>;
}

export async function planFrames(model: Model, weights: Weights, plan: PlanDoc, engine: Engine, profile?: TaskProfile): Promise<PlanFrames> {
  const pieces = new Map(plan.pieces.map((p) => [p.id, p]));
  const devices = new Map(plan.devices.map((d) => {
    const store = new WeightStore({ model, plan, worker: d.id, weights });
    return [d.id, new CompiledTasks({ model, pieces, engine, weightsFor: (t, use) => store.get(t, use) })];
  }));
  const tasks = plan.stages.flatMap((s) => s.tasks);
  // Compile every task up front (once per plan), as a worker does on its first frame.
  for (const t of tasks) await devices.get(t.worker)!.get(t);
  return {
    tasks: tasks.length,
    async frame(input) {
      const t0 = performance.now();
      const inbox = new Map<string, Tensor3>();
      let outputs = new Map<number, Tensor3>();
      for (const t of tasks) {
        const r = await runTask({ pieces, tasks: devices.get(t.worker)!, ...(profile ? { profile } : {}) }, t, inbox, t.kind === 'ingest' ? input : undefined);
        for (const [id, data] of r.outputs) inbox.set(id, data);
        if (t.kind === 'head') outputs = r.gathered;
      }
      return { ms: performance.now() - t0, outputs };
    },
    async dispose() {
      for (const d of devices.values()) await d.dispose();
    },
  };
}
