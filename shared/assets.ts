/** Files shipped with the package (sample photos, Darknet cfgs, label lists), resolved from this module. */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const ASSETS_DIR = fileURLToPath(new URL('../assets/', import.meta.url));

export function assetPath(...parts: string[]): string {
  return join(ASSETS_DIR, ...parts);
}

export const SAMPLE_IMAGE = assetPath('dog.jpg');

/**
 * The installed @vladmandic/human package's root. Its `exports` map hides package.json and the
 * models/ folder from require.resolve, so resolve its main entry and walk up to its package.json.
 */
function humanPackageDir(): string | undefined {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve('@vladmandic/human'));
  } catch {
    return undefined;
  }
  for (; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@vladmandic/human') return dir;
  }
  return undefined;
}

/** Built-in TF.js graph models, by name → path inside an installed package. */
const TFJS_BUILTINS: Record<string, () => string | undefined> = {
  centernet: () => {
    const dir = humanPackageDir();
    return dir && join(dir, 'models', 'centernet.json');
  },
};

/** Built-in model names → bundled files, so `--model yolov2` or `--model centernet` works without a path. */
export function resolveBuiltinModel(spec: string): string {
  if (existsSync(spec)) return spec;
  const tfjs = TFJS_BUILTINS[spec]?.();
  if (tfjs !== undefined && existsSync(tfjs)) return tfjs;
  const cfg = assetPath('darknet', spec.endsWith('.cfg') ? spec : `${spec}.cfg`);
  return existsSync(cfg) ? cfg : spec;
}
