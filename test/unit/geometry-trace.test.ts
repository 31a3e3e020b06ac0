import { strict as assert } from 'node:assert';
import { windowOutSize } from '../../shared/geometry.ts';
import { traceStack } from '../../shared/geometry-trace.ts';
import { INPUT, type Model, type Node, type Pad4, type Shape3 } from '../../shared/model/ir.ts';
import type { Region } from '../../shared/tensor.ts';
import { mulberry32 } from '../../shared/model/synthetic.ts';

const R = (y0: number, y1: number, x0: number, x1: number): Region => ({ y0, y1, x0, x1 });
const P = (top: number, bottom: number, left: number, right: number): Pad4 => ({ top, bottom, left, right });

interface Win { kind: 'conv2d' | 'maxpool' | 'avgpool'; k: [number, number]; s: [number, number]; d: [number, number]; pad: Pad4 }

function windowNode(id: number, input: number, inp: Shape3, w: Win): Node {
  const out = { h: windowOutSize(inp.h, w.k[0], w.s[0], w.d[0], w.pad.top, w.pad.bottom), w: windowOutSize(inp.w, w.k[1], w.s[1], w.d[1], w.pad.left, w.pad.right), c: 2 };
  const base = { id, name: `n${id}`, inputs: [input], out, size: w.k, stride: w.s, pad: w.pad };
  return w.kind === 'conv2d'
    ? { ...base, kind: 'conv2d', dilation: w.d, groups: 1, filters: 2, batchNorm: false, activation: 'linear' }
    : { ...base, kind: w.kind, global: false };
}

function model(input: Shape3, nodes: Node[]): Model {
  return { name: 'm', format: 'darknet', input, nodes, outputs: [nodes.length - 1], preprocess: { resize: 'stretch', scale: 1 }, head: 'none' };
}

/** Random chain of window layers; undefined if some layer does not fit. */
function randomChain(rnd: (n: number) => number): { m: Model; wins: Win[] } | undefined {
  let shape: Shape3 = { h: 1 + rnd(40), w: 1 + rnd(40), c: 2 };
  const input = shape, nodes: Node[] = [], wins: Win[] = [];
  for (let id = 0, n = 1 + rnd(4); id < n; id++) {
    const kind = (['conv2d', 'maxpool', 'avgpool'] as const)[rnd(3)];
    const k: [number, number] = [1 + rnd(5), 1 + rnd(5)], s: [number, number] = [1 + rnd(3), 1 + rnd(3)];
    const d: [number, number] = kind === 'conv2d' ? [1 + rnd(2), 1 + rnd(2)] : [1, 1];
    const w: Win = { kind, k, s, d, pad: P(rnd(3), rnd(3), rnd(3), rnd(3)) };
    if (shape.h + w.pad.top + w.pad.bottom < (k[0] - 1) * d[0] + 1 || shape.w + w.pad.left + w.pad.right < (k[1] - 1) * d[1] + 1) return undefined;
    nodes.push(windowNode(id, id - 1, shape, w));
    wins.push(w);
    shape = nodes[id].out;
  }
  return { m: model(input, nodes), wins };
}

/** One axis of a window layer: [size, stride, dilation, leading pad, trailing pad]. */
type Axis = [number, number, number, number, number];
const axes = (w: Win): [Axis, Axis] => [[w.k[0], w.s[0], w.d[0], w.pad.top, w.pad.bottom], [w.k[1], w.s[1], w.d[1], w.pad.left, w.pad.right]];

