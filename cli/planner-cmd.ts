/** `deeperthings planner`: the control plane (plans, re-plans on worker changes, bridge state). */
import type { Command } from './args.ts';
import { enumOpt, intOpt } from './args.ts';
import { TAIL_PINS } from '../shared/config/types.ts';
import { brokerOptions, targetFromOpts, topicsFromOpts } from './net-opts.ts';
import { untilSignal } from './signals.ts';
import { modelOptions, loadModelFromOpts, DEFAULT_MODEL } from './model-opts.ts';
import { startPlanner } from './stack.ts';
import { autoPlanFn } from '../planner/auto.ts';
import type { PlannerService } from '../planner/service.ts';
import { PlanInfeasibleError, UsageError } from '../shared/errors.ts';
import { configOption, configFromOpts } from './config-opts.ts';
import { uiOptions, dashboardFromOpts } from './ui-opts.ts';
import { wireFromOpts } from './wire-opts.ts';

/**
 * Resolves with the error when planning fails while no plan serves: there is nothing to serve, so
 * the command exits non-zero with the reason instead of waiting forever (issue 10 #1).
 */
export function firstPlanFailure(planner: PlannerService): Promise<Error> {
  return new Promise((resolve) => planner.failures.add((e) => {
    if ((e instanceof PlanInfeasibleError || e instanceof UsageError) && !planner.plan) resolve(e);
  }));
}

export const plannerCommand: Command = {
  name: 'planner',
  summary: 'Run the planner service: plan for the workers online, re-plan when one joins or leaves.',
  usage: 'planner --broker mqtt://host:1883 --model <cfg|name> [--objective latency|fps|comm|memory] [--tail fused|lop|lip|seq|auto] [--workers N] [--wire float32|float16|int8] [--ui-port P]',
  options: {
    ...brokerOptions,
    ...modelOptions,
    ...configOption,
    ...uiOptions,
    objective: { type: 'string', help: 'what the plan minimises: latency (one frame) | fps (pipelined throughput) | comm | memory (the paper\'s) (default: the config\'s planner.objective, latency)' },
    tail: { type: 'string', help: 'pin the tail: fused (ILP-1) | lop (unfused, all-LOP) | lip | seq | auto (default: the config\'s planner.tail, auto)' },
    workers: { type: 'string', help: 'plan as soon as this many workers are online (default: the config\'s planner.devices)' },
    'wait-ms': { type: 'string', help: 'otherwise plan with whoever is online after this long (default: the config\'s planner.waitForWorkersSeconds)' },
    'liveness-ms': { type: 'string', help: 'a worker without stats for this long counts as gone, as its Last Will would say (default: the config\'s planner.livenessSeconds, 30 s)' },
    'data-source': { type: 'string', help: 'worker id that ingests frames and runs the head (default: the first by id)' },
    wire: { type: 'string', help: 'activations between devices: float32 (exact) | float16 | int8 (default: the config\'s planner.wire, float16)' },
  },
  async run(opts) {
    const config = await configFromOpts(opts);
    const { model } = await loadModelFromOpts(opts);
    const source = String(opts.model ?? DEFAULT_MODEL);
    const objective = String(opts.objective ?? config.planner.objective);
    const tail = enumOpt(opts, 'tail', TAIL_PINS, config.planner.tail);
    const declared = config.planner.devices;
    const target = targetFromOpts(opts, config);
    const { planner, stop } = await startPlanner(target, topicsFromOpts(opts, config), {
      config, model, objective,
      plan: autoPlanFn({ source, weights: opts.weights as string | undefined, objective, tail, wire: wireFromOpts(opts, config.planner.wire) }),
      expectedWorkers: intOpt(opts, 'workers', 1) ?? (typeof declared === 'number' ? declared : declared?.length),
      waitMs: intOpt(opts, 'wait-ms', 0) ?? Math.round(config.planner.waitForWorkersSeconds * 1000),
      dataSource: opts['data-source'] as string | undefined,
      livenessMs: intOpt(opts, 'liveness-ms', 100) ?? Math.round(config.planner.livenessSeconds * 1000),
    });
    const ui = await dashboardFromOpts(opts, { target, topics: topicsFromOpts(opts, config), planner, model });
    process.stdout.write(`planner for ${model.name} (objective ${objective}) at ${target.url}${ui ? `; dashboard ${ui.url}` : ''}\n`);
    const outcome = await Promise.race([untilSignal(), firstPlanFailure(planner)]);
    await ui?.stop();
    await stop({ clear: true });
    if (outcome instanceof Error) throw outcome;
    return 0;
  },
};
