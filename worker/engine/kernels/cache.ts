/**
 * Backend tensors derived from host weights, cached per node so repeated frames don't re-upload
 * them. An entry remembers the host arrays it was built from; a different slice (another
 * Float32Array) rebuilds it and frees the old tensors, so the cache never holds two versions.
 */
import * as tf from '@tensorflow/tfjs-core';

interface Entry {
  readonly sources: readonly unknown[];
  readonly tensors: readonly tf.Tensor[];
}

function isEntry(v: unknown): v is Entry {
  return typeof v === 'object' && v !== null && 'sources' in v && 'tensors' in v;
}

/** The tensors cached under `key` if built from the same `sources` (by identity), else `build()` kept. */
export function cached<T extends readonly tf.Tensor[]>(
  cache: Map<string, unknown>, key: string, sources: readonly unknown[], build: () => T,
): T {
  const hit = cache.get(key);
  if (isEntry(hit)) {
    if (hit.sources.length === sources.length && hit.sources.every((s, i) => s === sources[i])) return hit.tensors as T;
    for (const t of hit.tensors) t.dispose();
    cache.delete(key);
  }
  // tidy frees the build's temporaries; keep protects the results from an enclosing tidy
  // (kernels run inside the executor's), which would otherwise free them after this frame.
  const built = tf.tidy(() => build() as unknown as tf.Tensor[]) as tf.Tensor[];
  const tensors = built.map((t) => tf.keep(t)) as unknown as T;
  cache.set(key, { sources, tensors } satisfies Entry);
  return tensors;
}

/** Frees every backend tensor the cache holds and empties it (call when a task or run ends). */
export function disposeCache(cache: Map<string, unknown>): void {
  for (const v of cache.values()) if (isEntry(v)) for (const t of v.tensors) t.dispose();
  cache.clear();
}
