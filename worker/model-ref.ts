/**
 * A plan names a model, never a file (issue 14 §4: a stranger's plan naming `/etc/shadow` as weights
 * made every worker open and read it). A worker resolves a plan's `model.source` and `model.weights`
 * only as bare file names inside its own model directories (`--model-dir`), or as a built-in model;
 * the loaded model must then match the plan's content hash (worker/service.ts checks that).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { resolveBuiltinModel } from '../shared/assets.ts';
import type { PlanDoc } from '../shared/plan/types.ts';

/** A file name without any directory part, not hidden, not `..`; letters, digits and `._+-` only. */
const BARE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** Why a plan's model reference is refused, or undefined when it is a bare name. */
export function refusedModelRef(m: PlanDoc['model']): string | undefined {
  for (const [field, value] of [['source', m.source ?? m.name], ['weights', m.weights]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || !BARE_NAME.test(value) || value.includes('..')) {
      return `plan names model ${field} ${JSON.stringify(String(value)).slice(0, 80)}: plans name models by file name only (no paths); workers load them from their own --model-dir`;
    }
  }
  return undefined;
}

function inDirs(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return undefined;
}

/**
 * Where a bare model name is loaded from: the model directories first, then the built-in models
 * (centernet, the bundled Darknet cfgs). Throws for names that are not bare or found nowhere.
 */
export function resolveModelRef(m: PlanDoc['model'], dirs: readonly string[]): { source: string; weights?: string } {
  const refusal = refusedModelRef(m);
  if (refusal) throw new Error(`worker: ${refusal}`);
  const name = m.source ?? m.name;
  const builtin = resolveBuiltinModel(name);
  // resolveBuiltinModel returns its argument when nothing bundled matches; a bare name then could be a file in the cwd.
  const source = inDirs(name, dirs) ?? (builtin !== name ? builtin : undefined);
  if (!source) throw new Error(`worker: model '${name}' is neither built in nor in the model directories (${dirs.join(', ') || 'none: pass --model-dir'})`);
  if (m.weights === undefined) return { source };
  const weights = inDirs(m.weights, dirs);
  if (!weights) throw new Error(`worker: weights '${m.weights}' are not in the model directories (${dirs.join(', ') || 'none: pass --model-dir'})`);
  return { source, weights };
}
