/** The kernel registry: one kernel per layer kind in one Map (tfjs's kernel registry, STYLE.md §4). */
import type { NodeKind } from '../../../shared/model/ir.ts';
import { activationKernel } from './activation.ts';
import { addKernel } from './add.ts';
import { concatKernel } from './concat.ts';
import { conv2dKernel } from './conv2d.ts';
import { cropKernel } from './crop.ts';
import { denseKernel } from './dense.ts';
import { identityKernel } from './identity.ts';
import type { Kernel } from './kernel.ts';
import { mulKernel } from './mul.ts';
import { avgPoolKernel, maxPoolKernel } from './pool.ts';
import { regionKernel } from './region.ts';
import { reorgKernel } from './reorg.ts';
import { softmaxKernel } from './softmax.ts';
import { upsampleKernel } from './upsample.ts';
import { yoloKernel } from './yolo.ts';

export type { Kernel, KernelCtx, KernelOverrides } from './kernel.ts';
export { activate } from './activation.ts';
export { cached, disposeCache } from './cache.ts';
export { finalizePartial } from './finalize.ts';

const registry = new Map<NodeKind, Kernel>();

function register(k: Kernel): void {
  if (registry.has(k.kind)) throw new Error(`engine: a kernel for "${k.kind}" is already registered`);
  registry.set(k.kind, k);
}

for (const k of [
  conv2dKernel, maxPoolKernel, avgPoolKernel, denseKernel, softmaxKernel, concatKernel, addKernel, mulKernel,
  activationKernel, reorgKernel, upsampleKernel, cropKernel, identityKernel, regionKernel, yoloKernel,
] as Kernel[]) register(k);

/** The kernel for `kind`; throws naming the kind when none is registered. */
export function getKernel(kind: NodeKind): Kernel {
  const k = registry.get(kind);
  if (k === undefined) throw new Error(`engine: no kernel registered for layer kind "${kind}"`);
  return k;
}

export function registeredKinds(): NodeKind[] {
  return [...registry.keys()];
}
