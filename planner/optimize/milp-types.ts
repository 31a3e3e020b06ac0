/**
 * The MILP modelling layer's data types (milp.ts builds models, milp-highs.ts and milp-jslp.ts solve
 * them): apart, so the solvers read a model without importing the module that dispatches to them.
 */
export type VarType = 'continuous' | 'binary' | 'integer';
export type Sense = '<=' | '>=' | '=';
/** coefficient × variable */
export type Term = readonly [coef: number, name: string];

export interface Variable {
  readonly name: string;
  readonly type: VarType;
  readonly lb: number;
  readonly ub: number;
}

export interface Constraint {
  readonly name: string;
  readonly terms: readonly Term[];
  readonly sense: Sense;
  readonly rhs: number;
}

export interface Objective {
  readonly sense: 'min' | 'max';
  readonly terms: readonly Term[];
  readonly constant: number;
}

/** What a solver reads of a model (MilpModel is one). */
export interface LinearProgram {
  readonly variables: readonly Variable[];
  readonly constraints: readonly Constraint[];
  readonly objective: Objective;
}

export type MilpStatus = 'optimal' | 'infeasible' | 'unbounded' | 'time-limit' | 'not-integral' | 'unknown';

export interface MilpResult {
  readonly status: MilpStatus;
  /** The solver proved optimality and every integer variable is integral. */
  readonly optimal: boolean;
  /** The solver's own status text, for logs. */
  readonly solverStatus: string;
  /** Every variable's value (0 for variables the solver left out). */
  readonly values: Readonly<Record<string, number>>;
  /** Objective value including the constant; NaN when there is no solution. */
  readonly objective: number;
  readonly solveMs: number;
}
