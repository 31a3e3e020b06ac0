/**
 * ILP-1 (PAPER §4) as a MILP on HiGHS against the chain DP, and ILP-2 (PAPER §5) as a MILP against
 * enumeration, with the breakpoints of PAPER §7.1 and the memory table of PAPER §8 ([computed]).
 */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import { allLayers, convPart, tailLayers, type LayerSize } from '../../planner/layers.ts';
import { solveChain } from '../../planner/optimize/chain-dp.ts';
import { solveIlp1 } from '../../planner/optimize/ilp1.ts';
import { breakpointByEnumeration, breakpointByMilp, memoryAt } from '../../planner/optimize/ilp2.ts';

const load = (name: string) => loadDarknet(assetPath('darknet', `${name}.cfg`));
const MODELS = [['yolov2', 12], ['vgg-16', 7], ['extraction', 4], ['alexnet', 2]] as const;
const mb = (elements: number): number => (4 * elements) / 1e6;
const NS = [2, 3, 4, 5, 6];

describe('planner/optimize ILP-1 on HiGHS == chain DP', () => {
  for (const [name, from] of MODELS) {
    it(`${name} from ${from}, N=2..6: same optimum, and HiGHS's assignment is one of the DP's optima`, async () => {
      const layers = tailLayers(await load(name), from);
      for (const n of NS) {
        const dp = solveChain(layers, n);
        const ilp = await solveIlp1(layers, n);
        assert.ok(ilp.milp.optimal, `N=${n}: ${ilp.milp.status}`);
        assert.ok(Math.abs(ilp.costElements - dp.costElements) <= 1e-6 * dp.costElements, `N=${n}: ${ilp.costElements} vs ${dp.costElements}`);
        assert.ok(dp.optima.some((o) => o.join() === ilp.types.join()), `N=${n}: ${ilp.types.join(' ')}`);
      }
    });
  }

  it('AlexNet on javascript-lp-solver agrees too', async () => {
    const layers = tailLayers(await load('alexnet'), 2);
    for (const n of [2, 6]) {
      const ilp = await solveIlp1(layers, n, { solver: 'jslp' });
      assert.equal(ilp.costElements, solveChain(layers, n).costElements);
    }
  });

  it('a 100-layer synthetic chain: DP and HiGHS agree', async () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const layers = Array.from({ length: 100 }, (_, index): LayerSize => {
      const conv = rand() < 0.85;
      return { index, kind: conv ? 'conv2d' : 'maxpool', conv, M: 1000 + Math.floor(rand() * 100_000), K: 1000 + Math.floor(rand() * 100_000), W: 0 };
    });
    for (const n of [3, 6]) {
      const dp = solveChain(layers, n);
      const ilp = await solveIlp1(layers, n, { timeLimitS: 30 });
      assert.ok(Math.abs(ilp.costElements - dp.costElements) <= 1e-6 * dp.costElements, `N=${n}`);
      assert.ok(dp.optima.some((o) => o.join() === ilp.types.join()), `N=${n}`);
    }
  });
});

// PAPER §8 memory table, MB: N=1, deployed b at N=2/4/6, N=6 optimum (b), N=6 all-FTP, N=6 all weight-partitioned.
const MEMORY = {
  yolov2: { n1: 255.5, atB: [129.4, 66.3, 45.2], opt6: [43.4, 8], allFtp: 212.4, allWp: 85.7 },
  'vgg-16': { n1: 84.5, atB: [42.8, 21.9, 17.1], opt6: [17.1, 7], allFtp: 63.1, allWp: 35.5 },
  extraction: { n1: 97.5, atB: [49.5, 26.2, 18.4], opt6: [18.4, 4], allFtp: 94.3, allWp: 19.4 },
  alexnet: { n1: 16.8, atB: [8.6, 4.9, 3.6], opt6: [3.6, 2], allFtp: 15.3, allWp: 4.3 },
} as const;
// PAPER §7.1: ILP-2's optimum at N=4 and 6 is the deployed b except for YOLOv2 (8); at N=2 YOLOv2 and VGG-16 give 4.
const BREAKPOINT: Record<keyof typeof MEMORY, Record<number, number>> = {
  yolov2: { 2: 4, 4: 8, 6: 8 },
  'vgg-16': { 2: 4, 4: 7, 6: 7 },
  extraction: { 4: 4, 6: 4 },
  alexnet: { 4: 2, 6: 2 },
};

describe('planner/optimize ILP-2: breakpoint for minimum per-device memory', () => {
  for (const [name, b] of MODELS) {
    it(`${name}: PAPER §8 memory figures (conv and pool part)`, async () => {
      const layers = convPart(allLayers(await load(name)));
      const m = MEMORY[name];
      const near = (elements: number, want: number, what: string) =>
        assert.ok(Math.abs(mb(elements) - want) <= 0.05 + 1e-9, `${what}: ${mb(elements)} MB vs ${want}`);
      near(memoryAt(layers, 0, 1), m.n1, 'N=1');
      [2, 4, 6].forEach((n, k) => near(memoryAt(layers, b, n), m.atB[k]!, `b=${b} N=${n}`));
      const opt = breakpointByEnumeration(layers, 6);
      near(opt.memoryElements, m.opt6[0], 'N=6 optimum');
      assert.equal(opt.breakpoint, m.opt6[1]);
      near(memoryAt(layers, layers.length, 6), m.allFtp, 'all FTP');
      near(memoryAt(layers, 0, 6), m.allWp, 'all weight-partitioned');
    });

    it(`${name}: PAPER §7.1 breakpoints; MILP == enumeration for N=1..6`, async () => {
      const layers = convPart(allLayers(await load(name)));
      for (const [n, want] of Object.entries(BREAKPOINT[name])) assert.equal(breakpointByEnumeration(layers, +n).breakpoint, want, `N=${n}`);
      for (let n = 1; n <= 6; n++) {
        const en = breakpointByEnumeration(layers, n);
        const milp = await breakpointByMilp(layers, n);
        assert.ok(milp.milp.optimal, `N=${n}`);
        assert.ok(Math.abs(milp.memoryElements - en.memoryElements) <= 1e-9 * en.memoryElements, `N=${n}`);
        assert.ok(en.optimal.includes(milp.breakpoint), `N=${n}: MILP b=${milp.breakpoint} not in [${en.optimal}]`);
        if (n > 1) assert.deepEqual(en.optimal, [milp.breakpoint], `N=${n}: unique optimum expected`);
      }
    });
  }

  it('normalises a breakpoint on a pool layer to the next conv layer', async () => {
    const layers = convPart(allLayers(await load('yolov2')));
    // Layer 7 is a max-pool: it costs nothing, so b=7 and b=8 tie and both normalise to 8.
    assert.equal(layers[7]!.kind, 'maxpool');
    assert.equal(memoryAt(layers, 7, 6), memoryAt(layers, 8, 6));
    assert.ok(breakpointByEnumeration(layers, 6).all.filter((c) => c.memoryElements === memoryAt(layers, 8, 6)).length >= 2);
  });

  it('the MILP also solves on javascript-lp-solver (AlexNet)', async () => {
    const layers = convPart(allLayers(await load('alexnet')));
    const milp = await breakpointByMilp(layers, 4, { solver: 'jslp' });
    assert.equal(milp.breakpoint, 2);
  });
});
