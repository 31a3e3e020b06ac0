// Small DOM and number helpers shared by the views. Text goes in through textContent only, so a
// label or error message from the broker can never become markup.

/** h('div', {class: 'x', style: {width: '3px'}, dataset: {worker: 'w0'}}, child, 'text') */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'style') Object.assign(el.style, v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c);
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

export const mb = (b) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : `${(b / 1e3).toFixed(0)} kB`);
export const mbit = (bps) => (bps >= 1e6 ? `${(bps / 1e6).toFixed(bps >= 1e8 ? 0 : 1)} Mbit/s` : `${(bps / 1e3).toFixed(0)} kbit/s`);
export const ms = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`);
export const pct = (f) => `${Math.max(0, Math.min(100, f * 100)).toFixed(2)}%`;

/** A labelled horizontal meter: value of max, with text for screen readers and eyes alike. */
export function meter(label, value, max, text, cls = '', title = undefined) {
  const f = max > 0 ? value / max : 0;
  return h('div', { class: `meter ${cls} ${f > 0.9 ? 'hot' : ''}`, title },
    h('div', { class: 'meter-label' }, h('span', { text: label }), h('span', { class: 'meter-text', text })),
    h('div', { class: 'meter-track', role: 'meter', 'aria-label': `${label}: ${text}`, 'aria-valuemin': 0, 'aria-valuemax': max, 'aria-valuenow': Math.min(value, max) },
      h('div', { class: 'meter-fill', style: { width: pct(f) } })));
}

/** Colours of the stage kinds in the waterfall, matching the plan strip's partition colours. */
export const KIND_COLOURS = {
  ingest: '#4b5563', ftp: '#0072B2', lop: '#E69F00', lip: '#CC79A7', fuse: '#009E73', seq: '#F0E442', local: '#A0A0A0', reduce: '#8B6FB3', head: '#1f2937',
};
