/**
 * The JSON on `<c>/cameras/<cam>/predictions`: what the head task publishes per frame, and what Home
 * Assistant's per-camera entities read through their templates (planner/discovery-camera.ts builds
 * those templates from these field names, type-checked, so a rename here fails to compile there).
 * Box convention: Frigate's `[x1, y1, x2, y2]` in pixels of the decoded frame (ECOSYSTEM §2.2, §6.6).
 */

export interface PredictedObject {
  readonly label: string;
  readonly classId: number;
  readonly score: number;
  readonly box: readonly [number, number, number, number];
}

export interface PredictionsMessage {
  readonly camera: string;
  /** Frame id (DESIGN.md: every message carries its frame id). */
  readonly frame: number;
  /** Capture time, epoch seconds. */
  readonly frameTime: number;
  readonly width: number;
  readonly height: number;
  /** Detector output after the camera's threshold and NMS; empty for classifiers. */
  readonly detections: readonly PredictedObject[];
  /** Classifier output (top-k); absent for detectors. */
  readonly top?: readonly { readonly label: string; readonly classId: number; readonly score: number }[];
  /** Capture → predictions, end to end, milliseconds. */
  readonly latencyMs: number;
  /** Frames completed per second over the head's recent window. */
  readonly fps: number;
  /** Frames of this camera dropped for exceeding its `maxFrameBytes` since start (ECOSYSTEM §4.1). */
  readonly oversizeFrames: number;
}
