/**
 * javascript-lp-solver back end of milp.ts (pure JS; no wasm). Its JSON model keeps variables ≥ 0
 * unless "unrestricted", so other bounds become constraints. At its time limit it returns the best
 * node it has, possibly a fractional LP relaxation still flagged "feasible": we report that as
 * 'time-limit', and milp.ts rejects any fractional integer anyway.
 */
import jslpModule, { type Model as JslpModel } from 'javascript-lp-solver';
import type { LinearProgram, MilpResult, MilpStatus } from './milp-types.ts';

// Typed as CommonJS (default import = module object) but loaded as ESM (default = the solver); accept both.
type Solver = typeof jslpModule.default;
const solver: Solver = 'Solve' in jslpModule ? (jslpModule as unknown as Solver) : jslpModule.default;

/** Not a valid LP name, so it cannot clash with a constraint of the model. */
const OBJECTIVE = '$objective';

/** The model in javascript-lp-solver's JSON form (objective constant left out). */
function toJslp(model: LinearProgram, timeLimitS: number): JslpModel {
  const variables: Record<string, Record<string, number>> = {};
  const constraints: JslpModel['constraints'] = {};
  const binaries: Record<string, 1> = {};
  const ints: Record<string, 1> = {};
  const unrestricted: Record<string, 1> = {};
  for (const v of model.variables) {
    variables[v.name] = {};
    if (v.type === 'binary') binaries[v.name] = 1;
    if (v.type === 'integer') ints[v.name] = 1;
    if (v.lb < 0) unrestricted[v.name] = 1;
    if (v.type !== 'binary' && v.lb !== 0 && Number.isFinite(v.lb)) bound(`$lb:${v.name}`, v.name, { min: v.lb });
    if (v.type !== 'binary' && Number.isFinite(v.ub)) bound(`$ub:${v.name}`, v.name, { max: v.ub });
  }
  for (const c of model.constraints) {
    constraints[c.name] = c.sense === '<=' ? { max: c.rhs } : c.sense === '>=' ? { min: c.rhs } : { equal: c.rhs };
    for (const [coef, v] of c.terms) variables[v]![c.name] = coef;
  }
  for (const [coef, v] of model.objective.terms) variables[v]![OBJECTIVE] = coef;
  return {
    optimize: OBJECTIVE, opType: model.objective.sense, constraints, variables, binaries, ints, unrestricted,
    options: { timeout: timeLimitS * 1000 },
  };

  function bound(name: string, v: string, b: { min?: number; max?: number }): void {
    constraints[name] = b;
    variables[v]![name] = 1;
  }
}

export function solveJslp(model: LinearProgram, timeLimitS: number): Omit<MilpResult, 'optimal'> {
  const json = toJslp(model, timeLimitS);
  const t0 = performance.now();
  const res = solver.Solve(json) as Record<string, unknown> & { feasible: boolean; bounded?: boolean; result: number };
  const solveMs = performance.now() - t0;
  let status: MilpStatus = 'optimal';
  if (!res.feasible) status = 'infeasible';
  else if (res.bounded === false) status = 'unbounded';
  // The solver returns no flag for its timeout; a run that used the whole budget proved nothing.
  else if (solveMs >= timeLimitS * 1000 * 0.99) status = 'time-limit';
  const values: Record<string, number> = {};
  for (const v of model.variables) values[v.name] = typeof res[v.name] === 'number' ? (res[v.name] as number) : 0;
  const objective = status === 'infeasible' ? NaN : res.result + model.objective.constant;
  return { status, solverStatus: solverText(res, status), values, objective, solveMs };
}

function solverText(res: { feasible: boolean; bounded?: boolean; isIntegral?: unknown }, status: MilpStatus): string {
  return `jslp ${status} (feasible=${res.feasible}, bounded=${res.bounded ?? 'n/a'}, isIntegral=${res.isIntegral ?? false})`;
}
