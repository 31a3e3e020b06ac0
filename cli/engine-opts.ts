/** `--engine auto|ort|tfjs` and `--threads N` for the commands that compute (infer, verify, worker, up). */
import type { OptionSpec } from './args.ts';
import { parseEngine, selectEngine } from '../worker/engine/select.ts';
import { UsageError } from '../shared/errors.ts';

export const engineOption: Record<string, OptionSpec> = {
  engine: { type: 'string', help: 'compute engine: auto (ONNX Runtime when onnxruntime-node loads, else tfjs) | ort | tfjs', default: 'auto' },
  threads: { type: 'string', help: 'ONNX Runtime intra-op threads (default: this device\'s cores, capped by its cgroup CPU quota)' },
};

function threadsOpt(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`engine: --threads must be a whole number ≥ 1, got '${String(v)}'`);
  return n;
}

/** The engine the options ask for, started (the choice is logged). */
export async function engineFromOpts(opts: Record<string, unknown>): ReturnType<typeof selectEngine> {
  let choice;
  try {
    choice = parseEngine(opts.engine);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return selectEngine(choice, { threads: threadsOpt(opts.threads) });
}
