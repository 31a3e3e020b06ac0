/**
 * Workers load the model a plan names (built-in name or a file name in their own model directories,
 * never a path: worker/model-ref.ts; the plan's input size, optional weights file) once and keep it;
 * synthetic weights are seeded from the model, so every worker holds identical values without
 * shipping them.
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { PlanDoc } from '../shared/plan/types.ts';
import { loadModel } from '../shared/model/load.ts';
import { resolveModelRef } from './model-ref.ts';
import { modelHash } from '../shared/plan/hash.ts';

export type ModelLoader = (m: PlanDoc['model']) => Promise<{ model: Model; weights: Weights; hash: string; weightsSource?: 'file' | 'synthetic' }>;

/** `modelDirs`: where plans' model and weights file names are looked up (`--model-dir`). */
export function cachingModelLoader(preloaded?: { model: Model; weights: Weights; source?: string }, modelDirs: readonly string[] = []): ModelLoader {
  const cache = new Map<string, ReturnType<ModelLoader>>();
  if (preloaded) {
    const hash = modelHash(preloaded.model);
    cache.set(hash, Promise.resolve({ ...preloaded, hash }));
  }
  return (m) => {
    const hit = cache.get(m.hash);
    if (hit) return hit;
    // Resolved before the cache entry: a refused name must not be cached under the plan's hash.
    const ref = resolveModelRef(m, modelDirs);
    const p = loadModel(ref.source, { inputSize: { h: m.input.h, w: m.input.w }, weights: ref.weights })
      .then(({ model, weights, weightsSource }) => ({ model, weights, weightsSource, hash: modelHash(model) }));
    cache.set(m.hash, p);
    p.catch(() => cache.delete(m.hash));
    return p;
  };
}
