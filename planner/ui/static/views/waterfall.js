// Where a frame's time goes: per phase (ingest, FTP, tail, head) and per plan stage, the predicted
// span (compute, then waiting for the network) against the measured one, on one time axis; the
// latest frame of any camera. Heads report measured time per phase; per plan stage only when the
// workers run with --debug (predictions' `latencyMs.detail`).
import { h, KIND_COLOURS, ms, pct, replace } from './dom.js';

const PHASES = [['ingest', '#4b5563'], ['ftp', '#0072B2'], ['tail', '#009E73'], ['head', '#1f2937']];
const phaseOf = (kind) => (kind === 'ingest' || kind === 'ftp' || kind === 'head' ? kind : 'tail');

/** Measured per plan stage (`detail`, or `stages` from heads that reported per stage) and per phase. */
function measured(cam, plan) {
  if (!cam) return { detail: new Map(), phases: new Map() };
  const perPhase = cam.latencyMs.stages.every((s) => PHASES.some(([p]) => p === s.stage));
  const detail = cam.latencyMs.detail ?? (perPhase ? [] : cam.latencyMs.stages);
  const kindOf = new Map((plan?.stages ?? []).map((s) => [s.id, s.kind]));
  const phases = new Map();
  for (const s of perPhase ? cam.latencyMs.stages : detail) {
    const p = perPhase ? s.stage : phaseOf(kindOf.get(s.stage));
    phases.set(p, (phases.get(p) ?? 0) + s.ms);
  }
  return { detail: new Map(detail.map((s) => [s.stage, s.ms])), phases };
}

function rows(plan, m) {
  let prevP = 0, prevM = 0;
  return (plan?.stages ?? []).map((s) => {
    const p = plan.predicted?.stages?.[s.id];
    const row = { id: s.id, kind: s.kind, layers: s.layers };
    if (p) { row.p = { start: prevP, end: Math.max(prevP, p.endMs), compute: Math.min(p.computeMs, Math.max(0, p.endMs - prevP)) }; prevP = row.p.end; }
    if (m.detail.has(s.id)) { row.m = { start: prevM, end: prevM + m.detail.get(s.id) }; prevM = row.m.end; }
    return row;
  }).filter((r) => r.p || r.m);
}

function bar(kind, start, len, max, cls, title) {
  return h('span', { class: `wf-bar ${cls}`, title, style: { left: pct(start / max), width: pct(Math.max(len, max * 0.002) / max), background: KIND_COLOURS[kind] ?? '#888' } });
}

/** Two stacked bars: predicted and measured time per phase. */
function phaseBars(predicted, measuredPhases, max) {
  const line = (name, sums) => {
    let at = 0;
    const segs = PHASES.map(([phase, colour]) => {
      const t = sums.get(phase) ?? 0;
      const seg = t > 0 ? h('span', { class: 'ph-seg', title: `${phase} ${ms(t)}`, style: { left: pct(at / max), width: pct(t / max), background: colour } }, t / max > 0.08 ? `${phase} ${ms(t)}` : '') : null;
      at += t;
      return seg;
    });
    const text = PHASES.filter(([p]) => sums.has(p)).map(([p]) => `${p} ${ms(sums.get(p))}`).join(', ');
    return h('div', { class: 'ph-row', role: 'img', 'aria-label': `${name}: ${text || 'none'}` }, h('span', { class: 'wf-name', text: name }), h('span', { class: 'ph-track' }, segs));
  };
  return h('div', { class: 'phases' }, line('predicted', predicted), line('measured', measuredPhases));
}

function stageRow(r, max) {
  const label = `${r.id}: predicted ${r.p ? ms(r.p.end - r.p.start) : '–'}, measured ${r.m ? ms(r.m.end - r.m.start) : '–'}`;
  const net = r.p ? r.p.end - r.p.start - r.p.compute : 0;
  return h('li', { class: 'wf-row', dataset: { stage: r.id }, 'aria-label': label },
    h('span', { class: 'wf-name', text: r.id, title: `${r.kind} ${r.layers.join('–')}` }),
    h('span', { class: 'wf-track', 'aria-hidden': 'true' },
      r.p ? bar(r.kind, r.p.start, r.p.compute, max, 'pred', `predicted compute ${ms(r.p.compute)}`) : null,
      net > 0 ? bar(r.kind, r.p.start + r.p.compute, net, max, 'pred net', `predicted network wait ${ms(net)}`) : null,
      r.m ? bar(r.kind, r.m.start, r.m.end - r.m.start, max, 'meas', `measured ${ms(r.m.end - r.m.start)}`) : null),
    h('span', { class: 'wf-num', text: `${r.p ? ms(r.p.end - r.p.start) : '–'} / ${r.m ? ms(r.m.end - r.m.start) : '–'}` }));
}

export function renderWaterfall(el, state) {
  const cam = [...state.cameras.values()].sort((a, b) => b.frameTime - a.frameTime)[0];
  const plan = state.plan;
  if (!cam && !plan?.predicted?.stages) return replace(el, h('p', { class: 'empty', text: 'The waterfall appears with the first predictions.' }));
  const m = measured(cam && plan && cam.plan !== plan.planId ? null : cam, plan);
  const list = rows(plan, m);
  const predictedPhases = new Map();
  for (const r of list) if (r.p) predictedPhases.set(phaseOf(r.kind), (predictedPhases.get(phaseOf(r.kind)) ?? 0) + r.p.end - r.p.start);
  const totalP = plan?.predicted?.latencyMs ?? 0, totalM = cam?.latencyMs.total ?? 0;
  const max = Math.max(totalP, totalM, 1);
  const head = h('div', { class: 'wf-totals' },
    h('span', {}, h('i', { class: 'key key-p', 'aria-hidden': 'true' }), `predicted ${totalP ? ms(totalP) : '–'}`),
    h('span', {}, h('i', { class: 'key key-net', 'aria-hidden': 'true' }), 'of which waiting on the network'),
    h('span', {}, h('i', { class: 'key key-m', 'aria-hidden': 'true' }), `measured ${cam ? `${ms(totalM)} (camera ${cam.camera}, frame ${cam.frame})` : '–'}`));
  const note = cam && m.detail.size === 0 ? h('p', { class: 'muted wf-note', text: 'Measured per phase; per stage too when the workers run with --debug.' }) : null;
  const axis = h('div', { class: 'wf-axis', 'aria-hidden': 'true' }, [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: { left: pct(f) }, text: ms(max * f) })));
  replace(el, head, phaseBars(predictedPhases, m.phases, max), note, axis,
    h('ol', { class: 'wf', tabindex: 0, 'aria-label': 'stages, predicted and measured time' }, list.map((r) => stageRow(r, max))));
}
