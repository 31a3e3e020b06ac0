// Where a frame's time goes: per plan stage, the predicted span (compute, then waiting for the
// network) against the measured one, on one time axis; the latest frame of the chosen camera.
import { h, KIND_COLOURS, ms, pct, replace } from './dom.js';

function rows(plan, cam) {
  const measured = new Map(cam ? cam.latencyMs.stages.map((s) => [s.stage, s.ms]) : []);
  const stages = plan ? plan.stages : (cam?.latencyMs.stages ?? []).map((s) => ({ id: s.stage, kind: 'local', layers: [0, 0] }));
  let prevP = 0, prevM = 0;
  return stages.map((s) => {
    const p = plan?.predicted?.stages?.[s.id];
    const row = { id: s.id, kind: s.kind, layers: s.layers };
    if (p) { row.p = { start: prevP, end: Math.max(prevP, p.endMs), compute: Math.min(p.computeMs, Math.max(0, p.endMs - prevP)) }; prevP = row.p.end; }
    if (measured.has(s.id)) { row.m = { start: prevM, end: prevM + measured.get(s.id) }; prevM = row.m.end; }
    return row;
  }).filter((r) => r.p || r.m);
}

function bar(kind, start, len, max, cls, title) {
  return h('span', { class: `wf-bar ${cls}`, title, style: { left: pct(start / max), width: pct(Math.max(len, max * 0.002) / max), background: KIND_COLOURS[kind] ?? '#888' } });
}

const PHASES = [['ingest', (k) => k === 'ingest', '#4b5563'], ['FTP', (k) => k === 'ftp', '#0072B2'], ['tail', (k) => !['ingest', 'ftp', 'head'].includes(k), '#009E73'], ['head', (k) => k === 'head', '#1f2937']];

/** Predicted and measured time per phase (ingest, FTP, tail stages, head) as two stacked bars. */
function phases(list, max) {
  const line = (name, pick) => {
    let at = 0;
    const segs = PHASES.map(([phase, test, colour]) => {
      const t = list.filter((r) => test(r.kind) && pick(r)).reduce((sum, r) => sum + pick(r).end - pick(r).start, 0);
      const seg = t > 0 ? h('span', { class: 'ph-seg', title: `${phase} ${ms(t)}`, style: { left: pct(at / max), width: pct(t / max), background: colour } }, t / max > 0.08 ? `${phase} ${ms(t)}` : '') : null;
      at += t;
      return seg;
    });
    return h('div', { class: 'ph-row' }, h('span', { class: 'wf-name', text: name }), h('span', { class: 'ph-track' }, segs));
  };
  return h('div', { class: 'phases', 'aria-hidden': 'true' }, line('predicted', (r) => r.p), line('measured', (r) => r.m));
}

export function renderWaterfall(el, state) {
  const cam = [...state.cameras.values()].sort((a, b) => b.frameTime - a.frameTime)[0];
  const plan = state.plan;
  if (!cam && !plan?.predicted?.stages) return replace(el, h('p', { class: 'empty', text: 'The waterfall appears with the first predictions.' }));
  const list = rows(cam && plan && cam.plan !== plan.planId ? null : plan, cam);
  const totalP = plan?.predicted?.latencyMs ?? 0, totalM = cam?.latencyMs.total ?? 0;
  const max = Math.max(totalP, totalM, 1);
  const head = h('div', { class: 'wf-totals' },
    h('span', {}, h('i', { class: 'key key-p', 'aria-hidden': 'true' }), `predicted ${totalP ? ms(totalP) : '–'}`),
    h('span', {}, h('i', { class: 'key key-net', 'aria-hidden': 'true' }), 'of which waiting on the network'),
    h('span', {}, h('i', { class: 'key key-m', 'aria-hidden': 'true' }), `measured ${cam ? `${ms(totalM)} (camera ${cam.camera}, frame ${cam.frame})` : '–'}`));
  const items = list.map((r) => {
    const label = `${r.id}: predicted ${r.p ? ms(r.p.end - r.p.start) : '–'}, measured ${r.m ? ms(r.m.end - r.m.start) : '–'}`;
    return h('li', { class: 'wf-row', dataset: { stage: r.id }, 'aria-label': label },
      h('span', { class: 'wf-name', text: r.id, title: `${r.kind} ${r.layers.join('–')}` }),
      h('span', { class: 'wf-track', 'aria-hidden': 'true' },
        r.p ? bar(r.kind, r.p.start, r.p.compute, max, 'pred', `predicted compute ${ms(r.p.compute)}`) : null,
        r.p && r.p.end - r.p.start > r.p.compute ? bar(r.kind, r.p.start + r.p.compute, r.p.end - r.p.start - r.p.compute, max, 'pred net', `predicted network wait ${ms(r.p.end - r.p.start - r.p.compute)}`) : null,
        r.m ? bar(r.kind, r.m.start, r.m.end - r.m.start, max, 'meas', `measured ${ms(r.m.end - r.m.start)}`) : null),
      h('span', { class: 'wf-num', text: `${r.p ? ms(r.p.end - r.p.start) : '–'} / ${r.m ? ms(r.m.end - r.m.start) : '–'}` }));
  });
  const axis = h('div', { class: 'wf-axis', 'aria-hidden': 'true' }, [0, 0.25, 0.5, 0.75, 1].map((f) => h('span', { style: { left: pct(f) }, text: ms(max * f) })));
  replace(el, head, phases(list, max), axis, h('ol', { class: 'wf', tabindex: 0, 'aria-label': 'stages, predicted and measured time' }, items));
}
