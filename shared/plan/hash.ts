/** Stable hash of a model's structure, so a worker can refuse a plan made for another model. */
import { createHash } from 'node:crypto';
import type { Model } from '../model/ir.ts';

export function modelHash(model: Model): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([model.name, model.input, model.nodes.map((n) => [n.kind, n.inputs, n.out])]));
  return h.digest('hex').slice(0, 16);
}
