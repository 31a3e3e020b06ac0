/**
 * Solving ILP-1 per FTP boundary (PAPER §4), cached: the exact chain DP by default; with `highs`,
 * the authors' MILP formulation solved by HiGHS, whose proven optimum must price the same as the
 * DP's (an integrality or modelling slip would show up here), and ILP-2 likewise (PAPER §5).
 */
import type { Model } from '../../shared/model/ir.ts';
import { assert } from '../../shared/errors.ts';
import { allLayers, convPart, tailLayers } from '../layers.ts';
import { solveChain, type ChainSolution } from '../optimize/chain-dp.ts';
import { solveIlp1 } from '../optimize/ilp1.ts';
import { breakpointByMilp, type BreakpointSearch } from '../optimize/ilp2.ts';
import { tailChoices, type TailChoice } from './candidates.ts';

export type TailSolver = 'dp' | 'highs';

export interface TailSolvers {
  readonly get: (k: number) => Promise<TailChoice[]>;
  readonly solverName: string;
  /** Every ILP answer used was proven optimal (the DP is exact; HiGHS must prove and agree). */
  readonly proven: boolean;
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

export function crossCheckedTails(model: Model, n: number, solver: TailSolver): TailSolvers {
  const cache = new Map<number, Promise<TailChoice[]>>();
  const get = (k: number): Promise<TailChoice[]> => {
    let p = cache.get(k);
    if (!p) {
      p = solver === 'dp' ? Promise.resolve(tailChoices(model, k, n)) : highsTails(model, k, n);
      cache.set(k, p);
    }
    return p;
  };
  return { get, solverName: solver === 'dp' ? 'chain-dp' : 'highs (checked against chain-dp)', proven: true };
}

async function highsTails(model: Model, k: number, n: number): Promise<TailChoice[]> {
  const layers = tailLayers(model, k, { fc: true });
  if (layers.every((l) => !l.conv)) return tailChoices(model, k, n);
  const milp = await solveIlp1(layers, n);
  const dp = solveChain(layers, n);
  assert(close(milp.costElements, dp.costElements),
    () => `planner: HiGHS's ILP-1 optimum ${milp.costElements} differs from the chain DP's ${dp.costElements} (tail from layer ${k}, N=${n})`);
  const fromHighs: ChainSolution = { ...dp, types: milp.types };
  return tailChoices(model, k, n, () => fromHighs);
}

/** ILP-2 by HiGHS must reach the memory the enumeration found (PAPER §5: a_l depends on b_l alone). */
export async function checkBreakpoint(model: Model, n: number, bp: BreakpointSearch): Promise<void> {
  const milp = await breakpointByMilp(convPart(allLayers(model)), n);
  assert(close(milp.memoryElements, bp.memoryElements) && bp.optimal.includes(milp.breakpoint),
    () => `planner: HiGHS's ILP-2 breakpoint ${milp.breakpoint} (${milp.memoryElements}) disagrees with enumeration's ${bp.breakpoint} (${bp.memoryElements})`);
}
