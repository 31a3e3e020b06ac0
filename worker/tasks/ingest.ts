/**
 * The ingest task's host part (PAPER §1: the data source owns the frame): decode the camera
 * payload, letterbox or stretch it to the model input, and start the frame's metadata. Its output
 * pieces are then cut by runTask like every other task's.
 */
import type { Model } from '../../shared/model/ir.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import { toModelInput } from '../engine/image.ts';
import { decodeCameraPayload } from '../runtime/frame-input.ts';
import type { FrameMeta } from '../runtime/frame-meta.ts';

/** A frame ready for the ingest task; throws on an undecodable payload (the caller reports `bad-frame`). */
export function ingestFrame(model: Model, payload: Uint8Array, camera: string, frame: number): { meta: FrameMeta; input: Tensor3 } {
  const image = decodeCameraPayload(payload);
  const prepared = toModelInput(image, model.input, model.preprocess);
  const meta: FrameMeta = {
    frame, camera, width: image.width, height: image.height, transform: prepared.transform,
    frameTime: Date.now(), t0: performance.now(), stages: new Map(), image,
  };
  return { meta, input: prepared.tensor };
}
