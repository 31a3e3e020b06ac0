/**
 * What the dashboard knows of the cluster, learnt from the same topics every other client reads
 * (DESIGN.md "Topics"): worker info/state/stats, predictions, annotated snapshots and errors. It
 * keeps the latest of each and tells its listeners what changed; the HTTP side (server.ts) and the
 * Prometheus side (metrics.ts) only read it.
 */
import type { Transport, Unsubscribe } from '../../shared/transport/types.ts';
import type { ErrorMessage, Topics, WorkerInfo } from '../../shared/topics.ts';
import type { PredictionsMessage } from '../../shared/events/predictions.ts';
import type { WorkerStats } from '../../shared/wire/messages.ts';

export type { WorkerStats };

export interface WorkerView {
  id: string;
  online: boolean;
  info?: WorkerInfo;
  stats?: WorkerStats;
  /** Link use from the last two stats messages, bits per second. */
  link: { upBps: number; downBps: number };
}

/** The predictions message (worker/tasks/head-output.ts) plus when its snapshot last changed. */
export interface CameraView extends PredictionsMessage {
  snapshot: number;
}

export type ClusterEvent =
  /** `statsFrom` is set when this event is a stats message: the stats before it (undefined for the first). */
  | { type: 'worker'; worker: WorkerView; statsFrom?: { previous: WorkerStats | undefined } }
  | { type: 'camera'; camera: CameraView; fresh: boolean }
  | { type: 'error'; error: ErrorMessage };

const MAX_ERRORS = 50;

export class ClusterState {
  readonly workers = new Map<string, WorkerView>();
  readonly cameras = new Map<string, CameraView>();
  readonly snapshots = new Map<string, Uint8Array>();
  readonly errors: ErrorMessage[] = [];
  readonly errorCounts = new Map<string, number>();
  readonly listeners = new Set<(e: ClusterEvent) => void>();
  readonly #unsubs: Unsubscribe[] = [];
  readonly #snapshotSeq = new Map<string, number>();
  readonly #ctx: { transport: Transport; topics: Topics };

  constructor(ctx: { transport: Transport; topics: Topics }) {
    this.#ctx = ctx;
  }

  async start(): Promise<void> {
    const { transport: t, topics } = this.#ctx;
    this.#unsubs.push(
      await topics.subscribe(t, topics.workerInfo('+'), (m) => { if (m.payload.ok) this.#worker(m.params.id!, (w) => { w.info = m.payload.ok ? m.payload.value : w.info; }); }),
      await topics.subscribe(t, topics.workerState('+'), (m) => { if (m.payload.ok) this.#worker(m.params.id!, (w) => { w.online = m.payload.ok && m.payload.value === 'online'; }); }),
      await topics.subscribe(t, topics.workerStats('+'), (m) => { if (m.payload.ok) this.#stats(m.params.id!, m.payload.value); }),
      await topics.subscribe(t, topics.cameraPredictions('+'), (m) => { if (m.payload.ok) this.#camera(m.params.cam!, m.payload.value); }),
      await topics.subscribe(t, topics.cameraSnapshot('+'), (m) => { if (m.payload.ok) this.#snapshot(m.params.cam!, m.payload.value); }),
      await topics.subscribe(t, topics.errors(), (m) => { if (m.payload.ok) this.#error(m.payload.value); }),
    );
  }

  async stop(): Promise<void> {
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
    this.listeners.clear();
  }

  #emit(e: ClusterEvent): void {
    for (const l of this.listeners) l(e);
  }

  #worker(id: string, change: (w: WorkerView) => void, statsFrom?: { previous: WorkerStats | undefined }): void {
    const w = this.workers.get(id) ?? { id, online: false, link: { upBps: 0, downBps: 0 } };
    change(w);
    this.workers.set(id, w);
    this.#emit({ type: 'worker', worker: w, ...(statsFrom ? { statsFrom } : {}) });
  }

  #stats(id: string, s: WorkerStats): void {
    const prev = this.workers.get(id)?.stats;
    this.#worker(id, (w) => {
      const dt = prev ? (s.time - prev.time) / 1000 : 0;
      // A restarted worker starts its byte counters at 0 again: no rate for that interval.
      if (dt > 0 && s.publishedBytes >= prev!.publishedBytes && s.receivedBytes >= prev!.receivedBytes) {
        w.link = { upBps: ((s.publishedBytes - prev!.publishedBytes) * 8) / dt, downBps: ((s.receivedBytes - prev!.receivedBytes) * 8) / dt };
      }
      w.stats = s;
    }, { previous: prev });
  }

  #camera(cam: string, msg: PredictionsMessage): void {
    if (typeof msg.frame !== 'number' || !msg.latencyMs) return;
    const view = { ...msg, camera: cam, snapshot: this.#snapshotSeq.get(cam) ?? 0 };
    this.cameras.set(cam, view);
    this.#emit({ type: 'camera', camera: view, fresh: true });
  }

  /**
   * The worker publishes the snapshot after its predictions (worker/service.ts), but the broker may
   * deliver the retained one first: count snapshots per camera, whichever comes first.
   */
  #snapshot(cam: string, jpeg: Uint8Array): void {
    this.snapshots.set(cam, jpeg);
    const seq = (this.#snapshotSeq.get(cam) ?? 0) + 1;
    this.#snapshotSeq.set(cam, seq);
    const view = this.cameras.get(cam);
    if (!view) return;
    view.snapshot = seq;
    this.#emit({ type: 'camera', camera: view, fresh: false });
  }

  #error(e: ErrorMessage): void {
    this.errors.unshift(e);
    this.errors.length = Math.min(this.errors.length, MAX_ERRORS);
    this.errorCounts.set(e.code, (this.errorCounts.get(e.code) ?? 0) + 1);
    this.#emit({ type: 'error', error: e });
  }
}
