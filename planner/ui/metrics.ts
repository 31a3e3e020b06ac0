/**
 * Prometheus metrics at `/metrics` (issue 12), names `deeperthings_*`, in a registry of our own (not
 * prom-client's global one, so two planners in one process, as in tests, do not collide). Fed by
 * ClusterState events; worker counters arrive as running totals in stats messages and are turned
 * into counter increments here.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ClusterEvent, ClusterState, WorkerView } from './cluster-state.ts';
import type { PlanView } from './plan-view.ts';

/** Seconds: from one fast tile to a slow CPU frame of YOLOv2 (PAPER §7 reports seconds per frame). */
const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class DashboardMetrics {
  readonly registry = new Registry();
  readonly #frames = new Counter({ name: 'deeperthings_frames_total', help: 'Camera frames ingested, by data-source worker', labelNames: ['worker'], registers: [this.registry] });
  readonly #predictions = new Counter({ name: 'deeperthings_predictions_total', help: 'Predictions messages published, by camera', labelNames: ['camera'], registers: [this.registry] });
  readonly #errors = new Counter({ name: 'deeperthings_errors_total', help: 'Messages on <c>/errors, by code', labelNames: ['code'], registers: [this.registry] });
  readonly #stage = new Histogram({ name: 'deeperthings_stage_latency_seconds', help: 'Measured time of a frame per stage kind (ingest, ftp, tail, head), as the head reports it', labelNames: ['stage'], buckets: BUCKETS, registers: [this.registry] });
  readonly #frame = new Histogram({ name: 'deeperthings_frame_latency_seconds', help: 'Measured frame latency, ingest to predictions', labelNames: ['camera'], buckets: BUCKETS, registers: [this.registry] });
  readonly #link = new Counter({ name: 'deeperthings_link_bytes_total', help: 'Bytes a worker published (up) and received (down) on its link to the broker', labelNames: ['worker', 'direction'], registers: [this.registry] });
  readonly #memory = new Gauge({ name: 'deeperthings_worker_memory_bytes', help: 'Worker memory: resident set (rss), weights held (weights) and its budget (allowed)', labelNames: ['worker', 'kind'], registers: [this.registry] });
  readonly #online = new Gauge({ name: 'deeperthings_worker_online', help: '1 while the worker is online (retained state), else 0', labelNames: ['worker'], registers: [this.registry] });
  readonly #fps = new Gauge({ name: 'deeperthings_camera_fps', help: 'Frames per second over the last 10 s, by camera', labelNames: ['camera'], registers: [this.registry] });
  readonly #planLatency = new Gauge({ name: 'deeperthings_plan_predicted_latency_seconds', help: 'The current plan\'s predicted frame latency (PAPER §6 model)', registers: [this.registry] });
  readonly #planBytes = new Gauge({ name: 'deeperthings_plan_predicted_bytes_per_frame', help: 'The current plan\'s predicted bytes through the broker per frame', registers: [this.registry] });
  readonly #planDevices = new Gauge({ name: 'deeperthings_plan_devices', help: 'Devices in the current plan (0: no plan)', registers: [this.registry] });
  #off: (() => void) | undefined;

  /** Start counting what `state` reports. */
  attach(state: ClusterState): void {
    const l = (e: ClusterEvent) => this.#on(e);
    state.listeners.add(l);
    this.#off = () => state.listeners.delete(l);
  }

  detach(): void {
    this.#off?.();
  }

  setPlan(v: PlanView | undefined): void {
    this.#planDevices.set(v?.devices.length ?? 0);
    this.#planLatency.set((v?.predicted?.latencyMs ?? 0) / 1000);
    this.#planBytes.set(v?.predicted?.bytesPerFrame ?? 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  #on(e: ClusterEvent): void {
    if (e.type === 'error') this.#errors.inc({ code: e.error.code });
    else if (e.type === 'camera' && e.fresh) {
      const c = e.camera;
      this.#predictions.inc({ camera: c.camera });
      this.#frame.observe({ camera: c.camera }, c.latencyMs.total / 1000);
      for (const s of c.latencyMs.stages) this.#stage.observe({ stage: s.stage }, s.ms / 1000);
      if (c.fps !== undefined) this.#fps.set({ camera: c.camera }, c.fps);
    } else if (e.type === 'worker') this.#worker(e.worker, e.statsFrom);
  }

  #worker(w: WorkerView, statsFrom: { previous: WorkerView['stats'] } | undefined): void {
    this.#online.set({ worker: w.id }, w.online ? 1 : 0);
    if (w.info) this.#memory.set({ worker: w.id, kind: 'allowed' }, w.info.memoryBytes);
    const s = w.stats, prev = statsFrom?.previous;
    if (!s || !statsFrom) return;
    this.#memory.set({ worker: w.id, kind: 'rss' }, s.rssBytes);
    this.#memory.set({ worker: w.id, kind: 'weights' }, s.weightBytes);
    // Running totals: add the growth since the last message (all of it after a worker restart).
    const grow = (now: number, before: number | undefined) => (before === undefined || now < before ? now : now - before);
    this.#frames.inc({ worker: w.id }, grow(s.frames, prev?.frames));
    this.#link.inc({ worker: w.id, direction: 'up' }, grow(s.publishedBytes, prev?.publishedBytes));
    this.#link.inc({ worker: w.id, direction: 'down' }, grow(s.receivedBytes, prev?.receivedBytes));
  }
}
