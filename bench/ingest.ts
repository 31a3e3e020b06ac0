/**
 * `npm run bench -- ingest [--runs 20] [--net 416x416] [--grid 3] [--image <jpg>]`: the data source's
 * ingest per frame (issue 13 §3: ≤ 50 ms for a 640×480 JPEG on one core) split into decode,
 * preprocess (Darknet resize + letterbox + scale) and cut (FTP tiles of a G×G grid with a 16-px
 * halo, as row-wise host copies), for sharp and for the JS fallback. Median of `runs` after a warm-up,
 * wall ms per step and CPU ms per frame (process.cpuUsage, libvips threads included).
 * The default frame is the sample photo re-encoded at 640×480, 4:2:0, quality 85.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { SAMPLE_IMAGE } from '../shared/assets.ts';
import { tensor3, type Tensor3 } from '../shared/tensor.ts';
import { tileGrid } from '../shared/partition/tiles.ts';
import { decodeFrame, toModelInput, type ImageDecoder } from '../worker/engine/image.ts';
import { emit, median, round } from './stats.ts';

const HALO = 16;

/** Host copies of every tile with its halo, one row of all channels at a time. */
function cut(input: Tensor3, grid: number): Tensor3[] {
  const { h, w, c } = input.shape;
  const tiles: Tensor3[] = [];
  for (const row of tileGrid(h, w, grid, grid)) {
    for (const r of row) {
      const y0 = Math.max(0, r.y0 - HALO), y1 = Math.min(h, r.y1 + HALO), x0 = Math.max(0, r.x0 - HALO), x1 = Math.min(w, r.x1 + HALO);
      const tile = tensor3({ h: y1 - y0, w: x1 - x0, c });
      for (let y = y0; y < y1; y++) tile.data.set(input.data.subarray((y * w + x0) * c, (y * w + x1) * c), (y - y0) * (x1 - x0) * c);
      tiles.push(tile);
    }
  }
  return tiles;
}

async function frame(path: string | undefined): Promise<Uint8Array> {
  if (path) return new Uint8Array(readFileSync(path));
  const jpg = await sharp(readFileSync(SAMPLE_IMAGE), { ignoreIcc: true }).resize(640, 480, { fit: 'fill' }).jpeg({ quality: 85, chromaSubsampling: '4:2:0' }).toBuffer();
  return new Uint8Array(jpg);
}

export async function benchIngest(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: {
    runs: { type: 'string', default: '20' }, net: { type: 'string', default: '416x416' }, grid: { type: 'string', default: '3' }, image: { type: 'string' },
  } });
  const [nh, nw] = values.net!.split('x').map(Number) as [number, number];
  const runs = Math.max(5, Number(values.runs));
  const grid = Number(values.grid);
  const bytes = await frame(values.image);
  const meta = await sharp(bytes).metadata();
  // One libvips thread: the budget is one core, and the bench should not borrow a second.
  sharp.concurrency(1);
  const totals: Partial<Record<ImageDecoder, number>> = {};
  for (const decoder of ['sharp', 'js'] as const) {
    const t = { decode: [] as number[], preprocess: [] as number[], cut: [] as number[], total: [] as number[], cpu: [] as number[] };
    for (let i = 0; i < runs + 2; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const img = await decodeFrame(bytes, undefined, decoder);
      const t1 = performance.now();
      const { tensor } = toModelInput(img, { h: nh, w: nw, c: 3 }, { resize: 'letterbox', scale: 1 / 255 });
      const t2 = performance.now();
      cut(tensor, grid);
      const t3 = performance.now();
      const c = process.cpuUsage(c0);
      if (i < 2) continue; // warm-up: JIT, sharp's first load
      t.decode.push(t1 - t0); t.preprocess.push(t2 - t1); t.cut.push(t3 - t2); t.total.push(t3 - t0); t.cpu.push((c.user + c.system) / 1000);
    }
    totals[decoder] = median(t.cpu);
    emit({ bench: 'ingest', decoder, image: [meta.width, meta.height], chroma: meta.chromaSubsampling, net: [nh, nw], grid, runs,
      decodeMs: round(median(t.decode)), preprocessMs: round(median(t.preprocess)), cutMs: round(median(t.cut)), totalMs: round(median(t.total)), cpuMs: round(median(t.cpu)) });
  }
  // CPU time of the whole process (libvips threads included): on a shared machine wall time also counts the waits.
  process.stdout.write(`# ingest ${meta.width}x${meta.height} → ${nh}x${nw}, ${grid}x${grid} tiles, CPU ms per frame: sharp ${round(totals.sharp!)}, ` +
    `JS fallback ${round(totals.js!)} (${round(totals.js! / totals.sharp!, 2)}×); target ≤ 50 ms on one core\n`);
}
