/** One compact line per prediction for `up` (issue 10 #11): camera, frame, top labels, latency. */

interface Labelled { label: string; score: number }

export interface PredictionSummary {
  camera?: string;
  frame?: number;
  detections?: Labelled[];
  top?: Labelled[];
  latencyMs?: { total?: number };
  weights?: string;
}

const SHOWN = 4;

/** `front #3: dog 0.91, car 0.80, bicycle 0.55 (+2) | 412 ms`; classifiers show their top 3. */
export function predictionLine(p: PredictionSummary): string {
  const items = [...(p.detections ?? p.top ?? [])].sort((a, b) => b.score - a.score);
  const shown = items.slice(0, p.detections ? SHOWN : 3).map((d) => `${d.label} ${d.score.toFixed(2)}`);
  const more = p.detections && items.length > SHOWN ? ` (+${items.length - SHOWN})` : '';
  const what = shown.length ? shown.join(', ') + more : 'nothing above the threshold';
  const latency = p.latencyMs?.total === undefined ? '' : ` | ${Math.round(p.latencyMs.total)} ms`;
  const synthetic = p.weights === 'synthetic' ? ' | synthetic weights' : '';
  return `${p.camera ?? '?'} #${p.frame ?? '?'}: ${what}${latency}${synthetic}`;
}
