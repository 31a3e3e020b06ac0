// Each camera's latest annotated frame (the workers' retained snapshot), with the detections as
// labelled boxes and the plan's FTP grid laid over the frame, coloured by device.
import { h, ms, pct, replace } from './dom.js';

const classColour = (id) => `hsl(${(id * 67) % 360} 80% 42%)`;
/** Boxes drawn and labels listed per frame: the best by score (a low threshold can give thousands). */
const MAX_BOXES = 50, MAX_LABELS = 20;
/** One <img> per camera, kept across redraws: the old frame stays up while the next one loads. */
const images = new Map();

function snapshotImage(cam) {
  const src = `/api/cameras/${encodeURIComponent(cam.camera)}/snapshot.jpg?v=${cam.frame}-${cam.snapshot}`;
  let img = images.get(cam.camera);
  if (!img) images.set(cam.camera, (img = h('img', { width: cam.width, height: cam.height })));
  if (img.getAttribute('src') !== src) img.setAttribute('src', src);
  img.alt = `camera ${cam.camera}, frame ${cam.frame}`;
  return img;
}

const best = (list, n) => [...list].sort((a, b) => b.score - a.score).slice(0, n);

/** Darknet's letterbox (worker/engine/image-resize.ts): where the frame sits inside the network input. */
function content(frameW, frameH, netW, netH, resize) {
  if (resize !== 'letterbox') return { x: 0, y: 0, w: netW, h: netH };
  let w, hh;
  if (Math.fround(netW / frameW) < Math.fround(netH / frameH)) { w = netW; hh = Math.max(1, Math.trunc((frameH * netW) / frameW)); }
  else { hh = netH; w = Math.max(1, Math.trunc((frameW * netH) / frameH)); }
  return { x: Math.trunc((netW - w) / 2), y: Math.trunc((netH - hh) / 2), w, h: hh };
}

function gridOverlay(cam, plan) {
  if (!plan?.ftp) return null;
  const c = content(cam.width, cam.height, plan.input.w, plan.input.h, plan.resize);
  const clip = (v) => Math.max(0, Math.min(1, v));
  const fx = (f) => clip((f * plan.input.w - c.x) / c.w), fy = (f) => clip((f * plan.input.h - c.y) / c.h);
  const colour = new Map(plan.devices.map((d) => [d.id, d.colour]));
  return h('div', { class: 'ftp-overlay', 'aria-hidden': 'true' }, plan.ftp.tiles.map((t) => {
    const x0 = fx(t.x0), x1 = fx(t.x1), y0 = fy(t.y0), y1 = fy(t.y1);
    if (x1 <= x0 || y1 <= y0) return null;
    return h('div', { class: 'ftp-tile', style: { left: pct(x0), top: pct(y0), width: pct(x1 - x0), height: pct(y1 - y0), borderColor: colour.get(t.worker), background: `${colour.get(t.worker)}33` } },
      h('span', { text: t.worker, style: { background: colour.get(t.worker) } }));
  }));
}

function boxes(cam) {
  return h('div', { class: 'boxes' }, best(cam.detections ?? [], MAX_BOXES).map((d) => {
    const [x1, y1, x2, y2] = d.box;
    return h('div', { class: 'box', dataset: { label: d.label }, style: { left: pct(x1 / cam.width), top: pct(y1 / cam.height), width: pct((x2 - x1) / cam.width), height: pct((y2 - y1) / cam.height), borderColor: classColour(d.classId) } },
      h('span', { class: 'box-label', style: { background: classColour(d.classId) }, text: `${d.label} ${(d.score * 100).toFixed(0)}%` }));
  }));
}

function cameraCard(cam, state) {
  const frame = h('div', { class: `frame ${state.showGrid ? 'show-grid' : ''}` },
    cam.snapshot > 0
      ? snapshotImage(cam)
      : h('div', { class: 'no-image', text: 'no snapshot (worker --snapshot 0)' }),
    gridOverlay(cam, state.plan), boxes(cam));
  frame.style.aspectRatio = `${cam.width} / ${cam.height}`;
  const all = cam.detections ?? cam.top ?? [];
  const found = best(all, MAX_LABELS);
  const when = new Date(cam.frameTime * 1000).toLocaleTimeString();
  return h('figure', { class: 'camera', dataset: { camera: cam.camera, frame: String(cam.frame) } }, frame,
    h('figcaption', {},
      h('strong', { text: cam.camera }),
      cam.weights === 'synthetic' ? h('span', { class: 'badge warn', title: 'the model runs without --weights: its detections are not meaningful', text: 'synthetic weights' }) : null,
      h('span', { class: 'muted', text: ` frame ${cam.frame} · ${cam.width}×${cam.height} · ${when} · ${ms(cam.latencyMs.total)}${cam.fps !== undefined ? ` · ${cam.fps.toFixed(1)} frames/s` : ''}` }),
      h('ul', { class: 'labels', 'aria-label': `${all.length} ${cam.detections ? 'detections' : 'classes'}` }, found.length
        ? found.map((d) => h('li', {}, h('span', { class: 'swatch', style: { background: classColour(d.classId ?? 0) }, 'aria-hidden': 'true' }), `${d.label} ${(d.score * 100).toFixed(d.score < 0.1 ? 1 : 0)}%`))
        : h('li', { class: 'muted', text: 'nothing detected' }),
        all.length > found.length ? h('li', { class: 'muted', text: `+${all.length - found.length} more (${Math.min(all.length, MAX_BOXES)} boxes drawn)` }) : null)));
}

export function renderCameras(el, state) {
  const cams = [...state.cameras.values()].sort((a, b) => a.camera.localeCompare(b.camera));
  if (cams.length === 0) return replace(el, h('p', { class: 'empty' }, 'No frame yet. Publish one: ', h('code', { text: 'deeperthings publish --image photo.jpg' })));
  replace(el, cams.map((c) => cameraCard(c, state)));
}
