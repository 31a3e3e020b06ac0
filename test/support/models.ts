/** Bundled Darknet models at reduced input sizes, with seeded synthetic weights, cached per run. */
import { loadModel, type LoadedModel } from '../../shared/model/load.ts';
import { assetPath } from '../../shared/assets.ts';

const cache = new Map<string, Promise<LoadedModel>>();

export function darknetModel(name: string, size?: number): Promise<LoadedModel> {
  const key = `${name}@${size ?? 'cfg'}`;
  let m = cache.get(key);
  if (!m) {
    m = loadModel(assetPath('darknet', `${name}.cfg`), size ? { inputSize: { h: size, w: size } } : {});
    cache.set(key, m);
  }
  return m;
}
