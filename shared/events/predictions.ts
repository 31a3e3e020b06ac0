/**
 * The JSON on `<c>/cameras/<cam>/predictions` as Home Assistant's per-camera entities read it through
 * their templates (planner/discovery-camera.ts builds those templates from these field names,
 * type-checked, so a rename here fails to compile there). It mirrors what the head publishes
 * (worker/tasks/head-output.ts `PredictionsMessage`); the planner cannot import worker code, so the
 * contract lives here in shared/. Box convention: Frigate's `[x1, y1, x2, y2]` in pixels of the
 * decoded frame (ECOSYSTEM §2.2, §6.6).
 */

export interface PredictedObject {
  readonly label: string;
  readonly classId: number;
  readonly score: number;
  readonly box: readonly [number, number, number, number];
}

export interface PredictionLatency {
  /** Capture → predictions, end to end, milliseconds. */
  readonly total: number;
  readonly stages: readonly { readonly stage: string; readonly ms: number }[];
  /** Per plan stage, from workers run with --debug. */
  readonly detail?: readonly { readonly stage: string; readonly ms: number }[];
}

export interface PredictionsMessage {
  readonly camera: string;
  readonly frame: number;
  /** Capture time, epoch seconds (Frigate's frame_time). */
  readonly frameTime: number;
  readonly width: number;
  readonly height: number;
  readonly model: string;
  readonly plan: string;
  /** Detector output after threshold and NMS; absent for classifiers. */
  readonly detections?: readonly PredictedObject[];
  /** Classifier output (top-k); absent for detectors. */
  readonly top?: readonly { readonly label: string; readonly classId: number; readonly score: number }[];
  readonly latencyMs: PredictionLatency;
  /** Frames of this camera completed per second over the head's recent window; the fps sensor shows unknown without it. */
  readonly fps?: number;
  /** The model runs on synthetic weights (no --weights): its detections mean nothing. */
  readonly weights?: 'synthetic';
  /** How often the frame was re-run on a new plan after a fault (issue 14 §1); absent when never. */
  readonly rerun?: number;
}
