// The plan: summary, the layer strip coloured by partition type (arrow keys move through layers),
// the FTP grid by device, the channel range each device owns in every tail stage, and the
// planner's explanation.
import { h, mb, ms, pct, replace } from './dom.js';

const TYPE_NAMES = { ftp: 'FTP', lop: 'LOP', lip: 'LIP', fuse1: 'FUSE1', fuse2: 'FUSE2', seq: 'SEQ', local: 'local' };
const TYPE_HELP = {
  ftp: 'fused tile partitioning: each device computes tiles of the map',
  lop: 'output channels split over devices', lip: 'input channels split, partial sums reduced',
  fuse1: 'first of a fused pair (output channels)', fuse2: 'second of a fused pair (input channels, reduced)',
  seq: 'whole layer on one device', local: 'on the data source, no split',
};

function strip(plan) {
  const detail = h('p', { class: 'layer-detail', id: 'layer-detail', 'aria-live': 'polite', text: 'Select a layer (←/→ on the strip) for its partition.' });
  const cells = plan.layers.map((l, i) => h('div', {
    class: 'layer', role: 'option', id: `layer-${i}`, 'aria-selected': 'false', title: `layer ${l.index} ${l.kind}: ${TYPE_NAMES[l.partition]}`,
    dataset: { layer: String(l.index), type: l.partition }, style: { background: l.colour },
  }));
  const bar = h('div', { class: 'strip', id: 'strip', role: 'listbox', tabindex: 0, 'aria-label': `${plan.layers.length} layers by partition type`, 'aria-describedby': 'layer-detail' }, cells);
  let at = -1;
  const select = (i) => {
    if (at >= 0) cells[at].setAttribute('aria-selected', 'false');
    at = Math.max(0, Math.min(cells.length - 1, i));
    cells[at].setAttribute('aria-selected', 'true');
    bar.setAttribute('aria-activedescendant', cells[at].id);
    const l = plan.layers[at];
    detail.textContent = `Layer ${l.index} (${l.kind}): ${TYPE_NAMES[l.partition]} — ${TYPE_HELP[l.partition]}.`;
  };
  bar.addEventListener('keydown', (e) => {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (step) select(at < 0 ? 0 : at + step);
    else if (e.key === 'Home') select(0);
    else if (e.key === 'End') select(cells.length - 1);
    else return;
    e.preventDefault();
  });
  bar.addEventListener('click', (e) => { const i = cells.indexOf(e.target); if (i >= 0) select(i); });
  const used = Object.keys(TYPE_NAMES).filter((t) => plan.layers.some((l) => l.partition === t));
  const legend = h('ul', { class: 'legend', 'aria-label': 'partition types' },
    used.map((t) => h('li', {}, h('span', { class: 'swatch', style: { background: plan.layers.find((l) => l.partition === t).colour }, 'aria-hidden': 'true' }),
      `${TYPE_NAMES[t]} ×${plan.layers.filter((l) => l.partition === t).length}`)));
  return [bar, legend, detail];
}

function ftpGrid(plan) {
  const f = plan.ftp;
  if (!f) return h('p', { class: 'muted', text: 'No FTP stage: every layer runs as a tail stage.' });
  const colour = new Map(plan.devices.map((d) => [d.id, d.colour]));
  const box = h('div', { class: 'grid-mini', role: 'img', 'aria-label': `FTP grid ${f.rows} by ${f.cols}: ${f.tiles.map((t) => `row ${t.row + 1} column ${t.col + 1} on ${t.worker}`).join('; ')}` },
    f.tiles.map((t) => h('div', { class: 'tile', title: `tile ${t.row},${t.col}: ${t.worker}`, style: { left: pct(t.x0), top: pct(t.y0), width: pct(t.x1 - t.x0), height: pct(t.y1 - t.y0), background: colour.get(t.worker) } },
      h('span', { text: t.worker }))));
  box.style.aspectRatio = `${plan.input.w} / ${plan.input.h}`;
  return h('figure', { class: 'ftp' }, box, h('figcaption', { text: `FTP layers ${f.layers[0]}–${f.layers[1]}: ${f.rows}×${f.cols} tiles, coloured by device` }));
}

function tail(plan) {
  const colour = new Map(plan.devices.map((d) => [d.id, d.colour]));
  const rows = plan.tail.map((s) => {
    const layers = s.layers[0] === s.layers[1] ? `${s.layers[0]}` : `${s.layers[0]}–${s.layers[1]}`;
    const segs = s.parts.length && s.channels
      ? s.parts.map((p) => h('span', { class: 'seg', title: `${p.worker}: ${p.side === 'in' ? 'input' : 'output'} channels ${p.c0}–${p.c1 - 1}`, style: { left: pct(p.c0 / s.channels), width: pct((p.c1 - p.c0) / s.channels), background: colour.get(p.worker) } },
        (p.c1 - p.c0) / s.channels > 0.12 ? `${p.c0}–${p.c1 - 1}` : ''))
      : [h('span', { class: 'seg whole', style: { left: '0', width: '100%', background: colour.get(s.workers[0]) }, text: `${s.workers.join(', ')}: whole map` })];
    const text = s.parts.length ? s.parts.map((p) => `${p.worker} ${p.c0}–${p.c1 - 1}`).join(', ') : `${s.workers.join(', ')}, whole map`;
    return h('tr', {}, h('th', { scope: 'row', text: s.stage }), h('td', { text: `${s.kind} ${layers}` }), h('td', { class: 'chan' }, h('div', { class: 'chan-bar', role: 'img', 'aria-label': text }, segs)));
  });
  return h('div', { class: 'tail-wrap', tabindex: 0, 'aria-label': 'tail stages, scrollable' },
    h('table', { class: 'tail' }, h('caption', { text: 'Tail stages: channels per device' }),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'stage' }), h('th', { scope: 'col', text: 'kind, layers' }), h('th', { scope: 'col', text: 'channel ranges' }))),
      h('tbody', {}, rows)));
}

export function renderPlan(el, plan) {
  if (!plan) return replace(el, h('p', { class: 'empty', text: 'No plan yet: the planner waits for workers.' }));
  const p = plan.predicted;
  const summary = h('dl', { class: 'facts summary' },
    h('div', {}, h('dt', { text: 'model' }), h('dd', { text: `${plan.model} ${plan.input.w}×${plan.input.h}` })),
    h('div', {}, h('dt', { text: 'objective' }), h('dd', { text: plan.objective.replaceAll(',', ' > ') })),
    h('div', {}, h('dt', { text: 'predicted latency' }), h('dd', { text: p ? ms(p.latencyMs) : '–' })),
    h('div', {}, h('dt', { text: 'bytes / frame' }), h('dd', { text: p ? mb(p.bytesPerFrame) : '–' })),
    h('div', {}, h('dt', { text: 'devices' }), h('dd', { text: `${plan.devices.length} (data source ${plan.dataSource})` })),
    h('div', {}, h('dt', { text: 'plan' }), h('dd', { class: 'mono', text: plan.planId.slice(0, 8), title: plan.planId })));
  const explain = plan.explain?.length
    ? h('details', { class: 'explain' }, h('summary', { text: 'Why this plan (--explain)' }), h('pre', { text: plan.explain.join('\n') }))
    : null;
  replace(el, summary, ...strip(plan), h('div', { class: 'plan-split' }, ftpGrid(plan), tail(plan)), explain);
}
