import { strict as assert } from 'node:assert';
import { containsRegion, windowOutSize } from '../../shared/geometry.ts';
import { traceStack, type StackTrace } from '../../shared/geometry-trace.ts';
import { INPUT, type Model, type Node, type Pad4, type Shape3 } from '../../shared/model/ir.ts';
import { checkerboard, paperTileGrid, reuseRegions, tileGrid, tileId } from '../../shared/partition/tiles.ts';
import type { Region } from '../../shared/tensor.ts';

const rowSizes = (g: Region[][]): number[] => g.map((r) => r[0].y1 - r[0].y0);
const colSizes = (g: Region[][]): number[] => g[0].map((t) => t.x1 - t.x0);
const area = (r: Region): number => Math.max(0, r.y1 - r.y0) * Math.max(0, r.x1 - r.x0);

describe('tiles: grids (PAPER §2.1)', () => {
  const table: Array<[string, Region[][], number[], number[]]> = [
    ['balanced h=19 w=19 grid=6x6', tileGrid(19, 19, 6, 6), [4, 3, 3, 3, 3, 3], [4, 3, 3, 3, 3, 3]],
    ['balanced h=38 w=38 grid=5x5', tileGrid(38, 38, 5, 5), [8, 8, 8, 7, 7], [8, 8, 8, 7, 7]],
    ['balanced h=4 w=4 grid=4x1', tileGrid(4, 4, 4, 1), [1, 1, 1, 1], [4]],
    ['shares rows=[2,1,1] cols=[1,3] h=8 w=8', tileGrid(8, 8, 3, 2, { rowShares: [2, 1, 1], colShares: [1, 3] }), [4, 2, 2], [2, 6]],
    ['shares rows=[10,1] h=4 (each at least 1)', tileGrid(4, 4, 2, 1, { rowShares: [10, 1] }), [3, 1], [4]],
    ['paper h=38 w=38 grid=5x5', paperTileGrid(38, 38, 5, 5), [8, 8, 8, 8, 6], [8, 8, 8, 8, 6]],
    ['paper h=608 w=19 grid=5x1', paperTileGrid(608, 19, 5, 1), [122, 122, 122, 122, 120], [19]],
  ];
  for (const [name, g, rows, cols] of table) {
    it(name, () => {
      assert.deepEqual([rowSizes(g), colSizes(g)], [rows, cols]);
      assert.equal(g.length, rows.length);
    });
  }

  it('property: balanced grids cover the map exactly, row-major, sizes within one', () => {
    for (let h = 1; h <= 24; h++) {
      for (let rows = 1; rows <= Math.min(h, 7); rows++) {
        const g = tileGrid(h, 9, rows, 3);
        const sizes = rowSizes(g);
        assert.equal(sizes.reduce((a, b) => a + b, 0), h);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `h=${h} rows=${rows}`);
        g.forEach((row, i) => row.forEach((t, j) => {
          assert.equal(t.y0, i === 0 ? 0 : g[i - 1][j].y1);
          assert.equal(t.x0, j === 0 ? 0 : row[j - 1].x1);
        }));
      }
    }
    assert.equal(tileId(2, 1, 5), 11);
  });

  it('errors name the grid and the map', () => {
    assert.throws(() => tileGrid(4, 4, 5, 5), /^Error: tiles: grid 5x5 does not fit a 4x4 map$/);
    assert.throws(() => paperTileGrid(19, 19, 6, 6), /tiles: the paper's rule gives tiles of ⌈19\/6⌉ = 4 rows, which leaves tile 5 of 6 empty; use tileGrid/);
    assert.throws(() => paperTileGrid(9, 40, 4, 5), /⌈9\/4⌉ = 3 rows, which leaves tile 3 of 4 empty/);
    assert.throws(() => paperTileGrid(40, 19, 5, 6), /⌈19\/6⌉ = 4 columns, which leaves tile 5 of 6 empty/);
    assert.throws(() => tileGrid(8, 8, 3, 2, { rowShares: [1, 1] }), /tiles: 2 row shares for 3 rows/);
    assert.throws(() => tileGrid(8, 8, 2, 2, { colShares: [1, 0] }), /weights must be positive, got \[1, 0\]/);
  });
});

