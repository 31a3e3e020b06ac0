/**
 * Frigate-shaped object events from per-frame detections (ECOSYSTEM §2.2): a greedy IoU tracker per
 * camera gives each object a stable id, and each frame yields `{type: new|update|end, before, after}`
 * messages for `<c>/cameras/<cam>/events` (never retained: HA ignores retained events, §1.5).
 *
 * Conventions, as Frigate's (frigate/track/object_processing.py) where it has one:
 * - `box` is `[x1, y1, x2, y2]` in pixels of the decoded frame; `frame_width`/`frame_height` say
 *   which frame, because unlike Frigate's fixed detect stream ours can change size (§2.3, §6.6).
 * - times are epoch seconds; `id` is `<start frame_time with 6 decimals>-<6 random chars>`.
 * - `new`: before = after = the object's first state. `end`: the object went unmatched for
 *   `maxMissed` consecutive frames; `end_time` is the frame time it was last seen.
 * - `update` only on a meaningful change since the last event of that object: the score moved by at
 *   least `minScoreChange`, or the box moved so that IoU(last reported box, box) < `movedIou`.
 *   Jitter of a still object therefore stays quiet, while a slow drift still reports once it adds up.
 * Matching is greedy by IoU within one label (≥ `matchIou`), best pairs first.
 */
import { randomBytes } from 'node:crypto';

export type Box = readonly [number, number, number, number];

/** One detection as worker/head produces it (Detection); only these fields are read. */
export interface DetectionInput {
  readonly label: string;
  readonly score: number;
  readonly box: Box;
}

export interface FrameInput {
  /** Capture time, epoch seconds. */
  readonly frameTime: number;
  readonly width: number;
  readonly height: number;
  readonly detections: readonly DetectionInput[];
}

/** A tracked object as Frigate publishes it (abridged), plus the frame size. */
export interface TrackedObject {
  id: string;
  camera: string;
  frame_time: number;
  label: string;
  sub_label: null;
  score: number;
  top_score: number;
  box: [number, number, number, number];
  area: number;
  start_time: number;
  end_time: number | null;
  frame_width: number;
  frame_height: number;
}

export interface ObjectEvent {
  type: 'new' | 'update' | 'end';
  before: TrackedObject;
  after: TrackedObject;
}

export interface TrackerOptions {
  camera: string;
  /** Frames an object may be unseen before its `end` (default 5). */
  maxMissed?: number;
  /** Minimum IoU to continue a track (default 0.3). */
  matchIou?: number;
  /** Score change that triggers an `update` (default 0.05). */
  minScoreChange?: number;
  /** An `update` when IoU(last reported box, box) falls below this (default 0.9). */
  movedIou?: number;
  /** Track only these labels (the camera's configured labels); default all. */
  labels?: readonly string[];
  /** Six-character id suffix; default random lowercase hex. Injectable for tests. */
  randomSuffix?: () => string;
}

interface Track { current: TrackedObject; reported: TrackedObject; missed: number }

export function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

export class ObjectTracker {
  readonly #o: Required<Omit<TrackerOptions, 'labels'>> & { labels?: ReadonlySet<string> };
  #tracks: Track[] = [];

  constructor(opts: TrackerOptions) {
    this.#o = {
      camera: opts.camera, maxMissed: opts.maxMissed ?? 5, matchIou: opts.matchIou ?? 0.3,
      minScoreChange: opts.minScoreChange ?? 0.05, movedIou: opts.movedIou ?? 0.9,
      randomSuffix: opts.randomSuffix ?? (() => randomBytes(3).toString('hex')),
      labels: opts.labels ? new Set(opts.labels) : undefined,
    };
    if (!(this.#o.maxMissed >= 1)) throw new Error(`tracker: camera ${opts.camera}: maxMissed must be ≥ 1 (got ${opts.maxMissed})`);
  }

  /** Objects currently tracked (their latest state). */
  get active(): readonly TrackedObject[] {
    return this.#tracks.map((t) => t.current);
  }

  /** Feed one frame's detections; returns its events: updates and news first, then ends. */
  update(frame: FrameInput): ObjectEvent[] {
    const dets = frame.detections.filter((d) => !this.#o.labels || this.#o.labels.has(d.label));
    const pairs = this.#match(dets);
    const events: ObjectEvent[] = [];
    const seen = new Set<Track>();
    dets.forEach((d, i) => {
      const track = pairs.get(i);
      if (!track) {
        const obj = this.#newObject(d, frame);
        this.#tracks.push({ current: obj, reported: obj, missed: 0 });
        seen.add(this.#tracks[this.#tracks.length - 1]!);
        events.push({ type: 'new', before: { ...obj }, after: { ...obj } });
        return;
      }
      seen.add(track);
      track.missed = 0;
      track.current = this.#advance(track.current, d, frame);
      if (this.#changed(track.reported, track.current)) {
        events.push({ type: 'update', before: track.reported, after: { ...track.current } });
        track.reported = { ...track.current };
      }
    });
    for (const t of this.#tracks) if (!seen.has(t)) t.missed++;
    return events.concat(this.#expire((t) => t.missed >= this.#o.maxMissed));
  }

  /** End every tracked object (camera stopped or removed). */
  flush(): ObjectEvent[] {
    return this.#expire(() => true);
  }

  #match(dets: readonly DetectionInput[]): Map<number, Track> {
    const cand: { i: number; t: Track; v: number }[] = [];
    dets.forEach((d, i) => {
      for (const t of this.#tracks) {
        if (t.current.label !== d.label) continue;
        const v = iou(t.current.box, d.box);
        if (v >= this.#o.matchIou) cand.push({ i, t, v });
      }
    });
    cand.sort((a, b) => b.v - a.v);
    const out = new Map<number, Track>();
    const used = new Set<Track>();
    for (const c of cand) {
      if (out.has(c.i) || used.has(c.t)) continue;
      out.set(c.i, c.t);
      used.add(c.t);
    }
    return out;
  }

  #newObject(d: DetectionInput, f: FrameInput): TrackedObject {
    return {
      id: `${f.frameTime.toFixed(6)}-${this.#o.randomSuffix()}`, camera: this.#o.camera, frame_time: f.frameTime,
      label: d.label, sub_label: null, score: d.score, top_score: d.score, box: [...d.box], area: area(d.box),
      start_time: f.frameTime, end_time: null, frame_width: f.width, frame_height: f.height,
    };
  }

  #advance(o: TrackedObject, d: DetectionInput, f: FrameInput): TrackedObject {
    return {
      ...o, frame_time: f.frameTime, score: d.score, top_score: Math.max(o.top_score, d.score), box: [...d.box],
      area: area(d.box), frame_width: f.width, frame_height: f.height,
    };
  }

  #changed(a: TrackedObject, b: TrackedObject): boolean {
    return Math.abs(a.score - b.score) >= this.#o.minScoreChange || iou(a.box, b.box) < this.#o.movedIou ||
      a.frame_width !== b.frame_width || a.frame_height !== b.frame_height;
  }

  #expire(done: (t: Track) => boolean): ObjectEvent[] {
    const events: ObjectEvent[] = [];
    this.#tracks = this.#tracks.filter((t) => {
      if (!done(t)) return true;
      events.push({ type: 'end', before: t.reported, after: { ...t.current, end_time: t.current.frame_time } });
      return false;
    });
    return events;
  }
}

function area(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

