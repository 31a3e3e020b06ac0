/** Task programs (shared/plan/program.ts): crops, tile padding, group slices and the peak they hold, from the geometry. */
import { strict as assert } from 'node:assert';
import { INPUT, type Conv2dNode, type Model, type Node, type Shape3 } from '../../shared/model/ir.ts';
import { computedNodes, modelProgram, programPeakBytes, taskProgram } from '../../shared/plan/program.ts';

const pad1 = { top: 1, bottom: 1, left: 1, right: 1 };
function conv(id: number, inputs: number[], out: Shape3, groups = 1): Conv2dNode {
  return { id, name: `c${id}`, inputs, out, kind: 'conv2d', size: [3, 3], stride: [1, 1], dilation: [1, 1], pad: pad1, groups, filters: out.c, batchNorm: false, activation: 'leaky' };
}
function model(nodes: Node[], input: Shape3): Model {
  return { name: 'm', format: 'darknet', input, nodes, outputs: [nodes.length - 1], preprocess: { resize: 'stretch', scale: 1 }, head: 'none' };
}
const full = (s: Shape3) => ({ region: { y0: 0, y1: s.h, x0: 0, x1: s.w }, channels: { c0: 0, c1: s.c } });

describe('task programs', () => {
  const m = model([conv(0, [INPUT], { h: 8, w: 8, c: 4 }), conv(1, [0], { h: 8, w: 8, c: 4 }, 4)], { h: 8, w: 8, c: 4 });

  it('the whole model: the input fed, every node a whole-map step with its own padding', () => {
    const p = modelProgram(m);
    assert.deepEqual(p.feeds.map((f) => f.node), [INPUT]);
    assert.deepEqual(p.steps.map((s) => [s.node, s.tile, s.pad]), [[0, false, pad1], [1, false, pad1]]);
    assert.deepEqual(p.keep, [1]);
    assert.deepEqual([...computedNodes(p)], [0, 1]);
  });

  it('an FTP tile rows [0,4) of 2 convs k=3 p=1: crops [0,6) then [0,5), bottom padding 0 inside the map', () => {
    const sel = { node: INPUT, region: { y0: 0, y1: 6, x0: 0, x1: 8 }, channels: { c0: 0, c1: 4 } };
    const runs = [{ node: 0, region: { y0: 0, y1: 5, x0: 0, x1: 8 } }, { node: 1, region: { y0: 0, y1: 4, x0: 0, x1: 8 } }];
    const p = taskProgram(m, 't', [{ sel, reduce: false, pieces: [] }], runs, [1]);
    assert.deepEqual(p.steps.map((s) => [s.inputs[0]!.region, s.pad, s.tile]), [
      [{ y0: 0, y1: 6, x0: 0, x1: 8 }, { top: 1, bottom: 0, left: 1, right: 1 }, true],
      [{ y0: 0, y1: 5, x0: 0, x1: 8 }, { top: 1, bottom: 0, left: 1, right: 1 }, true],
    ]);
    // feed 6·8·4, +out 5·8·4; then the feed is freed and layer 1's 4·8·4 joins.
    assert.equal(programPeakBytes(p), 4 * (6 * 8 * 4 + 5 * 8 * 4));
  });

  it('an LOP slice of a depthwise conv reads only its groups\' input channels and runs with that many groups', () => {
    const runs = [{ node: 1, region: full(m.nodes[1]!.out).region, outChannels: { c0: 2, c1: 4 } }];
    const p = taskProgram(m, 'lop', [{ sel: { node: 0, ...full(m.nodes[0]!.out) }, reduce: false, pieces: [] }], runs, [1]);
    const s = p.steps[0]!;
    assert.deepEqual([s.inputs[0]!.channels, s.groups, s.channels, s.partial], [{ c0: 2, c1: 4 }, 2, { c0: 2, c1: 4 }, false]);
  });

  it('a reduce feed is finished by the engine and returned', () => {
    const p = taskProgram(m, 'r', [{ sel: { node: 1, ...full(m.nodes[1]!.out) }, reduce: true, pieces: [] }], [], [1]);
    assert.deepEqual([...computedNodes(p)], [1]);
  });
});