describe('geometry: traceStack over chains (PAPER §2.2)', () => {
  it('brute force: every layer region is the clipped bounding box of the rows read, padding the rest', () => {
    const rnd = rng(11);
    for (let t = 0, done = 0; done < 1500; t++) {
      const chain = randomChain(rnd);
      if (!chain) continue;
      done++;
      const { m, wins } = chain, last = m.nodes.length - 1, o = m.nodes[last].out;
      const y0 = rnd(o.h), x0 = rnd(o.w);
      const sink = R(y0, y0 + 1 + rnd(o.h - y0), x0, x0 + 1 + rnd(o.w - x0));
      const tr = traceStack(m, m.nodes.map((n) => n.id), new Map([[last, sink]]));
      let want: [number, number][] = [[sink.y0, sink.y1], [sink.x0, sink.x1]];
      for (let id = last; id >= 0; id--) {
        const nt = tr.nodes.get(id)!, inp = id === 0 ? m.input : m.nodes[id - 1].out;
        assert.deepEqual(nt.out, R(want[0][0], want[0][1], want[1][0], want[1][1]));
        if (want.some(([lo, hi]) => hi <= lo)) {
          // Zero area: nothing is computed or read; the extent kept on the other axis shapes the consumer's crop.
          assert.deepEqual([nt.inputs, nt.pad], [[R(0, 0, 0, 0)], P(0, 0, 0, 0)]);
          want = [[0, 0], [0, 0]];
          continue;
        }
        const got = axes(wins[id]).map((ax, a) => bruteAxis(want[a], ax, a === 0 ? inp.h : inp.w));
        assert.deepEqual(nt.inputs, [R(got[0].lo, got[0].hi, got[1].lo, got[1].hi)], `trial ${t} node ${id}`);
        assert.deepEqual(nt.pad, P(got[0].padLo, got[0].padHi, got[1].padLo, got[1].padHi), `trial ${t} node ${id}`);
        want = [[got[0].lo, got[0].hi], [got[1].lo, got[1].hi]];
      }
      assert.deepEqual(tr.external, new Map([[INPUT, R(want[0][0], want[0][1], want[1][0], want[1][1])]]));
    }
  });

  it('numeric: running each layer VALID over crop + tile padding reproduces the full run, rows and columns', () => {
    const rnd = rng(5);
    for (let t = 0, done = 0; done < 600; t++) {
      const chain = randomChain(rnd);
      if (!chain) continue;
      const { m, wins } = chain, last = m.nodes.length - 1, o = m.nodes[last].out;
      const y0 = rnd(o.h), x0 = rnd(o.w);
      const tr = traceStack(m, m.nodes.map((n) => n.id), new Map([[last, R(y0, y0 + 1 + rnd(o.h - y0), x0, x0 + 1 + rnd(o.w - x0))]]));
      // One axis alone is meaningful only while every region has area (see the zero-area case above).
      if ([...tr.nodes.values()].some((nt) => nt.out.y1 <= nt.out.y0 || nt.out.x1 <= nt.out.x0)) continue;
      done++;
      for (const a of [0, 1] as const) {
        const n = a === 0 ? m.input.h : m.input.w;
        const signal = Array.from({ length: n }, () => rnd(19) - 9);
        let full = signal;
        const ext = tr.external.get(INPUT)!;
        let tile = a === 0 ? signal.slice(ext.y0, ext.y1) : signal.slice(ext.x0, ext.x1);
        for (let id = 0; id <= last; id++) {
          const ax = axes(wins[id])[a], nt = tr.nodes.get(id)!, fill = wins[id].kind === 'maxpool' ? -Infinity : 0;
          full = run1d(wins[id].kind, full, ax, ax[3], ax[4], fill);
          const [pl, ph] = a === 0 ? [nt.pad.top, nt.pad.bottom] : [nt.pad.left, nt.pad.right];
          tile = run1d(wins[id].kind, tile, ax, pl, ph, fill);
          const [r0, r1] = a === 0 ? [nt.out.y0, nt.out.y1] : [nt.out.x0, nt.out.x1];
          assert.deepEqual(tile, full.slice(r0, r1), `trial ${t} axis ${a} node ${id}`);
        }
      }
    }
  });
});

