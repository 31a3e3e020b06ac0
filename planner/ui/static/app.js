// The dashboard page: one EventSource on /events (server-sent events from the planner), a state
// object, and views that redraw from it at most once per animation frame. No framework, no build.
import { h, ms, replace } from './views/dom.js';
import { renderCluster } from './views/cluster.js';
import { renderPlan } from './views/plan.js';
import { renderCameras } from './views/camera.js';
import { renderWaterfall } from './views/waterfall.js';

const state = { plan: null, workers: new Map(), cameras: new Map(), errors: [], errorCounts: {}, showGrid: true, cluster: '' };
const $ = (id) => document.getElementById(id);
const dirty = new Set();
let scheduled = false;

function mark(...parts) {
  for (const p of parts) dirty.add(p);
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(render);
}

function renderErrors() {
  const el = $('errors');
  if (state.errors.length === 0) return replace(el, h('p', { class: 'empty', text: 'None.' }));
  const counts = Object.entries(state.errorCounts).map(([c, n]) => `${c} ×${n}`).join(', ');
  replace(el, h('p', { class: 'muted', text: counts }), h('ol', { class: 'error-list' }, state.errors.slice(0, 12).map((e) =>
    h('li', {}, h('time', { text: new Date(e.time).toLocaleTimeString() }), h('code', { text: e.code }), h('span', { text: `${e.worker ? `${e.worker}: ` : ''}${e.message}` })))));
}

function renderSummary() {
  const ws = [...state.workers.values()];
  $('sum-workers').textContent = `${ws.filter((w) => w.online).length}/${ws.length}`;
  const cams = [...state.cameras.values()];
  // A head reports frames/s over its last 10 s when it publishes; with no frame since, the rate is 0.
  const live = cams.filter((c) => Date.now() - c.frameTime * 1000 < 10_000 + c.latencyMs.total);
  $('sum-fps').textContent = cams.length ? live.reduce((s, c) => s + (c.fps ?? 0), 0).toFixed(1) : '–';
  const last = cams.sort((a, b) => b.frameTime - a.frameTime)[0];
  $('sum-latency').textContent = last ? ms(last.latencyMs.total) : '–';
  const errors = Object.values(state.errorCounts).reduce((a, b) => a + b, 0);
  $('sum-errors').textContent = String(errors);
  $('sum-errors').classList.toggle('pill-bad', errors > 0);
  $('cluster-name').textContent = state.cluster ? `cluster ${state.cluster}` : '';
}

function render() {
  scheduled = false;
  const d = new Set(dirty);
  dirty.clear();
  if (d.has('plan')) renderPlan($('plan'), state.plan);
  if (d.has('plan') || d.has('workers')) renderCluster($('workers'), state);
  if (d.has('plan') || d.has('cameras')) renderCameras($('cameras'), state);
  if (d.has('plan') || d.has('cameras')) renderWaterfall($('waterfall'), state);
  if (d.has('errors')) renderErrors();
  renderSummary();
}

function connect() {
  const conn = $('conn');
  const es = new EventSource('/events');
  const on = (name, fn) => es.addEventListener(name, (e) => fn(JSON.parse(e.data)));
  on('state', (s) => {
    state.plan = s.plan; state.cluster = s.cluster;
    state.workers = new Map(s.workers.map((w) => [w.id, w]));
    state.cameras = new Map(s.cameras.map((c) => [c.camera, c]));
    state.errors = s.errors; state.errorCounts = s.errorCounts;
    mark('plan', 'workers', 'cameras', 'errors');
  });
  on('plan', (p) => { state.plan = p; mark('plan'); $('announce').textContent = p ? `New plan ${p.planId.slice(0, 8)} on ${p.devices.length} devices.` : 'Plan withdrawn.'; });
  on('worker', (w) => { state.workers.set(w.id, w); mark('workers'); });
  on('camera', (c) => { state.cameras.set(c.camera, c); mark('cameras'); });
  on('error', (e) => { state.errors.unshift(e.error); state.errors.length = Math.min(state.errors.length, 50); state.errorCounts = e.counts; mark('errors'); });
  es.onopen = () => { conn.textContent = 'live'; conn.className = 'pill pill-ok'; };
  // EventSource retries by itself (the server asks for 2 s); say so instead of showing stale data silently.
  es.onerror = () => { conn.textContent = 'reconnecting…'; conn.className = 'pill pill-wait'; };
}

$('toggle-grid').addEventListener('click', (e) => {
  state.showGrid = !state.showGrid;
  e.currentTarget.setAttribute('aria-pressed', String(state.showGrid));
  e.currentTarget.textContent = `FTP grid overlay: ${state.showGrid ? 'on' : 'off'}`;
  mark('cameras');
});

connect();
setInterval(renderSummary, 2000);
