/**
 * ILP-1 by chain DP against PAPER §7.2 (per-layer types) and §8 (communication per inference).
 * The numbers are computed from the cost model in PAPER §4, not measured; MB = 10^6 bytes, fp32.
 */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import { PlanInfeasibleError } from '../../shared/errors.ts';
import { tailLayers, type LayerSize } from '../../planner/layers.ts';
import { solveChain } from '../../planner/optimize/chain-dp.ts';
import { allLopCost, commCost, type LayerType } from '../../planner/optimize/comm-cost.ts';

const SHORT: Record<string, LayerType> = { F1: 'FUSE1', F2: 'FUSE2', LOP: 'LOP', LIP: 'LIP', '–': '-', '-': '-' };
const types = (s: string): LayerType[] => s.split(' ').map((t) => SHORT[t]!);
const tail = async (name: string, from: number): Promise<LayerSize[]> =>
  tailLayers(await loadDarknet(assetPath('darknet', `${name}.cfg`)), from);
const mb = (elements: number): number => (4 * elements) / 1e6;
const NS = [2, 3, 4, 5, 6];

// PAPER §7.2; VGG-16's and AlexNet's FC layers (and Extraction's avgpool, softmax) run on the data source.
const AUTHORS = {
  yolov2: { from: 12, types: types('F1 F2 F1 F2 LOP – F1 F2 F1 F2 LOP F1 F2 – LIP – – F1 F2 –') },
  'vgg-16': { from: 7, types: types('LOP F1 F2 – LOP F1 F2 – LOP F1 F2 – – – – – – –') },
  alexnet: { from: 2, types: types('LOP – LOP F1 F2 – – – – – – –') },
  extraction: { from: 4, types: types('LIP F1 F2 LOP – LIP F1 F2 F1 F2 F1 F2 F1 F2 LOP – LIP F1 F2 F1 F2 – –') },
} as const;

// PAPER §8: [N, opt MB, all-LOP MB] per model.
const COMM: Record<keyof typeof AUTHORS, [number, number, number][]> = {
  yolov2: [[2, 19.84, 27.48], [4, 55.07, 78.37], [6, 89.32, 128.35]],
  'vgg-16': [[2, 13.25, 15.86], [4, 39.74, 43.65], [6, 66.23, 70.58]],
  extraction: [[2, 7.12, 7.93], [4, 18.95, 21.82], [6, 30.08, 35.29]],
  alexnet: [[2, 1.26, 1.43], [4, 3.22, 3.61], [6, 5.05, 5.63]],
};

describe('planner/optimize chain DP: PAPER §7.2 assignments', () => {
  for (const name of ['yolov2', 'vgg-16', 'alexnet'] as const) {
    it(`${name} from ${AUTHORS[name].from}: unique optimum = the authors' assignment, N=2..6`, async () => {
      const layers = await tail(name, AUTHORS[name].from);
      for (const n of NS) {
        const sol = solveChain(layers, n);
        assert.deepEqual(sol.types, AUTHORS[name].types, `N=${n}`);
        assert.equal(sol.optimaCount, 1, `N=${n}`);
      }
    });
  }

  it('extraction from 4: the authors\' assignment is one of 4 tied optima at N=4..6 (8 at N=3)', async () => {
    const layers = await tail('extraction', 4);
    for (const n of NS) {
      const sol = solveChain(layers, n);
      assert.equal(sol.optimaCount, n === 2 ? 36 : n === 3 ? 8 : 4, `N=${n}`);
      assert.equal(sol.optima.length, sol.optimaCount);
      for (const o of sol.optima) assert.equal(commCost(layers, o, n), sol.costElements);
      const member = sol.optima.some((o) => o.join() === AUTHORS.extraction.types.join());
      assert.equal(member, n >= 3, `N=${n}`);
    }
    // PAPER §7.2: at N=2 the authors' assignment is 1.4% above the optimum.
    const gap = commCost(layers, AUTHORS.extraction.types, 2) / solveChain(layers, 2).costElements - 1;
    assert.ok(Math.abs(gap - 0.014) < 0.0005, `gap ${gap}`);
  });
});

describe('planner/optimize chain DP: PAPER §8 communication per inference', () => {
  for (const name of Object.keys(COMM) as (keyof typeof COMM)[]) {
    it(`${name} from ${AUTHORS[name].from}: opt and all-LOP MB`, async () => {
      const layers = await tail(name, AUTHORS[name].from);
      for (const [n, opt, allLop] of COMM[name]) {
        const sol = solveChain(layers, n);
        assert.equal(sol.bytes, 4 * sol.costElements);
        // The table rounds to 0.01 MB.
        assert.ok(Math.abs(sol.bytes / 1e6 - opt) <= 0.005 + 1e-9, `N=${n} opt ${sol.bytes / 1e6} vs ${opt}`);
        assert.ok(Math.abs(mb(allLopCost(layers, n)) - allLop) <= 0.005 + 1e-9, `N=${n} all-LOP ${mb(allLopCost(layers, n))} vs ${allLop}`);
        assert.equal(commCost(layers, AUTHORS[name].types, n) <= allLopCost(layers, n), true);
      }
    });
  }

  it('YOLOv2 at N=6 cuts communication by ≥ 28.8% against all-LOP (model: 30.4%)', async () => {
    const layers = await tail('yolov2', 12);
    const reduction = 1 - solveChain(layers, 6).costElements / allLopCost(layers, 6);
    assert.ok(reduction >= 0.288, `reduction ${reduction}`);
    assert.ok(Math.abs(reduction - 0.304) < 0.0005, `reduction ${reduction}`);
  });

  it('the DP restricted to LOP is the all-LOP baseline', async () => {
    const layers = await tail('yolov2', 12);
    for (const n of NS) assert.equal(solveChain(layers, n, { allowed: ['LOP'] }).costElements, allLopCost(layers, n));
  });
});

