/**
 * The FTP stage (PAPER §2): the fused stack 0..K−1 cut into a grid of output tiles; each tile's
 * regions are traced back through the stack, so a device runs its tile end to end.
 */
import { INPUT } from '../../shared/model/ir.ts';
import { traceStack } from '../../shared/geometry-trace.ts';
import { tileGrid } from '../../shared/partition/tiles.ts';
import type { Region } from '../../shared/tensor.ts';
import type { NodeRun } from '../../shared/plan/types.ts';
import type { PlanDraft } from './draft.ts';
import type { FtpSpec } from './spec.ts';

/** Static tile placement: each tile to the device that would finish it first (area / speed). */
export function assignTiles(tiles: Region[], devices: readonly { id: string; speed: number }[]): string[] {
  const load = devices.map(() => 0);
  return tiles.map((t) => {
    const area = (t.y1 - t.y0) * (t.x1 - t.x0);
    let best = 0;
    for (let d = 1; d < devices.length; d++) {
      if ((load[d]! + area) / devices[d]!.speed < (load[best]! + area) / devices[best]!.speed - 1e-9) best = d;
    }
    load[best]! += area;
    return devices[best]!.id;
  });
}

export function addFtpStage(draft: PlanDraft, ftp: FtpSpec): void {
  const { model } = draft;
  const sink = ftp.layers - 1;
  const out = model.nodes[sink]!.out;
  const stack = model.nodes.slice(0, ftp.layers).map((n) => n.id);
  const grid = tileGrid(out.h, out.w, ftp.grid.rows, ftp.grid.cols, { rowShares: ftp.rowShares, colShares: ftp.colShares });
  const tiles = grid.flat();
  const workers = assignTiles(tiles, draft.spec.devices);
  const stage = draft.stage('ftp', 'ftp', [0, sink], ftp.grid);
  tiles.forEach((tile, t) => {
    const trace = traceStack(model, stack, new Map([[sink, tile]]));
    const runs: NodeRun[] = stack.filter((id) => trace.nodes.has(id)).map((id) => {
      const r = trace.nodes.get(id)!;
      return { node: id, region: r.out, pad: r.pad };
    });
    const needs = [...trace.external].map(([node, region]) => ({
      sel: { node, region, channels: { c0: 0, c1: (node === INPUT ? model.input : model.nodes[node]!.out).c } },
      reduce: false,
    }));
    draft.task(stage, {
      kind: 'ftp', worker: workers[t]!, runs, needs, produces: [],
      parts: [{ sel: { node: sink, region: tile, channels: { c0: 0, c1: out.c } }, partial: false }],
    });
  });
}
