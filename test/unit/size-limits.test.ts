/** STYLE.md's limits hold for the whole tree: the same checks as `npm run lint:size`, plus the import direction. */
import { strict as assert } from 'node:assert';
import { fileURLToPath } from 'node:url';
import { formatOffender, offendersIn, sizeOffenders, MAX_FILE_LINES, MAX_FUNCTION_LINES } from '../../scripts/size-limits.ts';
import { directionOffenders, importCycles, importGraph } from '../../scripts/import-rules.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('size limits and import direction', () => {
  it(`no file over ${MAX_FILE_LINES} lines and no function over ${MAX_FUNCTION_LINES} outside test/`, () => {
    const offenders = sizeOffenders(ROOT).map(formatOffender);
    assert.deepEqual(offenders, [], `split these by concept (STYLE.md):\n${offenders.join('\n')}`);
  });

  it('the check sees a long file and a long function (nested ones count in their parent)', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES - 1 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const fn = `function tooLong() {\n  const inner = () => 0;\n${body}\n}\n`;
    assert.deepEqual(offendersIn('x.ts', fn).map((o) => `${o.where} ${o.what} ${o.lines}`), ['x.ts:1 function tooLong 52']);
    const file = Array.from({ length: MAX_FILE_LINES + 1 }, (_, i) => `export const c${i} = ${i};`).join('\n') + '\n';
    assert.deepEqual(offendersIn('y.ts', file).map((o) => `${o.where} ${o.what} ${o.lines}`), [`y.ts file ${MAX_FILE_LINES + 1}`]);
  });

  it('imports run cli → roles (broker, planner, worker) → shared: nothing back up or across roles, no cycles', () => {
    const graph = importGraph(ROOT);
    assert.ok(graph.size > 100, `read ${graph.size} files`);
    assert.deepEqual(directionOffenders(graph), [], 'imports against the direction');
    assert.deepEqual(importCycles(graph).map((c) => c.join(' -> ')), [], 'import cycles');
  });

  it('the import checks see a back-up import, a cross-role import and a cycle', () => {
    const graph = new Map([
      ['shared/a.ts', ['worker/b.ts']], ['worker/b.ts', ['planner/c.ts', 'shared/a.ts']], ['planner/c.ts', []],
      ['cli/d.ts', ['worker/b.ts', 'shared/a.ts']],
    ]);
    assert.deepEqual(directionOffenders(graph), ['shared/a.ts -> worker/b.ts', 'worker/b.ts -> planner/c.ts']);
    assert.deepEqual(importCycles(graph), [['shared/a.ts', 'worker/b.ts']]);
  });
});
