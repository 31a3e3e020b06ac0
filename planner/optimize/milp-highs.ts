/**
 * HiGHS back end of milp.ts: the model as CPLEX LP text, solved by the `highs` wasm build.
 * HiGHS's default relative MIP gap is 1e-4, which would accept an answer 0.01% above the optimum and
 * hide ties (PAPER §7.2 asserts exact optima), so we ask for gap 0: the search ends only when the
 * tree is exhausted or the bounds meet within HiGHS's numerical tolerances.
 */
import highsModule from 'highs';
import type { LinearProgram, MilpResult, MilpStatus, Term } from './milp-types.ts';

// The package is typed as CommonJS, so TypeScript sees the default import as the module object, while
// Node's ESM entry (build/highs.mjs) hands us the loader itself. Accept both.
type Loader = typeof highsModule.default;
const highsLoader: Loader = typeof highsModule === 'function' ? (highsModule as Loader) : highsModule.default;
type Highs = Awaited<ReturnType<Loader>>;
let loading: Promise<Highs> | undefined;

/** Terms per LP line; CPLEX LP readers limit line length, and expressions may continue on the next line. */
const TERMS_PER_LINE = 8;

function num(x: number): string {
  if (x === Infinity) return '+inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

function expr(terms: readonly Term[], fallback: string): string {
  if (terms.length === 0) return `0 ${fallback}`;
  const parts = terms.map(([c, v], k) => `${c < 0 ? '-' : k === 0 ? '' : '+'} ${num(Math.abs(c))} ${v}`.trim());
  const lines: string[] = [];
  for (let k = 0; k < parts.length; k += TERMS_PER_LINE) lines.push(parts.slice(k, k + TERMS_PER_LINE).join(' '));
  return lines.join('\n   ');
}

/** The model in CPLEX LP format (objective constant left out; solveHighs adds it back). */
export function toLpText(model: LinearProgram): string {
  const vars = model.variables;
  if (vars.length === 0) throw new Error('planner/milp: cannot write an LP with no variables');
  const first = vars[0]!.name;
  const { sense, terms } = model.objective;
  const out = [sense === 'min' ? 'Minimize' : 'Maximize', ` obj: ${expr(terms, first)}`, 'Subject To'];
  for (const c of model.constraints) out.push(` ${c.name}: ${expr(c.terms, first)} ${c.sense} ${num(c.rhs)}`);
  out.push('Bounds');
  for (const v of vars) if (v.type !== 'binary') out.push(` ${num(v.lb)} <= ${v.name} <= ${num(v.ub)}`);
  const binaries = vars.filter((v) => v.type === 'binary').map((v) => v.name);
  const integers = vars.filter((v) => v.type === 'integer').map((v) => v.name);
  if (binaries.length > 0) out.push('Binary', ...chunks(binaries));
  if (integers.length > 0) out.push('General', ...chunks(integers));
  out.push('End', '');
  return out.join('\n');
}

function chunks(names: readonly string[]): string[] {
  const lines: string[] = [];
  for (let k = 0; k < names.length; k += 16) lines.push(' ' + names.slice(k, k + 16).join(' '));
  return lines;
}

const STATUS: Record<string, MilpStatus> = {
  'Optimal': 'optimal',
  'Infeasible': 'infeasible',
  'Unbounded': 'unbounded',
  'Primal infeasible or unbounded': 'infeasible',
  'Time limit reached': 'time-limit',
};

export async function solveHighs(model: LinearProgram, timeLimitS: number): Promise<Omit<MilpResult, 'optimal'>> {
  const highs = await (loading ??= highsLoader());
  const lp = toLpText(model);
  const t0 = performance.now();
  const sol = highs.solve(lp, { time_limit: timeLimitS, mip_rel_gap: 0, output_flag: false });
  const solveMs = performance.now() - t0;
  const status = STATUS[sol.Status] ?? 'unknown';
  const values: Record<string, number> = {};
  for (const v of model.variables) {
    const col = sol.Columns[v.name] as { Primal?: number } | undefined;
    values[v.name] = col?.Primal ?? 0;
  }
  const hasSolution = status === 'optimal' || (status === 'time-limit' && Number.isFinite(sol.ObjectiveValue));
  const objective = hasSolution ? sol.ObjectiveValue + model.objective.constant : NaN;
  return { status, solverStatus: sol.Status, values, objective, solveMs };
}
