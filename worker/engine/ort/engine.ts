/**
 * The ONNX Runtime engine: each task program is exported to an ONNX model (export.ts) with its
 * weight slice baked in, and run by onnxruntime-node's CPU engine from the buffer, with intra-op
 * threads = the device's cores (cgroup-aware, cores.ts). A task with a layer ONNX can't express falls back to tfjs, and
 * says so in the log. onnxruntime-node is an optional dependency: loadOrt() tells whether it loads.
 */
import type * as Ort from 'onnxruntime-node';
import { tensor3, type Tensor3 } from '../../../shared/tensor.ts';
import { assert } from '../../../shared/errors.ts';
import { logger } from '../../../shared/log.ts';
import { feedTensors, programPeakBytes, selDims, type ProgramWeights, type TaskProgram } from '../../../shared/plan/program.ts';
import type { CompiledTask, Engine } from '../engine.ts';
import { compileTfjs } from '../tfjs-engine.ts';
import { exportProgram, programOutputs } from './export.ts';
import { selKey } from '../../../shared/plan/sel.ts';
import { OnnxUnsupportedError } from './lower-util.ts';
import { deviceCores } from '../cores.ts';

const log = logger('engine');
type OrtModule = typeof Ort;

let ort: Promise<OrtModule> | undefined;

/** onnxruntime-node, loaded once; rejects when the optional package or its binary is missing. */
export function loadOrt(): Promise<OrtModule> {
  // A variable specifier keeps the optional package out of static resolution.
  const spec = 'onnxruntime-node';
  ort ??= import(spec).then((m: OrtModule & { default?: OrtModule }) => m.default ?? m);
  ort.catch(() => { ort = undefined; });
  return ort;
}

export interface OrtOptions {
  /** Intra-op threads (default: this device's cores, cgroup quota included: cores.ts). */
  readonly threads?: number;
  /** Time spent inside session.run, summed (bench: per-task overhead). */
  readonly onRun?: (ms: number) => void;
}

async function session(o: OrtModule, bytes: Uint8Array, threads: number): Promise<Ort.InferenceSession> {
  return o.InferenceSession.create(bytes, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all', executionProviders: ['cpu'],
    // A device holds one session per task; idle pools spinning for work would steal the cores the running one needs.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

async function compileOrt(o: OrtModule, p: TaskProgram, weights: ProgramWeights, opts: OrtOptions): Promise<CompiledTask> {
  const s = await session(o, exportProgram(p, weights), opts.threads ?? deviceCores().cores);
  const { nodes: kept, cuts } = programOutputs(p);
  const sels = new Map([...p.feeds, ...p.steps].map((v) => [v.node, v]));
  const peakBytes = programPeakBytes(p);
  return {
    engine: 'ort',
    async run(feeds) {
      assert(feeds.length === feedTensors(p), () => `ort: task ${p.name} takes ${feedTensors(p)} feed tensors, got ${feeds.length}`);
      const inputs: Record<string, Ort.Tensor> = {};
      feeds.forEach((t, k) => { inputs[`f${k}`] = new o.Tensor('float32', t.data, [1, t.shape.h, t.shape.w, t.shape.c]); });
      const t0 = performance.now();
      const r = await s.run(inputs);
      opts.onRun?.(performance.now() - t0);
      const outputs = new Map<number, Tensor3>();
      for (const n of kept) {
        const [h, w, c] = selDims(sels.get(n)!);
        outputs.set(n, tensor3({ h, w, c }, r[`o${n}`]!.data as Float32Array));
      }
      const cut = new Map(cuts.map((k) => {
        const [h, w, c] = selDims(k.sel);
        return [selKey(k.sel), tensor3({ h, w, c }, r[k.name]!.data as Float32Array)] as const;
      }));
      return { outputs, peakBytes, ...(cut.size > 0 ? { cuts: cut } : {}) };
    },
    dispose: () => { void s.release(); },
  };
}

/** An ORT engine; `auto`-style fallback to tfjs per task when a layer has no ONNX lowering. */
export async function ortEngine(opts: OrtOptions = {}): Promise<Engine> {
  const o = await loadOrt();
  return {
    name: 'ort',
    async compile(p, weights) {
      try {
        return await compileOrt(o, p, weights, opts);
      } catch (e) {
        if (!(e instanceof OnnxUnsupportedError)) throw e;
        log.warn(`task ${p.name} runs on tfjs: ${e.message}`);
        return compileTfjs(p, weights);
      }
    },
  };
}
