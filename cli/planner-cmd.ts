/** `deeperthings planner`: the control plane (plans, re-plans on worker changes, bridge state). */
import type { Command } from './args.ts';
import { intOpt } from './args.ts';
import { brokerOptions, targetFromOpts, topicsFromOpts } from './net-opts.ts';
import { untilSignal } from './signals.ts';
import { modelOptions, loadModelFromOpts, DEFAULT_MODEL } from './model-opts.ts';
import { startPlanner } from './stack.ts';
import { autoPlanFn } from '../planner/auto.ts';
import type { PlannerService } from '../planner/service.ts';
import { PlanInfeasibleError, UsageError } from '../shared/errors.ts';
import { configOption, configFromOpts } from './config-opts.ts';

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
  usage: 'planner --broker mqtt://host:1883 --model <cfg|name> [--objective comm|memory|latency] [--workers N]',
  options: {
    ...brokerOptions,
    ...modelOptions,
    ...configOption,
    objective: { type: 'string', help: 'what the plan minimises: comm | memory | latency (default: the config\'s planner.objective)' },
    workers: { type: 'string', help: 'plan as soon as this many workers are online (default: the config\'s planner.devices)' },
    'wait-ms': { type: 'string', help: 'otherwise plan with whoever is online after this long (default: the config\'s planner.waitForWorkersSeconds)' },
    'data-source': { type: 'string', help: 'worker id that ingests frames and runs the head (default: the first by id)' },
  },
  async run(opts) {
    const config = await configFromOpts(opts);
    const { model } = await loadModelFromOpts(opts);
    const source = String(opts.model ?? DEFAULT_MODEL);
    const objective = String(opts.objective ?? config.planner.objective);
    const declared = config.planner.devices;
    const target = targetFromOpts(opts, config);
    const { planner, stop } = await startPlanner(target, topicsFromOpts(opts, config), {
      config, model, objective,
      plan: autoPlanFn({ source, weights: opts.weights as string | undefined, objective }),
      expectedWorkers: intOpt(opts, 'workers', 1) ?? (typeof declared === 'number' ? declared : declared?.length),
      waitMs: intOpt(opts, 'wait-ms', 0) ?? Math.round(config.planner.waitForWorkersSeconds * 1000),
      dataSource: opts['data-source'] as string | undefined,
    });
    process.stdout.write(`planner for ${model.name} (objective ${objective}) at ${target.url}\n`);
    const outcome = await Promise.race([untilSignal(), firstPlanFailure(planner)]);
    await stop({ clear: true });
    if (outcome instanceof Error) throw outcome;
    return 0;
  },
};
