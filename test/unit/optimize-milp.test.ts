/** The MILP modelling layer: LP text, both solvers, and never trusting a fractional or unproven answer. */
import assert from 'node:assert/strict';
import { badIntegers, evaluate, MilpModel, solveMilp } from '../../planner/optimize/milp.ts';
import { toLpText } from '../../planner/optimize/milp-highs.ts';

function small(): MilpModel {
  const m = new MilpModel();
  m.addVar('x', 'integer', 0, 10);
  m.addVar('y', 'continuous', -5, 3.5);
  m.addBinary('z');
  m.addConstraint('c1', [[1, 'x'], [2, 'y'], [-3, 'z']], '<=', 7.3);
  m.addConstraint('c2', [[1, 'x'], [1, 'z'], [0.5, 'x']], '>=', 1);
  m.setObjective('max', [[1, 'x'], [1, 'y'], [0.5, 'z']], 10);
  return m;
}

/** A knapsack that javascript-lp-solver cannot close in a millisecond. */
function knapsack(items: number): MilpModel {
  const m = new MilpModel();
  const terms: [number, string][] = [];
  const value: [number, string][] = [];
  for (let k = 0; k < items; k++) {
    m.addBinary(`x${k}`);
    terms.push([37 + ((k * 7919) % 61), `x${k}`]);
    value.push([41 + ((k * 104729) % 67), `x${k}`]);
  }
  m.addConstraint('cap', terms, '<=', 25 * items + 0.5);
  m.setObjective('max', value);
  return m;
}

describe('planner/optimize milp', () => {
  it('writes CPLEX LP text with bounds, binaries, integers and merged terms', () => {
    const lp = toLpText(small());
    assert.match(lp, /^Maximize\n obj: 1 x \+ 1 y \+ 0\.5 z\nSubject To\n/);
    assert.match(lp, / c2: 1\.5 x \+ 1 z >= 1\n/);
    assert.match(lp, / -5 <= y <= 3\.5\n/);
    assert.match(lp, /Binary\n z\nGeneral\n x\nEnd/);
  });

  for (const solver of ['highs', 'jslp'] as const) {
    it(`solves a small MILP on ${solver} (objective constant included)`, async () => {
      const m = small();
      const r = await solveMilp(m, { solver });
      assert.equal(r.status, 'optimal');
      assert.ok(r.optimal);
      assert.ok(Math.abs(r.objective - 20.65) < 1e-9, `${r.objective}`);
      assert.ok(Math.abs(evaluate(m, r.values) - r.objective) < 1e-9);
      assert.deepEqual([r.values.x, r.values.z], [10, 1]);
    });

    it(`reports an infeasible model on ${solver}`, async () => {
      const m = new MilpModel();
      m.addBinary('a');
      m.addConstraint('impossible', [[1, 'a']], '>=', 2);
      m.setObjective('min', [[1, 'a']]);
      const r = await solveMilp(m, { solver });
      assert.equal(r.optimal, false);
      assert.equal(r.status, 'infeasible');
    });
  }

  it('does not trust javascript-lp-solver at its time limit', async () => {
    const r = await solveMilp(knapsack(60), { solver: 'jslp', timeLimitS: 0.001 });
    assert.equal(r.optimal, false);
    assert.ok(r.status === 'time-limit' || r.status === 'not-integral', r.status);
  });

  it('flags fractional binaries and out-of-bound integers', () => {
    const m = small();
    assert.deepEqual(badIntegers(m, { x: 3, y: 0.3, z: 1 }), []);
    assert.deepEqual(badIntegers(m, { x: 3 + 2e-6, y: 0.3, z: 1 }), ['x']);
    assert.deepEqual(badIntegers(m, { x: 11, z: 0.5 }), ['x', 'z']);
    assert.deepEqual(badIntegers(m, { x: 3 + 1e-7, z: 1 - 1e-7 }), []);
  });

  it('rejects bad names, duplicates, undefined variables and non-finite data', () => {
    const m = new MilpModel();
    m.addBinary('a');
    assert.throws(() => m.addBinary('a'), /defined twice/);
    assert.throws(() => m.addVar('e1x'), /not a valid LP name/);
    assert.throws(() => m.addVar('1a'), /not a valid LP name/);
    assert.throws(() => m.addConstraint('c', [[1, 'b']], '<=', 1), /undefined variable b/);
    assert.throws(() => m.addConstraint('c', [[NaN, 'a']], '<=', 1), /coefficient NaN/);
    assert.throws(() => m.addConstraint('c', [[1, 'a']], '<=', Infinity), /right-hand side/);
  });

  it('linearises a product of binaries exactly (PAPER §4)', async () => {
    for (const [p, q] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
      for (const sense of ['min', 'max'] as const) {
        const m = new MilpModel();
        m.addBinary('p');
        m.addBinary('q');
        m.addBinary('y');
        m.addProduct('y', [[1, 'p']], [[1, 'q']]);
        m.addConstraint('fixp', [[1, 'p']], '=', p!);
        m.addConstraint('fixq', [[1, 'q']], '=', q!);
        m.setObjective(sense, [[1, 'y']]);
        const r = await solveMilp(m);
        assert.equal(r.values.y, p! * q!, `${p}·${q} (${sense})`);
      }
    }
  });
});
