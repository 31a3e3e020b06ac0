/** Files shipped with the package (sample photos, Darknet cfgs, label lists), resolved from this module. */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { existsSync } from 'node:fs';

export const ASSETS_DIR = fileURLToPath(new URL('../assets/', import.meta.url));

export function assetPath(...parts: string[]): string {
  return join(ASSETS_DIR, ...parts);
}

export const SAMPLE_IMAGE = assetPath('dog.jpg');

/** Built-in model names → bundled files, so `--model yolov2` works without a path. */
export function resolveBuiltinModel(spec: string): string {
  if (existsSync(spec)) return spec;
  const cfg = assetPath('darknet', spec.endsWith('.cfg') ? spec : `${spec}.cfg`);
  return existsSync(cfg) ? cfg : spec;
}