describe('planner/optimize chain DP: exactness on small chains', () => {
  // Seeded LCG, so failures reproduce.
  const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const chain = (len: number, rand: () => number): LayerSize[] =>
    Array.from({ length: len }, (_, index) => {
      const conv = rand() < 0.8;
      // Few distinct sizes, so ties are common and the tie enumeration is exercised.
      return { index, kind: conv ? 'conv2d' : 'maxpool', conv, M: 64 * (1 + Math.floor(rand() * 3)), K: 64 * (1 + Math.floor(rand() * 3)), W: 0 };
    });
  const brute = (layers: LayerSize[], n: number): { cost: number; optima: string[] } => {
    let best = Infinity;
    let optima: string[] = [];
    const walk = (l: number, acc: LayerType[]): void => {
      if (l === layers.length) {
        let cost: number;
        try { cost = commCost(layers, acc, n); } catch { return; }
        if (cost < best - 1e-9) [best, optima] = [cost, [acc.join()]];
        else if (Math.abs(cost - best) <= 1e-9) optima.push(acc.join());
        return;
      }
      for (const t of layers[l]!.conv ? (['LOP', 'LIP', 'FUSE1', 'FUSE2'] as const) : (['-'] as const)) walk(l + 1, [...acc, t]);
    };
    walk(0, []);
    return { cost: best, optima };
  };

  it('matches brute force (cost, optimal set, count) on 60 random chains', () => {
    const rand = rng(7);
    for (let k = 0; k < 60; k++) {
      const layers = chain(1 + Math.floor(rand() * 7), rand);
      const n = 2 + Math.floor(rand() * 5);
      const sol = solveChain(layers, n);
      const ref = brute(layers, n);
      assert.ok(Math.abs(sol.costElements - ref.cost) <= 1e-9, `case ${k}`);
      assert.deepEqual(sol.optima.map((o) => o.join()).sort(), ref.optima.sort(), `case ${k}`);
      assert.equal(sol.optimaCount, ref.optima.length);
    }
  });

  it('caps the enumeration but still counts every optimum', () => {
    const layers = Array.from({ length: 12 }, (_, index): LayerSize => ({ index, kind: 'conv2d', conv: true, M: 100, K: 100, W: 0 }));
    const sol = solveChain(layers, 4, { maxOptima: 3 });
    assert.equal(sol.optima.length, 3);
    assert.ok(sol.optimaCount > 3);
  });
});

describe('planner/optimize commCost: PAPER §3.5 legality', () => {
  const L = (convs: boolean[]): LayerSize[] => convs.map((conv, index) => ({ index, kind: conv ? 'conv2d' : 'maxpool', conv, M: 8, K: 8, W: 0 }));
  const cases: [string, boolean[], string][] = [
    ['FUSE2 alone', [true, true], 'LOP F2'],
    ['FUSE2 first', [true, true], 'F2 LOP'],
    ['FUSE1 last', [true, true], 'LOP F1'],
    ['FUSE1 then a pool', [true, false, true], 'F1 - F2'],
    ['a type on a pool', [true, false], 'LOP LOP'],
    ['no type on a conv', [true, false], '- -'],
  ];
  for (const [what, convs, t] of cases) {
    it(`rejects ${what}`, () => assert.throws(() => commCost(L(convs), types(t), 3), PlanInfeasibleError));
  }
  it('rejects a size list with a gap (reuse would cross the missing layer)', () => {
    const layers = L([true, true]).map((l, k) => ({ ...l, index: k * 2 }));
    assert.throws(() => solveChain(layers, 2), /jumps from layer 0 to layer 2/);
  });
  it('prices a single FUSE1/FUSE2 pair as M_k(N−1) + K_{k+1}(N−1)', () => {
    const layers: LayerSize[] = [{ index: 0, kind: 'conv2d', conv: true, M: 10, K: 20, W: 0 }, { index: 1, kind: 'conv2d', conv: true, M: 20, K: 30, W: 0 }];
    assert.equal(commCost(layers, types('F1 F2'), 4), 10 * 3 + 30 * 3);
    // LOP → LOP: 10·3 + 20·3/4, then 20·3/4 → 20·3 for the reused boundary, and no broadcast of M_1.
    assert.equal(commCost(layers, types('LOP LOP'), 4), 10 * 3 + 20 * 3 + 30 * 3 / 4);
  });
});
