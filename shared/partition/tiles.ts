/**
 * FTP tile grids (PAPER §2.1) and checkerboard data reuse (PAPER §2.5). Pure functions over regions;
 * the receptive-region math they rely on lives in geometry.ts and geometry-trace.ts.
 */
import { assert } from '../errors.ts';
import { containsRegion, isEmptyRegion, regionString } from '../geometry.ts';
import { traceStack, type StackTrace } from '../geometry-trace.ts';
import type { Model } from '../model/ir.ts';
import type { Region } from '../tensor.ts';
import { apportion, rangesOf } from './channels.ts';

/** Row-major tile id (PAPER §2.1: task id = i·Gw + j). */
export function tileId(i: number, j: number, cols: number): number {
  return i * cols + j;
}

export interface GridOptions {
  /** Relative heights of the grid rows (e.g. device speeds, PAPER §12.1); default equal. */
  readonly rowShares?: readonly number[];
  /** Relative widths of the grid columns; default equal. */
  readonly colShares?: readonly number[];
}

/**
 * Tiles of an h×w map as grid[i][j] (row i, column j). Equal shares give sizes that differ by at most
 * one, larger first ([ours], PAPER §2.1: never the paper's empty tile); shares give proportional
 * sizes by largest remainder, each at least one row or column.
 */
export function tileGrid(h: number, w: number, rows: number, cols: number, opts: GridOptions = {}): Region[][] {
  checkGrid(h, w, rows, cols);
  const shares = (given: readonly number[] | undefined, n: number, what: string): readonly number[] => {
    assert(given === undefined || given.length === n, () => `tiles: ${given!.length} ${what} shares for ${n} ${what}s`);
    return given ?? Array<number>(n).fill(1);
  };
  return grid(rangesOf(apportion(h, shares(opts.rowShares, rows, 'row'))), rangesOf(apportion(w, shares(opts.colShares, cols, 'column'))));
}

/**
 * DeepThings' grid (src/ftp.c `grid`): tiles ⌈n/G⌉ long, the last ends at the map edge. Grids for
 * which that rule runs past the edge and leaves an empty tile (⌈n/G⌉·(G−1) ≥ n) are rejected.
 */
export function paperTileGrid(h: number, w: number, rows: number, cols: number): Region[][] {
  checkGrid(h, w, rows, cols);
  const split = (n: number, parts: number, axis: string): Array<[number, number]> => {
    const step = Math.ceil(n / parts);
    assert(step * (parts - 1) < n,
      () => `tiles: the paper's rule gives tiles of ⌈${n}/${parts}⌉ = ${step} ${axis}, which leaves tile ${parts - 1} of ${parts} empty; use tileGrid`);
    return Array.from({ length: parts }, (_, k) => [k * step, k === parts - 1 ? n : (k + 1) * step] as [number, number]);
  };
  return grid(split(h, rows, 'rows'), split(w, cols, 'columns'));
}

function checkGrid(h: number, w: number, rows: number, cols: number): void {
  assert([h, w, rows, cols].every((v) => Number.isInteger(v) && v >= 1), () => `tiles: bad grid ${rows}x${cols} over a ${h}x${w} map`);
  assert(rows <= h && cols <= w, () => `tiles: grid ${rows}x${cols} does not fit a ${h}x${w} map`);
}

function grid(ys: Array<[number, number]>, xs: Array<[number, number]>): Region[][] {
  return ys.map(([y0, y1]) => xs.map(([x0, x1]) => ({ y0, y1, x0, x1 })));
}

// ── Checkerboard data reuse (PAPER §2.5; DeepThings src/ftp.c, DATA_REUSE) ──

export type ReuseLevel = 0 | 1;

/** Level 0 (independent) where i + j is even, level 1 (reuses its neighbours' overlaps) elsewhere. */
export function checkerboard(tiles: readonly (readonly Region[])[]): { level: ReuseLevel }[][] {
  return tiles.map((row, i) => row.map((_, j) => ({ level: ((i + j) % 2) as ReuseLevel })));
}

/** A part of a node's needed region that a level-0 neighbour computes anyway. */
export interface ReusePiece { readonly tile: number; readonly region: Region }

