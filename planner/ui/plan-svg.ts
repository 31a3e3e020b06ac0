/**
 * `plan --svg`: the plan as one picture, for the README and for papers — the layer strip coloured by
 * partition type, the FTP grid coloured by device (PAPER §2.1), and per tail stage the channel range
 * each device owns (LOP/FUSE1 output channels, LIP/FUSE2 input channels, PAPER §3). Pure string
 * building; `--png` converts it with sharp.
 */
import { PARTITION_COLOURS, type PlanView, type TailStageView } from './plan-view.ts';
import type { PartitionKind } from '../../shared/plan/types.ts';

const W = 960, PAD = 24, FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const text = (x: number, y: number, s: string, attrs = ''): string => `<text x="${x}" y="${y}" ${attrs}>${esc(s)}</text>`;
const rect = (x: number, y: number, w: number, h: number, fill: string, extra = '', title?: string): string =>
  `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${fill}" ${extra}` +
  (title === undefined ? '/>' : `><title>${esc(title)}</title></rect>`);

function strip(v: PlanView, y: number): string[] {
  const cell = (W - 2 * PAD) / Math.max(1, v.layers.length);
  const out = [text(PAD, y, `Layers 0..${v.layers.length - 1} by partition type`, 'font-size="14" font-weight="600"')];
  v.layers.forEach((l, i) => {
    out.push(rect(PAD + i * cell, y + 8, cell - 1, 28, l.colour, `data-layer="${l.index}" data-type="${l.partition}"`, `layer ${l.index} ${l.kind}: ${l.partition.toUpperCase()}`));
    if (i % Math.ceil(20 / cell) === 0) out.push(text(PAD + i * cell + cell / 2, y + 50, String(l.index), 'font-size="10" text-anchor="middle" fill="#555"'));
  });
  const used = [...new Set(v.layers.map((l) => l.partition))];
  let x = PAD;
  for (const k of Object.keys(PARTITION_COLOURS) as PartitionKind[]) {
    if (!used.includes(k)) continue;
    out.push(rect(x, y + 60, 12, 12, PARTITION_COLOURS[k]), text(x + 16, y + 70, k.toUpperCase(), 'font-size="12"'));
    x += 28 + 8 * k.length;
  }
  return out;
}

function grid(v: PlanView, x: number, y: number, size: number): string[] {
  const f = v.ftp;
  if (!f) return [text(x, y + 16, 'No FTP stage: the whole model runs as tail stages.', 'font-size="12"')];
  const scale = size / Math.max(v.input.h, v.input.w), gw = v.input.w * scale, gh = v.input.h * scale;
  const colour = new Map(v.devices.map((d) => [d.id, d.colour]));
  const out = [text(x, y, `FTP layers ${f.layers[0]}..${f.layers[1]}: ${f.rows}×${f.cols} tiles by device`, 'font-size="14" font-weight="600"')];
  for (const t of f.tiles) {
    const tx = x + t.x0 * gw, ty = y + 12 + t.y0 * gh, tw = (t.x1 - t.x0) * gw, th = (t.y1 - t.y0) * gh;
    out.push(rect(tx, ty, tw, th, colour.get(t.worker) ?? '#ccc', 'stroke="#fff" stroke-width="2"'));
    if (tw > 26 && th > 14) out.push(text(tx + tw / 2, ty + th / 2 + 4, t.worker, 'font-size="11" text-anchor="middle" fill="#fff"'));
  }
  return out;
}

function tailRow(s: TailStageView, v: PlanView, x: number, y: number, w: number): string[] {
  const colour = new Map(v.devices.map((d) => [d.id, d.colour]));
  const label = `${s.stage} ${s.kind} ${s.layers[0] === s.layers[1] ? s.layers[0] : `${s.layers[0]}-${s.layers[1]}`}`;
  const out = [text(x, y + 10, label, 'font-size="11"')];
  const bx = x + 118, bw = w - 118;
  if (s.parts.length === 0 || s.channels === 0) {
    out.push(rect(bx, y, bw, 12, colour.get(s.workers[0] ?? '') ?? '#ccc', 'opacity="0.85"'), text(bx + 4, y + 10, `${s.workers.join(', ')}: whole map`, 'font-size="10" fill="#fff"'));
    return out;
  }
  for (const p of s.parts) {
    out.push(rect(bx + (p.c0 / s.channels) * bw, y, ((p.c1 - p.c0) / s.channels) * bw - 1, 12, colour.get(p.worker) ?? '#ccc', '',
      `${s.stage}: ${p.worker} ${p.side === 'in' ? 'input' : 'output'} channels ${p.c0}..${p.c1 - 1}`));
    const pw = ((p.c1 - p.c0) / s.channels) * bw;
    if (pw > 44) out.push(text(bx + (p.c0 / s.channels) * bw + pw / 2, y + 10, `${p.c0}–${p.c1 - 1}`, 'font-size="9" text-anchor="middle" fill="#fff"'));
  }
  return out;
}

function legend(v: PlanView, y: number): string[] {
  const out: string[] = [];
  let x = PAD;
  for (const d of v.devices) {
    out.push(rect(x, y, 12, 12, d.colour), text(x + 16, y + 10, `${d.id}${d.id === v.dataSource ? ' (data source)' : ''}`, 'font-size="12"'));
    x += 40 + 7 * (d.id.length + (d.id === v.dataSource ? 14 : 0));
  }
  return out;
}

/** The whole picture as an SVG document. */
export function planSvg(v: PlanView): string {
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  const head = `${v.model} on ${v.devices.length} device${v.devices.length === 1 ? '' : 's'}, objective ${v.objective.replace(/,/g, ' > ')}`;
  const sub = v.predicted ? `predicted ${Math.round(v.predicted.latencyMs)} ms per frame, ${mb(v.predicted.bytesPerFrame)} through the broker per frame; plan ${v.planId.slice(0, 8)}` : `plan ${v.planId.slice(0, 8)}`;
  const body: string[] = [text(PAD, 28, head, 'font-size="16" font-weight="700"'), text(PAD, 46, sub, 'font-size="12" fill="#444"'), ...strip(v, 74)];
  const top = 172, gridSize = 300, tx = PAD + gridSize + 40, tw = W - tx - PAD;
  body.push(...grid(v, PAD, top, gridSize));
  body.push(text(tx, top, 'Tail stages: channels per device', 'font-size="14" font-weight="600"'));
  v.tail.forEach((s, i) => body.push(...tailRow(s, v, tx, top + 12 + i * 16, tw)));
  const bottom = Math.max(top + 12 + gridSize, top + 12 + v.tail.length * 16) + 20;
  body.push(...legend(v, bottom));
  const h = bottom + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" ${FONT} role="img" aria-label="${esc(`${head}; ${sub}`)}">\n` +
    `${rect(0, 0, W, h, '#ffffff')}\n${body.join('\n')}\n</svg>\n`;
}
