/**
 * What the head decoders produce. Boxes are Frigate-shaped `[x1, y1, x2, y2]` in pixels of the
 * decoded frame (ECOSYSTEM.md §2.2), clamped to it, with the frame size alongside.
 */
import type { Box } from '../engine/image.ts';

/** Non-maximum suppression across classes (Frigate-style, the detectors' default) or within each class. */
export type NmsMode = 'per-class' | 'agnostic';

export interface Detection {
  readonly label: string;
  readonly classId: number;
  readonly score: number;
  readonly box: [number, number, number, number];
}

export interface TopClass {
  readonly label: string;
  readonly classId: number;
  readonly score: number;
}

export type Prediction =
  | { readonly kind: 'detections'; readonly width: number; readonly height: number; readonly detections: Detection[] }
  | { readonly kind: 'top'; readonly top: TopClass[] };

export interface DecodeOptions {
  /** Minimum class score (objectness · class probability for detectors). Defaults per head. */
  readonly threshold?: number;
  /** Boxes overlapping more than this IoU are suppressed (Darknet: 0.45; CenterNet: 0.4). */
  readonly nmsIou?: number;
  /**
   * Detectors: `agnostic` (default, Frigate-style: one label per box, overlaps suppressed across
   * classes) or `per-class` (Darknet's do_nms_sort: the reference output, several labels per box).
   */
  readonly nms?: NmsMode;
  /** Keep at most this many results: default 5 for classifiers, all for detectors. */
  readonly topK?: number;
}

/**
 * One anchor's decoded box before NMS, as Darknet's `detection`: `box` in network-relative units
 * (0..1 of the network input) until the head maps it to frame pixels; `probs[j]` is
 * objectness · P(class j), already zeroed where it does not pass the threshold.
 */
export interface Candidate {
  box: Box;
  readonly objectness: number;
  readonly probs: Float32Array;
}
