/**
 * Single-device inference of one image: decode → preprocess → reference executor → head decode.
 * The reference every partitioned run is compared with (DESIGN.md "Correctness rule").
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Tensor3 } from '../shared/tensor.ts';
import { decodeFrame, toModelInput } from './engine/image.ts';
import { runReference } from './engine/executor.ts';
import type { Engine } from './engine/engine.ts';
import { decodePredictions } from './head/index.ts';
import type { DecodeOptions } from './head/types.ts';

export interface InferResult {
  readonly input: Tensor3;
  readonly outputs: Map<number, Tensor3>;
  readonly prediction: ReturnType<typeof decodePredictions>;
  readonly ms: number;
  readonly image: { width: number; height: number };
}

export async function inferImage(ctx: { model: Model; weights: Weights; image: Uint8Array; decode?: DecodeOptions; engine?: Engine }): Promise<InferResult> {
  const img = await decodeFrame(ctx.image);
  const { tensor, transform } = toModelInput(img, ctx.model.input, ctx.model.preprocess);
  const t0 = performance.now();
  const outputs = await runReference(ctx.model, ctx.weights, tensor, { engine: ctx.engine });
  const ms = performance.now() - t0;
  const prediction = decodePredictions(ctx.model, outputs, transform, ctx.decode);
  return { input: tensor, outputs, prediction, ms, image: { width: img.width, height: img.height } };
}
