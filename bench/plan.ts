/**
 * `npm run bench -- plan [--objective comm|memory|latency]... [--devices 2,6,16,32] [--runs 3]`:
 * solve times of the top-level planner (ILP-2 breakpoint, ILP-1 by chain DP, plan build and cost
 * model) for the paper's four models at full size and a 100-layer synthetic chain. Targets (the
 * planner issue): ≤ 1 s for YOLOv2 at N=6 and ≤ 10 s at N=32.
 */
import { parseArgs } from 'node:util';
import { loadDarknet, parseDarknet } from '../shared/model/darknet.ts';
import { assetPath } from '../shared/assets.ts';
import type { Model } from '../shared/model/ir.ts';
import { equalDevices } from '../planner/devices.ts';
import { choosePlan } from '../planner/choose/choose.ts';
import { emit, median, round } from './stats.ts';

const PAPER_MODELS = ['yolov2', 'vgg-16', 'alexnet', 'extraction'];

/** A 100-layer chain: 3×3 convs of 32..256 filters with a 2×2 max-pool every 20 layers. */
function syntheticChain(layers = 100): Model {
  const lines = ['[net]', 'height=224', 'width=224', 'channels=3'];
  for (let l = 0; l < layers; l++) {
    if (l % 20 === 19) lines.push('[maxpool]', 'size=2', 'stride=2');
    else lines.push('[convolutional]', 'batch_normalize=1', `filters=${32 << (Math.floor(l / 20) % 4)}`, 'size=3', 'stride=1', 'pad=1', 'activation=leaky');
  }
  return parseDarknet(lines.join('\n') + '\n', `synthetic-chain-${layers}.cfg`);
}

async function timed(model: Model, n: number, objective: string, runs: number): Promise<{ ms: number; label: string; bytes: number; latencyMs: number }> {
  const times: number[] = [];
  let last!: Awaited<ReturnType<typeof choosePlan>>;
  for (let r = 0; r < runs; r++) {
    last = await choosePlan(model, equalDevices(n), { objective });
    times.push(last.solveMs);
  }
  return { ms: median(times), label: last.chosen.label, bytes: last.chosen.cost.bytesPerFrame, latencyMs: last.chosen.cost.latencyMs };
}

export async function benchPlan(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: {
    objective: { type: 'string', multiple: true }, devices: { type: 'string', default: '2,6,16,32' }, runs: { type: 'string', default: '3' },
  } });
  const ns = values.devices!.split(',').map(Number);
  const runs = Math.max(1, Number(values.runs));
  const models: Model[] = [...await Promise.all(PAPER_MODELS.map((m) => loadDarknet(assetPath('darknet', `${m}.cfg`)))), syntheticChain()];
  const yolo: Record<string, number> = {};
  for (const objective of values.objective ?? ['comm', 'latency']) {
    for (const model of models) {
      for (const n of ns) {
        const r = await timed(model, n, objective, objective === 'latency' ? 1 : runs);
        emit({ bench: 'plan', model: model.name, layers: model.nodes.length, devices: n, objective, ms: round(r.ms), plan: r.label, mbPerFrame: round(r.bytes / 1e6, 2), latencyMs: round(r.latencyMs) });
        if (model.name === 'yolov2') yolo[`${objective} N=${n}`] = r.ms;
      }
    }
  }
  process.stdout.write(`# plan solve time, yolov2: ${Object.entries(yolo).map(([k, ms]) => `${k} ${round(ms)} ms`).join(', ')} (targets: N=6 ≤ 1000 ms, N=32 ≤ 10000 ms)\n`);
}