export interface TileReuse {
  readonly level: ReuseLevel;
  /** Level 0: the trace as given. Level 1: re-traced from its shrunken regions (`out` ⊂ `needed`). */
  readonly trace: StackTrace;
  /** Per non-sink stack node: the pieces of `needed` outside `out`, each inside that neighbour's `out`. */
  readonly fetch: ReadonlyMap<number, readonly ReusePiece[]>;
}

/**
 * Data reuse over a grid of per-tile traces of one stack (traces[i][j] from traceStack). For a
 * level-1 tile, every node but the sinks computes only what its level-0 neighbours above, below, left
 * and right do not; its inputs are traced from that smaller region, so the saving compounds down the
 * stack as in DeepThings. A side is cut only where the neighbour's region spans the whole strip, so
 * `out` plus the pieces tile `needed` exactly, without overlap.
 */
export function reuseRegions(model: Model, stack: readonly number[], traces: readonly (readonly StackTrace[])[]): TileReuse[][] {
  const rows = traces.length, cols = traces[0]?.length ?? 0;
  assert(rows > 0 && traces.every((r) => r.length === cols), () => `tiles: reuse needs a rectangular grid of traces`);
  return traces.map((row, i) => row.map((trace, j) => {
    if ((i + j) % 2 === 0) return { level: 0, trace, fetch: new Map() };
    const near = (di: number, dj: number): Neighbour | undefined => {
      const ni = i + di, nj = j + dj;
      return ni < 0 || ni >= rows || nj < 0 || nj >= cols ? undefined : { tile: tileId(ni, nj, cols), trace: traces[ni][nj] };
    };
    const fetch = new Map<number, ReusePiece[]>();
    const shrunk = traceStack(model, stack, trace.sinks, (id, needed) => {
      const { out, pieces } = shrinkRegion(id, needed, near(-1, 0), near(1, 0), near(0, -1), near(0, 1));
      fetch.set(id, pieces);
      return out;
    });
    return { level: 1, trace: shrunk, fetch };
  }));
}

interface Neighbour { readonly tile: number; readonly trace: StackTrace }

/** Cut `needed` by the up/down neighbours (full-width strips), then left/right (strips of the remaining rows). */
function shrinkRegion(id: number, needed: Region, up?: Neighbour, down?: Neighbour, left?: Neighbour, right?: Neighbour):
  { out: Region; pieces: ReusePiece[] } {
  const reg = (n: Neighbour | undefined): Region | undefined => {
    const t = n?.trace.nodes.get(id);
    assert(n === undefined || t !== undefined, () => `tiles: neighbour tile ${n!.tile} has no trace of node ${id}`);
    return t?.out;
  };
  const [u, d, l, r] = [reg(up), reg(down), reg(left), reg(right)];
  let { y0, y1, x0, x1 } = needed;
  const spansCols = (n: Region): boolean => n.x0 <= x0 && n.x1 >= x1;
  const spansRows = (n: Region): boolean => n.y0 <= y0 && n.y1 >= y1;
  if (u && spansCols(u) && u.y0 <= needed.y0) y0 = Math.min(Math.max(u.y1, y0), y1);
  if (d && spansCols(d) && d.y1 >= needed.y1) y1 = Math.max(Math.min(d.y0, y1), y0);
  if (l && spansRows(l) && l.x0 <= needed.x0) x0 = Math.min(Math.max(l.x1, x0), x1);
  if (r && spansRows(r) && r.x1 >= needed.x1) x1 = Math.max(Math.min(r.x0, x1), x0);
  const pieces: ReusePiece[] = [];
  const add = (n: Neighbour | undefined, nr: Region | undefined, p: Region): void => {
    if (isEmptyRegion(p)) return;
    assert(n !== undefined && nr !== undefined && containsRegion(nr, p), () => `tiles: reuse piece ${regionString(p)} of node ${id} is not computed by a neighbour`);
    pieces.push({ tile: n.tile, region: p });
  };
  add(up, u, { y0: needed.y0, y1: y0, x0: needed.x0, x1: needed.x1 });
  add(down, d, { y0: y1, y1: needed.y1, x0: needed.x0, x1: needed.x1 });
  add(left, l, { y0, y1, x0: needed.x0, x1: x0 });
  add(right, r, { y0, y1, x0: x1, x1: needed.x1 });
  return { out: { y0, y1, x0, x1 }, pieces };
}
