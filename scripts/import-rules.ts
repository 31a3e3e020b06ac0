/**
 * The import direction of DESIGN.md and STYLE §2.4: cli (and bench, scripts) → roles (broker,
 * planner, worker) → shared, nothing back up, no role importing another role, and no file-level
 * import cycles. Read from the sources' own import statements (type-only imports count: they tie
 * the modules as much for a reader). Run by test/unit/import-rules.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './size-limits.ts';

/** Floor of each top folder: a file may import its own folder or a lower floor, never a peer or higher one. */
const FLOOR: Record<string, number> = { shared: 1, worker: 2, planner: 2, broker: 2, cli: 3, bench: 4, scripts: 4 };

export type ImportGraph = Map<string, string[]>;

/** Relative imports of every checked source, resolved to repository paths. */
export function importGraph(cwd = process.cwd()): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const file of sourceFiles(cwd)) {
    const info = ts.preProcessFile(readFileSync(join(cwd, file), 'utf8'), true, true);
    const deps = info.importedFiles.map((f) => f.fileName).filter((n) => n.startsWith('.')).map((n) => normalize(join(dirname(file), n)));
    graph.set(file, deps);
  }
  return graph;
}

/** Imports that run back up or sideways between roles, as `from -> to`. */
export function directionOffenders(graph: ImportGraph): string[] {
  const top = (f: string): string => f.split('/')[0]!;
  const out: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      const a = top(from), b = top(to);
      if (a !== b && !((FLOOR[b] ?? Infinity) < (FLOOR[a] ?? 0))) out.push(`${from} -> ${to}`);
    }
  }
  return out;
}

/** Every import cycle, once each, as its files in order (depth-first search over the graph). */
export function importCycles(graph: ImportGraph): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push(stack.slice(stack.indexOf(d)));
      else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}
