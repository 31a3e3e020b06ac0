/**
 * Per-node FLOPs and parameter counts. Conv and dense use Darknet's count (src/convolutional_layer.c,
 * src/connected_layer.c: 2·multiply-adds, activation and batch norm not counted), so totals match
 * the BFLOPs Darknet prints. Other kinds get a small elementwise count; pure data movement
 * (concat, identity, reorg, upsample) counts 0.
 */
import { elements, nodeInputs, type Model, type Node } from './ir.ts';

export function nodeFlops(model: Model, node: Node): number {
  const ins = nodeInputs(model, node);
  const out = elements(node.out);
  switch (node.kind) {
    case 'conv2d':
      return 2 * node.size[0] * node.size[1] * (ins[0]!.c / node.groups) * node.filters * node.out.h * node.out.w;
    case 'dense':
      return 2 * elements(ins[0]!) * node.units;
    case 'maxpool':
    case 'avgpool':
      // One comparison or addition per window cell.
      return node.global ? elements(ins[0]!) : out * node.size[0] * node.size[1];
    case 'add': {
      // A strided Darknet shortcut adds only min(C1, C2) channels.
      const added = node.shortcutStride === undefined ? out * (ins.length - 1) : node.out.h * node.out.w * Math.min(ins[0]!.c, ins[1]!.c);
      return added + (node.activation === 'linear' ? 0 : out);
    }
    case 'mul':
    case 'activation':
      return out;
    case 'crop':
      return node.scale === 1 && node.shift === 0 ? 0 : 2 * out;
    case 'softmax':
    case 'region':
    case 'yolo':
      // exp, sum and divide (softmax) or a logistic per element: a few operations each.
      return 3 * out;
    case 'concat':
    case 'identity':
    case 'reorg':
    case 'upsample':
      return 0;
  }
}

/** Learned values: kernel + bias (+ BN scale, mean, variance). */
export function nodeParams(model: Model, node: Node): number {
  const ins = nodeInputs(model, node);
  switch (node.kind) {
    case 'conv2d': {
      const kernel = node.size[0] * node.size[1] * (ins[0]!.c / node.groups) * node.filters;
      return kernel + node.filters * (node.batchNorm ? 4 : 1);
    }
    case 'dense':
      return elements(ins[0]!) * node.units + node.units * (node.batchNorm ? 4 : 1);
    default:
      return 0;
  }
}

export interface ModelStats {
  readonly flops: number;
  readonly params: number;
}

export function modelStats(model: Model): ModelStats {
  let flops = 0;
  let params = 0;
  for (const node of model.nodes) {
    flops += nodeFlops(model, node);
    params += nodeParams(model, node);
  }
  return { flops, params };
}
