/**
 * A tiny MILP modelling layer: named variables (continuous, binary, integer), linear constraints and
 * a linear objective, solved by HiGHS (wasm, fed CPLEX LP text) or by javascript-lp-solver. The
 * ILPs of PAPER §4–§5 are built on it; the chain DP (chain-dp.ts) cross-checks them.
 *
 * Answers are never trusted silently: a solve counts as optimal only if the solver proved it and
 * every integer variable is integral within 1e-6 (javascript-lp-solver returns fractional
 * "feasible" answers when its time limit hits).
 */
import { assert } from '../../shared/errors.ts';
import { solveHighs } from './milp-highs.ts';
import { solveJslp } from './milp-jslp.ts';
import type { Constraint, MilpResult, Objective, Sense, Term, Variable, VarType } from './milp-types.ts';

export type { Constraint, LinearProgram, MilpResult, MilpStatus, Objective, Sense, Term, Variable, VarType } from './milp-types.ts';

/** CPLEX LP names: a letter or underscore first, and no leading "e"+digit that reads as an exponent. */
const validName = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_.]*$/.test(name) && !/^[eE][0-9eE]/.test(name);

export class MilpModel {
  readonly #vars = new Map<string, Variable>();
  readonly #rows = new Map<string, Constraint>();
  #objective: Objective = { sense: 'min', terms: [], constant: 0 };

  get variables(): readonly Variable[] { return [...this.#vars.values()]; }
  get constraints(): readonly Constraint[] { return [...this.#rows.values()]; }
  get objective(): Objective { return this.#objective; }

  /** Adds a variable (default: continuous, 0 ≤ x < ∞) and returns its name for use in terms. */
  addVar(name: string, type: VarType = 'continuous', lb = 0, ub = Infinity): string {
    assert(validName(name), () => `planner/milp: variable name "${name}" is not a valid LP name`);
    assert(!this.#vars.has(name), () => `planner/milp: variable ${name} defined twice`);
    assert(lb <= ub && !Number.isNaN(lb) && !Number.isNaN(ub), () => `planner/milp: variable ${name} has bounds [${lb}, ${ub}]`);
    const bounds = type === 'binary' ? { lb: Math.max(lb, 0), ub: Math.min(ub, 1) } : { lb, ub };
    this.#vars.set(name, { name, type, ...bounds });
    return name;
  }

  addBinary(name: string): string {
    return this.addVar(name, 'binary', 0, 1);
  }

  /** Adds Σ terms (sense) rhs. Repeated variables in `terms` are summed. */
  addConstraint(name: string, terms: readonly Term[], sense: Sense, rhs: number): void {
    assert(validName(name), () => `planner/milp: constraint name "${name}" is not a valid LP name`);
    assert(!this.#rows.has(name), () => `planner/milp: constraint ${name} defined twice`);
    assert(Number.isFinite(rhs), () => `planner/milp: constraint ${name} has right-hand side ${rhs}`);
    this.#rows.set(name, { name, terms: this.#merge(terms, name), sense, rhs });
  }

  setObjective(sense: 'min' | 'max', terms: readonly Term[], constant = 0): void {
    this.#objective = { sense, terms: this.#merge(terms, 'objective'), constant };
  }

  /** y = x1·x2 for binaries, linearised as PAPER §4 does: y ≤ x1, y ≤ x2, y ≥ x1 + x2 − 1. */
  addProduct(y: string, x1: readonly Term[], x2: readonly Term[]): void {
    this.addConstraint(`${y}_le1`, [[1, y], ...x1.map(([c, v]): Term => [-c, v])], '<=', 0);
    this.addConstraint(`${y}_le2`, [[1, y], ...x2.map(([c, v]): Term => [-c, v])], '<=', 0);
    this.addConstraint(`${y}_ge`, [[1, y], ...[...x1, ...x2].map(([c, v]): Term => [-c, v])], '>=', -1);
  }

  #merge(terms: readonly Term[], where: string): Term[] {
    const sum = new Map<string, number>();
    for (const [c, v] of terms) {
      assert(this.#vars.has(v), () => `planner/milp: ${where} uses undefined variable ${v}`);
      assert(Number.isFinite(c), () => `planner/milp: ${where} has coefficient ${c} on ${v}`);
      sum.set(v, (sum.get(v) ?? 0) + c);
    }
    return [...sum].filter(([, c]) => c !== 0).map(([v, c]): Term => [c, v]);
  }
}

export interface SolveOptions {
  readonly solver?: 'highs' | 'jslp';
  readonly timeLimitS?: number;
}

/** Largest |x − round(x)| accepted for an integer variable. */
const INTEGRALITY_TOL = 1e-6;

/** Names of integer and binary variables whose value is not integral, or lies outside the bounds. */
export function badIntegers(model: MilpModel, values: Readonly<Record<string, number>>): string[] {
  return model.variables
    .filter((v) => v.type !== 'continuous')
    .filter((v) => {
      const x = values[v.name] ?? 0;
      return Math.abs(x - Math.round(x)) > INTEGRALITY_TOL || x < v.lb - INTEGRALITY_TOL || x > v.ub + INTEGRALITY_TOL;
    })
    .map((v) => v.name);
}

/** Objective value of `values` under the model's objective (used to cross-check solvers). */
export function evaluate(model: MilpModel, values: Readonly<Record<string, number>>): number {
  const { terms, constant } = model.objective;
  return terms.reduce((sum, [c, v]) => sum + c * (values[v] ?? 0), constant);
}

/** Solves with HiGHS (default) or javascript-lp-solver and verifies integrality. */
export async function solveMilp(model: MilpModel, opts: SolveOptions = {}): Promise<MilpResult> {
  const timeLimitS = opts.timeLimitS ?? 60;
  assert(timeLimitS > 0, () => `planner/milp: time limit ${timeLimitS} s must be positive`);
  const raw = opts.solver === 'jslp' ? solveJslp(model, timeLimitS) : await solveHighs(model, timeLimitS);
  if (raw.status !== 'optimal') return { ...raw, optimal: false };
  const bad = badIntegers(model, raw.values);
  if (bad.length > 0) return { ...raw, status: 'not-integral', optimal: false, solverStatus: `${raw.solverStatus}; fractional: ${bad.slice(0, 5).join(', ')}` };
  return { ...raw, optimal: true };
}
