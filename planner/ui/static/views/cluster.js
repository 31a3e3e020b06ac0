// The cluster: one card per worker with engine, measured speed, memory used/allowed, link use,
// state and the tasks it runs in the current plan.
import { h, mb, mbit, meter, replace } from './dom.js';

function stageSummary(stages) {
  if (stages.length <= 6) return stages.join(', ');
  return `${stages.slice(0, 5).join(', ')} … ${stages[stages.length - 1]} (${stages.length} stages)`;
}

function workerCard(w, plan) {
  const dev = plan?.devices.find((d) => d.id === w.id);
  const info = w.info, s = w.stats;
  const running = s && plan && s.plan === plan.planId;
  const state = !w.online ? ['offline', 'bad'] : !plan || !dev ? ['online, not in plan', 'wait'] : running ? ['running plan', 'ok'] : ['loading plan', 'wait'];
  const used = s ? (s.weightBytes || 0) + (dev?.predicted?.peakActivationBytes ?? 0) : 0;
  const allowed = info?.memoryBytes ?? 0;
  const link = info?.linkBps ?? 0;
  return h('article', { class: `worker ${w.online ? '' : 'is-offline'}`, dataset: { worker: w.id }, tabindex: 0, 'aria-label': `worker ${w.id}, ${state[0]}` },
    h('header', {},
      h('span', { class: 'swatch', style: { background: dev?.colour ?? '#ccc' }, 'aria-hidden': 'true' }),
      h('h3', { text: w.id }),
      plan?.dataSource === w.id ? h('span', { class: 'badge', text: 'data source' }) : null,
      h('span', { class: `pill pill-${state[1]}`, text: state[0] })),
    h('p', { class: 'worker-line' },
      h('span', { title: 'engine (backend)', text: info?.backend ?? '–' }),
      h('span', { title: 'measured speed', text: info ? `${info.speedGflops.toFixed(1)} GFLOP/s` : '–' }),
      h('span', { title: 'tasks of the current plan', text: `${dev ? dev.tasks : 0} tasks` }),
      h('span', { title: 'frames ingested / predictions published', text: s ? `${s.frames} in · ${s.predictions} out` : '' })),
    meter('memory', used, allowed, s ? `${mb(used)} of ${mb(allowed)}` : `– of ${mb(allowed)}`, '', s ? `weights held ${mb(s.weightBytes)} + predicted peak activations ${mb(dev?.predicted?.peakActivationBytes ?? 0)}; process resident ${mb(s.rssBytes)}` : undefined),
    meter('link ↑', w.link.upBps, link, `${mbit(w.link.upBps)} of ${mbit(link)}`, 'up'),
    meter('link ↓', w.link.downBps, link, `${mbit(w.link.downBps)} of ${mbit(link)}`, 'down'),
    dev ? h('p', { class: 'stages', text: `stages: ${stageSummary(dev.stages)}` }) : null);
}

export function renderCluster(el, state) {
  const workers = [...state.workers.values()].sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
  if (workers.length === 0) return replace(el, h('p', { class: 'empty', text: 'Waiting for workers…' }));
  replace(el, workers.map((w) => workerCard(w, state.plan)));
}