describe('tiles: checkerboard data reuse (PAPER §2.5)', () => {
  it('level 0 where i + j is even', () => {
    assert.deepEqual(checkerboard(tileGrid(9, 9, 3, 3)).map((r) => r.map((t) => t.level)), [[0, 1, 0], [1, 0, 1], [0, 1, 0]]);
  });

  // conv 3x3 p1 → conv 5x5 p2 → maxpool 2x2 s2 → conv 3x3 p1 on a 24x24 map; grids of 3x3 and 4x3 tiles.
  const wins: Win[] = [[3, 1, 1], [5, 1, 2], [2, 2, 0], [3, 1, 1]];
  const m = chain({ h: 24, w: 24, c: 1 }, wins);
  const stack = m.nodes.map((n) => n.id), sink = stack.length - 1;
  for (const [gr, gc] of [[3, 3], [4, 3], [2, 2]]) {
    const grid = tileGrid(12, 12, gr, gc);
    const traces = grid.map((row) => row.map((t) => traceStack(m, stack, new Map([[sink, t]]))));
    const reuse = reuseRegions(m, stack, traces);

    it(`grid ${gr}x${gc}: level-1 regions plus fetched pieces tile the needed regions exactly`, () => {
      reuse.forEach((row, i) => row.forEach((t, j) => {
        assert.equal(t.level, (i + j) % 2);
        if (t.level === 0) return assert.equal(t.trace, traces[i][j]);
        assert.deepEqual(t.trace.nodes.get(sink), traces[i][j].nodes.get(sink)); // the last layer is never shrunk
        for (const id of stack.slice(0, -1)) {
          const nt = t.trace.nodes.get(id)!, pieces = t.fetch.get(id)!;
          const parts = [nt.out, ...pieces.map((p) => p.region)];
          parts.forEach((p) => assert.ok(containsRegion(nt.needed, p)));
          assert.equal(parts.reduce((a, p) => a + area(p), 0), area(nt.needed), `tile ${i},${j} node ${id}`);
          parts.forEach((p, a) => parts.slice(a + 1).forEach((q) => assert.equal(area(intersect(p, q)), 0)));
          for (const p of pieces) {
            const [ni, nj] = [Math.floor(p.tile / gc), p.tile % gc];
            assert.equal(Math.abs(ni - i) + Math.abs(nj - j), 1);
            assert.ok(containsRegion(traces[ni][nj].nodes.get(id)!.out, p.region));
          }
        }
      }));
      const level1 = reuse.flat().filter((t) => t.level === 1);
      const saved = level1.reduce((a, t) => a + area(t.trace.nodes.get(0)!.out), 0);
      const before = reuse.flat().reduce((a, t, k) => a + (t.level === 1 ? area(traces.flat()[k].nodes.get(0)!.out) : 0), 0);
      assert.ok(saved < before, `reuse should shrink level-1 work: ${saved} vs ${before}`);
    });

    it(`grid ${gr}x${gc}: level-1 tiles run on their shrunk regions plus fetched pieces match the full run`, () => {
      const input = randomMap(24, 24, 3);
      const full = [input];
      wins.forEach((w, l) => full.push(window2d(full[l], w, { top: w[2], bottom: w[2], left: w[2], right: w[2] })));
      reuse.flat().filter((t) => t.level === 1).forEach((t) => {
        const got = runTile(t.trace, t.fetch, wins, full);
        const tile = t.trace.sinks.get(sink)!;
        assert.deepEqual(got, crop(full[wins.length], tile));
      });
    });
  }
});

/** [kernel, stride, symmetric pad]; conv = weighted sum, stride 2 = max-pool. */
type Win = [number, number, number];
interface Map2 { h: number; w: number; v: number[] }

