/** `up`'s compact prediction line (issue 10 #11). */
import { strict as assert } from 'node:assert';
import { predictionLine } from '../../cli/prediction-line.ts';

describe('prediction line', () => {
  it('camera, frame, top labels by score, latency; the rest counted', () => {
    const dets = [['car', 0.8], ['dog', 0.91], ['bicycle', 0.55], ['truck', 0.4], ['person', 0.3], ['cat', 0.2]].map(([label, score]) => ({ label: label as string, score: score as number, box: [0, 0, 1, 1] }));
    assert.equal(predictionLine({ camera: 'front', frame: 3, detections: dets, latencyMs: { total: 411.6 } }), 'front #3: dog 0.91, car 0.80, bicycle 0.55, truck 0.40 (+2) | 412 ms');
  });
  it('classifiers show their top 3; no detections and synthetic weights are said', () => {
    const top = [{ label: 'a', score: 0.5 }, { label: 'b', score: 0.3 }, { label: 'c', score: 0.1 }, { label: 'd', score: 0.05 }];
    assert.equal(predictionLine({ camera: 'door', frame: 1, top, latencyMs: { total: 10 } }), 'door #1: a 0.50, b 0.30, c 0.10 | 10 ms');
    assert.equal(predictionLine({ camera: 'door', frame: 2, detections: [], latencyMs: { total: 9 }, weights: 'synthetic' }), 'door #2: nothing above the threshold | 9 ms | synthetic weights');
  });
});
