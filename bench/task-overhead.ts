/**
 * Per-task overhead of a YOLOv2 N=6 frame (issue 11 target: ≤ 5 % of compute, compile cached and
 * weights loaded once per plan): every device's tasks run in this process, and each phase of a task
 * is timed (worker/tasks/run-task.ts TaskProfile): assembling needs (stitch copies, partial sums),
 * the engine call outside ORT's session.run (tensor wrapping), cutting output pieces, and what is
 * left (the task loop). Compute is the time inside session.run.
 */
import { loadModel } from '../shared/model/load.ts';
import { resolveBuiltinModel } from '../shared/assets.ts';
import { ortEngine } from '../worker/engine/ort/engine.ts';
import type { TaskProfile } from '../worker/tasks/run-task.ts';
import { sampleInput } from '../worker/verify.ts';
import { buildPlan } from '../planner/plan/build.ts';
import { equalDevices } from '../planner/devices.ts';
import { defaultFtpLayers, specFromPreset } from '../planner/presets.ts';
import { planFrames } from './plan-frames.ts';
import { emit, median, round } from './stats.ts';

interface Phases { frameMs: number; computeMs: number; assembleMs: number; callMs: number; cutMs: number; otherMs: number }

export async function overheadLine(runs: number, threads: number): Promise<string> {
  let inRun = 0;
  const ort = await ortEngine({ threads, onRun: (ms) => { inRun += ms; } });
  const { model, weights } = await loadModel(resolveBuiltinModel('yolov2'));
  const plan = buildPlan(model, specFromPreset(model, { devices: equalDevices(6), ftpLayers: defaultFtpLayers(model), tail: 'fused' }));
  const profile: TaskProfile = { assembleMs: 0, runMs: 0, cutMs: 0, tasks: 0 };
  const pf = await planFrames(model, weights, plan, ort, profile);
  const input = sampleInput(model);
  await pf.frame(input);
  const frames: Phases[] = [];
  for (let i = 0; i < runs; i++) {
    inRun = 0;
    Object.assign(profile, { assembleMs: 0, runMs: 0, cutMs: 0, tasks: 0 });
    const { ms } = await pf.frame(input);
    frames.push({ frameMs: ms, computeMs: inRun, assembleMs: profile.assembleMs, callMs: profile.runMs - inRun, cutMs: profile.cutMs, otherMs: ms - profile.assembleMs - profile.runMs - profile.cutMs });
  }
  await pf.dispose();
  const share = median(frames.map((f) => (f.frameMs - f.computeMs) / f.computeMs));
  const med = (k: keyof Phases): number => round(median(frames.map((f) => f[k])));
  const phases = { frameMs: med('frameMs'), computeMs: med('computeMs'), assembleMs: med('assembleMs'), callMs: med('callMs'), cutMs: med('cutMs'), otherMs: med('otherMs') };
  emit({ bench: 'infer-overhead', model: model.name, devices: 6, tasks: pf.tasks, threads, runs, overheadShare: round(share * 100, 2), ...phases });
  return `YOLOv2 N=6 (${pf.tasks} tasks, compiled once): per-task overhead ${round(share * 100, 2)} % of compute (target ≤ 5 %): ` +
    `assemble ${phases.assembleMs} ms, engine call ${phases.callMs} ms, cut ${phases.cutMs} ms, loop ${phases.otherMs} ms over ${phases.computeMs} ms in session.run`;
}
