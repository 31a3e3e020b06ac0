/** Assembling needs (worker/tasks/assemble.ts): stitched channel slices and summed partials equal a direct computation. */
import { strict as assert } from 'node:assert';
import { stitch, sumPartials } from '../../worker/tasks/assemble.ts';
import { tensor3 } from '../../shared/tensor.ts';
import type { NeedDoc, TensorSel } from '../../shared/plan/types.ts';

const region = { y0: 0, y1: 3, x0: 0, x1: 4 };
const sel = (c0: number, c1: number): TensorSel => ({ node: 1, region, channels: { c0, c1 } });
const filled = (c: number, f: (i: number) => number) => tensor3({ h: 3, w: 4, c }, Float32Array.from({ length: 12 * c }, (_, i) => f(i)));

describe('assembling needs', () => {
  for (const c of [6, 96]) {
    it(`stitches ${c} channels from three channel slices (element loop and native copy alike)`, () => {
      const whole = filled(c, (i) => i * 0.5 - 3);
      const cuts = [0, c / 3, c / 2, c];
      const got = cuts.slice(0, -1).map((c0, k) => {
        const c1 = cuts[k + 1]!, n = c1 - c0;
        return { sel: sel(c0, c1), data: filled(n, (i) => whole.data[Math.floor(i / n) * c + c0 + (i % n)]!) };
      });
      const need: NeedDoc = { sel: sel(0, c), reduce: false, pieces: ['a', 'b', 'c'] };
      assert.deepEqual(Array.from(stitch(need, got).data), Array.from(whole.data));
    });
  }

  for (const k of [1, 2, 3, 4, 5, 6]) {
    it(`sums ${k} partial sums`, () => {
      const parts = Array.from({ length: k }, (_, j) => ({ sel: sel(0, 8), data: filled(8, (i) => (i % 7) + j * 0.25) }));
      const need: NeedDoc = { sel: sel(0, 8), reduce: true, pieces: parts.map((_, j) => `p${j}`) };
      const want = Array.from({ length: 96 }, (_, i) => parts.reduce((a, p) => a + p.data.data[i]!, 0));
      assert.deepEqual(Array.from(sumPartials(need, parts).data), want);
    });
  }
});
