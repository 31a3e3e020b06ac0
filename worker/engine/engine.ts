/**
 * The task-level engine seam (DESIGN.md worker/engine: `compile(task, weights) → run(inputs)`).
 * A program (shared/plan/program.ts) says what a task computes; an engine lowers it once per plan
 * (weights uploaded or baked in) and runs it per frame on host tensors. Two engines: tfjs (wasm /
 * cpu / tfjs-node, tfjs-engine.ts) and ONNX Runtime (ort/engine.ts).
 */
import type { Tensor3 } from '../../shared/tensor.ts';
import type { ProgramWeights, TaskProgram } from '../../shared/plan/program.ts';

export interface TaskRun {
  /** Values of the program's kept nodes that the run computed, as H×W×C host tensors of their selection. */
  readonly outputs: Map<number, Tensor3>;
  /** Peak activation bytes held during the run (programPeakBytes). */
  readonly peakBytes: number;
  /** Program cuts the engine cut itself, by selKey; a kept node all of whose cuts are here may be absent from `outputs`. */
  readonly cuts?: ReadonlyMap<string, Tensor3>;
}

export interface CompiledTask {
  /** The engine that runs it: 'tfjs-<backend>' or 'ort' (an ORT task may fall back to tfjs). */
  readonly engine: string;
  /** Runs on host tensors, one per program feed part (feedTensors: a reduce feed's partial sums each), in order. */
  run(feeds: readonly Tensor3[]): Promise<TaskRun>;
  /** Frees what compile kept (weight tensors, sessions). */
  dispose(): void;
}

export interface Engine {
  readonly name: string;
  compile(program: TaskProgram, weights: ProgramWeights): Promise<CompiledTask>;
}

export type EngineChoice = 'auto' | 'ort' | 'tfjs';
export const ENGINE_CHOICES: readonly EngineChoice[] = ['auto', 'ort', 'tfjs'];