function chain(input: Shape3, wins: Win[]): Model {
  const nodes: Node[] = [];
  let shape = input;
  wins.forEach(([k, s, p], id) => {
    const pad: Pad4 = { top: p, bottom: p, left: p, right: p };
    const out = { h: windowOutSize(shape.h, k, s, 1, p, p), w: windowOutSize(shape.w, k, s, 1, p, p), c: 1 };
    const base = { id, name: `n${id}`, inputs: [id - 1], out, size: [k, k] as const, stride: [s, s] as const, pad };
    nodes.push(s === 2 ? { ...base, kind: 'maxpool', global: false }
      : { ...base, kind: 'conv2d', dilation: [1, 1], groups: 1, filters: 1, batchNorm: false, activation: 'linear' });
    shape = out;
  });
  return { name: 'chain', format: 'darknet', input, nodes, outputs: [nodes.length - 1], preprocess: { resize: 'stretch', scale: 1 }, head: 'none' };
}

/** Runs a traced chain on one tile: each layer reads its producer's needed region, built from its own output plus fetched pieces (taken from the full run, which level-0 tiles reproduce). */
function runTile(tr: StackTrace, fetch: ReadonlyMap<number, readonly { region: Region }[]>, wins: Win[], full: Map2[]): Map2 {
  let prev = crop(full[0], tr.external.get(INPUT)!), prevAt = tr.external.get(INPUT)!;
  wins.forEach((w, id) => {
    const nt = tr.nodes.get(id)!, src = nt.inputs[0];
    const inp = crop(prev, { y0: src.y0 - prevAt.y0, y1: src.y1 - prevAt.y0, x0: src.x0 - prevAt.x0, x1: src.x1 - prevAt.x0 });
    const out = window2d(inp, w, nt.pad);
    const needed = crop(full[id + 1], nt.needed); // placeholder values, overwritten below
    needed.v.fill(NaN);
    paste(needed, nt.needed, out, nt.out);
    for (const p of fetch.get(id) ?? []) paste(needed, nt.needed, crop(full[id + 1], p.region), p.region);
    [prev, prevAt] = [needed, nt.needed];
  });
  return prev;
}

function window2d(x: Map2, [k, s]: Win, pad: Pad4): Map2 {
  const fill = s === 2 ? -Infinity : 0;
  const H = x.h + pad.top + pad.bottom, W = x.w + pad.left + pad.right;
  const at = (y: number, xx: number): number => {
    const yy = y - pad.top, xc = xx - pad.left;
    return yy >= 0 && yy < x.h && xc >= 0 && xc < x.w ? x.v[yy * x.w + xc] : fill;
  };
  const h = Math.floor((H - k) / s) + 1, w = Math.floor((W - k) / s) + 1, v: number[] = [];
  for (let oy = 0; oy < h; oy++) for (let ox = 0; ox < w; ox++) {
    let acc = s === 2 ? -Infinity : 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) {
      acc = s === 2 ? Math.max(acc, at(oy * s + a, ox * s + b)) : acc + at(oy * s + a, ox * s + b) * (a * k + b - 4);
    }
    v.push(acc);
  }
  return { h, w, v };
}

function crop(x: Map2, r: Region): Map2 {
  const v: number[] = [];
  for (let y = r.y0; y < r.y1; y++) for (let c = r.x0; c < r.x1; c++) v.push(x.v[y * x.w + c]);
  return { h: r.y1 - r.y0, w: r.x1 - r.x0, v };
}

/** Copies `part` (covering absolute region `pr`) into `dst` (covering absolute region `dr`). */
function paste(dst: Map2, dr: Region, part: Map2, pr: Region): void {
  for (let y = pr.y0; y < pr.y1; y++) for (let c = pr.x0; c < pr.x1; c++) {
    dst.v[(y - dr.y0) * dst.w + (c - dr.x0)] = part.v[(y - pr.y0) * part.w + (c - pr.x0)];
  }
}

function intersect(a: Region, b: Region): Region {
  return { y0: Math.max(a.y0, b.y0), y1: Math.min(a.y1, b.y1), x0: Math.max(a.x0, b.x0), x1: Math.min(a.x1, b.x1) };
}

function randomMap(h: number, w: number, seed: number): Map2 {
  let s = seed;
  return { h, w, v: Array.from({ length: h * w }, () => ((s = (s * 1103515245 + 12345) % 2147483648), (s % 19) - 9)) };
}