describe('geometry: traceStack over a DAG', () => {
  // 0: conv (outside the stack) → 1: conv 3x3 → {2: conv 3x3, 3: conv 5x5 p2} → 4: concat(2, 3) → 5: add(4, 0)
  const S16: Shape3 = { h: 16, w: 16, c: 2 };
  const c3: Win = { kind: 'conv2d', k: [3, 3], s: [1, 1], d: [1, 1], pad: P(1, 1, 1, 1) };
  const c5: Win = { ...c3, k: [5, 5], pad: P(2, 2, 2, 2) };
  const m = model(S16, [
    windowNode(0, INPUT, S16, c3), windowNode(1, 0, S16, c3), windowNode(2, 1, S16, c3), windowNode(3, 1, S16, c5),
    { id: 4, name: 'cat', kind: 'concat', inputs: [2, 3], out: { ...S16, c: 4 }, groups: 1, groupId: 0 },
    { id: 5, name: 'add', kind: 'add', inputs: [4, 0], out: { ...S16, c: 4 }, activation: 'linear' },
  ]);
  const stack = [1, 2, 3, 4, 5];

  it('interior tile: a node read by two branches computes the union of their needs', () => {
    const tr = traceStack(m, stack, new Map([[5, R(4, 8, 4, 8)]]));
    assert.deepEqual(tr.nodes.get(4)!.out, R(4, 8, 4, 8));
    assert.deepEqual(tr.nodes.get(2)!.inputs, [R(3, 9, 3, 9)]);
    assert.deepEqual(tr.nodes.get(3)!.inputs, [R(2, 10, 2, 10)]);
    assert.deepEqual(tr.nodes.get(1)!.out, R(2, 10, 2, 10));
    assert.deepEqual(tr.external, new Map([[0, R(1, 11, 1, 11)]]));
    assert.deepEqual([...tr.nodes.keys()], stack);
  });
  it('edge tile: padding is recomputed from the enlarged region', () => {
    const tr = traceStack(m, stack, new Map([[5, R(0, 4, 12, 16)]]));
    assert.deepEqual(tr.nodes.get(3)!.pad, P(2, 0, 0, 2));
    assert.deepEqual(tr.nodes.get(2)!.pad, P(1, 0, 0, 1));
    assert.deepEqual(tr.nodes.get(1)!.out, R(0, 6, 10, 16));
    assert.deepEqual(tr.nodes.get(1)!.pad, P(1, 0, 0, 1));
    assert.deepEqual(tr.nodes.get(1)!.inputs, [R(0, 7, 9, 16)]);
  });
  it('a sink also read inside the stack computes the union with its own wanted region', () => {
    const tr = traceStack(m, stack, new Map([[5, R(4, 8, 4, 8)], [2, R(12, 14, 0, 2)]]));
    assert.deepEqual(tr.nodes.get(2)!.out, R(4, 14, 0, 8));
    assert.deepEqual(tr.sinks, new Map([[5, R(4, 8, 4, 8)], [2, R(12, 14, 0, 2)]]));
  });
  it('errors name the broken rule', () => {
    assert.throws(() => traceStack(m, [1, 2, 2, 4, 5], new Map([[5, R(0, 1, 0, 1)]])), /geometry: stack node 2 listed twice/);
    assert.throws(() => traceStack(m, [2, 1, 3, 4, 5], new Map([[5, R(0, 1, 0, 1)]])), /not topological: node 2 reads node 1 listed after it/);
    assert.throws(() => traceStack(m, [1, 2, 3, 4], new Map([[5, R(0, 1, 0, 1)]])), /geometry: sink 5 is not in stack \[1, 2, 3, 4\]/);
    assert.throws(() => traceStack(m, [1, 2, 3, 4, 5], new Map()), /has no wanted sink region/);
    assert.throws(() => traceStack(m, [0, 1, 2], new Map([[1, R(0, 1, 0, 1)]])), /stack node 2 is neither a sink nor read by a later node/);
  });
});

/** Brute force for one axis: every input index the outputs [o0, o1) read; crop = clipped bounding box. */
function bruteAxis([o0, o1]: [number, number], [k, s, d, pl]: Axis, n: number): { lo: number; hi: number; padLo: number; padHi: number } {
  const reads: number[] = [];
  for (let o = o0; o < o1; o++) for (let j = 0; j < k; j++) reads.push(o * s - pl + j * d);
  if (reads.length === 0) return { lo: 0, hi: 0, padLo: 0, padHi: 0 };
  const lo = Math.min(...reads), hi = Math.max(...reads);
  const inMap = [Math.max(lo, 0), Math.min(hi, n - 1) + 1];
  const crop = inMap[1] > inMap[0] ? inMap : hi < 0 ? [0, 0] : [n, n];
  return { lo: crop[0], hi: crop[1], padLo: Math.max(0, Math.min(hi, -1) - lo + 1), padHi: Math.max(0, hi - Math.max(lo, n) + 1) };
}

/** A 1-D window layer over `x` padded by (pl, ph) with `fill`: conv = weighted sum (weights 1..k), pools = max / mean. */
function run1d(kind: Win['kind'], x: number[], [k, s, d]: Axis, pl: number, ph: number, fill: number): number[] {
  const p = [...Array<number>(pl).fill(fill), ...x, ...Array<number>(ph).fill(fill)];
  const out: number[] = [];
  for (let o = 0; o * s + (k - 1) * d < p.length; o++) {
    const win = Array.from({ length: k }, (_, j) => ({ v: p[o * s + j * d], real: o * s + j * d >= pl && o * s + j * d < pl + x.length }));
    if (kind === 'conv2d') out.push(win.reduce((acc, w, j) => acc + w.v * (j + 1), 0));
    else if (kind === 'maxpool') out.push(Math.max(...win.map((w) => w.v)));
    else out.push(win.filter((w) => w.real).reduce((acc, w) => acc + w.v, 0) / Math.max(1, win.filter((w) => w.real).length));
  }
  return out;
}

/** Seeded integer generator in [0, n). */
function rng(seed: number): (n: number) => number {
  const r = mulberry32(seed);
  return (n) => Math.floor(r() * n);
}
