/** `deeperthings planner`: the control plane (plans, re-plans on worker changes, bridge state). */
import type { Command } from './args.ts';
import { enumOpt, intOpt } from './args.ts';
import { TAIL_PINS } from '../shared/config/types.ts';
import { brokerOptions, targetFromOpts, topicsFromOpts, untilSignal } from './net-opts.ts';
import { modelOptions, loadModelFromOpts, DEFAULT_MODEL } from './model-opts.ts';
import { startPlanner } from './stack.ts';
import { autoPlanFn } from '../planner/auto.ts';
import { configOption, configFromOpts } from './config-opts.ts';

export const plannerCommand: Command = {
  name: 'planner',
  summary: 'Run the planner service: plan for the workers online, re-plan when one joins or leaves.',
  usage: 'planner --broker mqtt://host:1883 --model <cfg|name> [--objective comm|memory|latency] [--tail fused|lop|lip|seq|auto] [--workers N]',
  options: {
    ...brokerOptions,
    ...modelOptions,
    ...configOption,
    objective: { type: 'string', help: 'what the plan minimises: comm | memory | latency', default: 'comm' },
    tail: { type: 'string', help: 'pin the tail: fused (ILP-1) | lop (unfused, all-LOP) | lip | seq | auto (default: planner.tail of the config, auto)' },
    workers: { type: 'string', help: 'plan as soon as this many workers are online' },
    'wait-ms': { type: 'string', help: 'otherwise plan with whoever is online after this long', default: '10000' },
    'data-source': { type: 'string', help: 'worker id that ingests frames and runs the head (default: the first by id)' },
  },
  async run(opts) {
    const config = await configFromOpts(opts);
    const { model } = await loadModelFromOpts(opts);
    const source = String(opts.model ?? DEFAULT_MODEL);
    const { stop } = await startPlanner(targetFromOpts(opts), topicsFromOpts(opts, config), {
      config,
      model, plan: autoPlanFn({ source, weights: opts.weights as string | undefined, objective: String(opts.objective), tail: enumOpt(opts, 'tail', TAIL_PINS, config.planner.tail) }),
      expectedWorkers: intOpt(opts, 'workers', 1), waitMs: intOpt(opts, 'wait-ms', 0), dataSource: opts['data-source'] as string | undefined,
    });
    process.stdout.write(`planner for ${model.name} at ${String(opts.broker)}\n`);
    await untilSignal();
    await stop();
    return 0;
  },
};
