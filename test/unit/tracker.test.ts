import assert from 'node:assert/strict';
import { iou, ObjectTracker, type Box, type DetectionInput, type ObjectEvent } from '../../shared/events/tracker.ts';
import { CameraTrackers } from '../../shared/events/camera-trackers.ts';

const T0 = 1714000000.123456;
let seq = 0;
const suffix = () => `id${String(++seq).padStart(4, '0')}`;
const det = (label: string, score: number, box: Box): DetectionInput => ({ label, score, box });
const frame = (i: number, ...detections: DetectionInput[]) => ({ frameTime: T0 + i, width: 640, height: 480, detections });
const kinds = (events: ObjectEvent[]) => events.map((e) => `${e.type} ${e.after.label} ${e.after.id}`);

describe('tracker: Frigate-shaped events from per-frame detections', () => {
  beforeEach(() => { seq = 0; });

  it('iou: identical 1, disjoint 0, half-overlapping boxes 1/3', () => {
    assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
    assert.equal(iou([0, 0, 10, 10], [20, 20, 30, 30]), 0);
    assert.equal(iou([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150);
  });

  it('new: one event, before = after, id `<frame_time 6 decimals>-<6 chars>`, pixel box and frame size', () => {
    const t = new ObjectTracker({ camera: 'porch', randomSuffix: suffix });
    const [e, ...rest] = t.update(frame(0, det('person', 0.8, [412, 120, 530, 388])));
    assert.equal(rest.length, 0);
    assert.deepEqual(e, {
      type: 'new',
      before: e!.after,
      after: {
        id: '1714000000.123456-id0001', camera: 'porch', frame_time: T0, label: 'person', sub_label: null, score: 0.8, top_score: 0.8,
        box: [412, 120, 530, 388], area: 118 * 268, start_time: T0, end_time: null, frame_width: 640, frame_height: 480,
      },
    });
    assert.notEqual(e!.before, e!.after, 'before and after are separate objects');
  });

  it('a still object keeps its id and stays quiet under jitter (score ±0.02, a pixel of movement)', () => {
    const t = new ObjectTracker({ camera: 'porch', randomSuffix: suffix });
    t.update(frame(0, det('person', 0.8, [100, 100, 200, 300])));
    assert.deepEqual(t.update(frame(1, det('person', 0.82, [101, 100, 201, 301]))), []);
    assert.deepEqual(t.update(frame(2, det('person', 0.79, [100, 99, 200, 300]))), []);
    assert.deepEqual(t.active.map((o) => [o.id, o.frame_time]), [['1714000000.123456-id0001', T0 + 2]]);
  });

  it('update when the score moves by ≥ 0.05: before is the last reported state, top_score the best', () => {
    const t = new ObjectTracker({ camera: 'porch', randomSuffix: suffix });
    t.update(frame(0, det('person', 0.6, [100, 100, 200, 300])));
    const [e] = t.update(frame(1, det('person', 0.9, [100, 100, 200, 300])));
    assert.deepEqual([e!.type, e!.before.score, e!.after.score, e!.after.top_score, e!.after.frame_time], ['update', 0.6, 0.9, 0.9, T0 + 1]);
    const [e2] = t.update(frame(2, det('person', 0.7, [100, 100, 200, 300])));
    assert.deepEqual([e2!.before.score, e2!.after.score, e2!.after.top_score], [0.9, 0.7, 0.9]);
  });

  it('update when the box has moved (IoU with the last reported box < 0.9), also by a slow drift', () => {
    const t = new ObjectTracker({ camera: 'porch', randomSuffix: suffix });
    t.update(frame(0, det('car', 0.9, [0, 0, 100, 100])));
    const events = [2, 4, 6, 8].map((dx, i) => t.update(frame(i + 1, det('car', 0.9, [dx, 0, 100 + dx, 100]))));
    // IoU([0,0,100,100], [dx,0,100+dx,100]) = (100-dx)/(100+dx): ≥ 0.9 up to dx = 5, below from dx = 6.
    assert.deepEqual(events.map((e) => e.map((x) => x.type)), [[], [], ['update'], []]);
    assert.deepEqual(events[2]![0]!.before.box, [0, 0, 100, 100]);
  });

  it('end after maxMissed frames without the object; end_time is when it was last seen', () => {
    const t = new ObjectTracker({ camera: 'porch', maxMissed: 3, randomSuffix: suffix });
    t.update(frame(0, det('dog', 0.7, [10, 10, 50, 50])));
    assert.deepEqual(t.update(frame(1)), []);
    assert.deepEqual(t.update(frame(2)), []);
    const [e] = t.update(frame(3));
    assert.deepEqual([e!.type, e!.after.id, e!.after.end_time, e!.before.end_time], ['end', '1714000000.123456-id0001', T0, null]);
    assert.equal(t.active.length, 0);
  });

  it('an object back within maxMissed frames keeps its id', () => {
    const t = new ObjectTracker({ camera: 'porch', maxMissed: 3, randomSuffix: suffix });
    t.update(frame(0, det('dog', 0.7, [10, 10, 50, 50])));
    t.update(frame(1));
    t.update(frame(2));
    assert.deepEqual(t.update(frame(3, det('dog', 0.7, [11, 10, 51, 50]))), []);
    assert.deepEqual(t.update(frame(4)), []);
  });

  it('two people: each detection continues the track it overlaps most', () => {
    const t = new ObjectTracker({ camera: 'porch', randomSuffix: suffix });
    t.update(frame(0, det('person', 0.8, [0, 0, 100, 200]), det('person', 0.8, [90, 0, 190, 200])));
    t.update(frame(1, det('person', 0.8, [95, 0, 195, 200]), det('person', 0.8, [5, 0, 105, 200])));
    assert.deepEqual(t.active.map((o) => [o.id, o.box[0]]), [['1714000000.123456-id0001', 5], ['1714000000.123456-id0002', 95]]);
  });

  it('labels never match across: a car where a person was is a new object, the person ends', () => {
    const t = new ObjectTracker({ camera: 'porch', maxMissed: 1, randomSuffix: suffix });
    t.update(frame(0, det('person', 0.8, [0, 0, 100, 100])));
    assert.deepEqual(kinds(t.update(frame(1, det('car', 0.8, [0, 0, 100, 100])))), [
      'new car 1714000001.123456-id0002', 'end person 1714000000.123456-id0001',
    ]);
  });

  it('only the configured labels are tracked; flush() ends everything', () => {
    const t = new ObjectTracker({ camera: 'porch', labels: ['person'], randomSuffix: suffix });
    assert.deepEqual(kinds(t.update(frame(0, det('person', 0.8, [0, 0, 10, 10]), det('bird', 0.9, [50, 50, 60, 60])))), ['new person 1714000000.123456-id0001']);
    assert.deepEqual(kinds(t.flush()), ['end person 1714000000.123456-id0001']);
    assert.equal(t.active.length, 0);
  });

  it('maxMissed below 1 is refused, naming the camera', () => {
    assert.throws(() => new ObjectTracker({ camera: 'porch', maxMissed: 0 }), /tracker: camera porch: maxMissed must be ≥ 1 \(got 0\)/);
  });

  it('default ids end in six random hex characters', () => {
    const [e] = new ObjectTracker({ camera: 'porch' }).update(frame(0, det('person', 0.8, [0, 0, 10, 10])));
    assert.match(e!.after.id, /^1714000000\.123456-[0-9a-f]{6}$/);
  });

  it('CameraTrackers: one tracker per camera, with its own options', () => {
    const ts = new CameraTrackers({ options: (camera) => ({ camera, labels: camera === 'a' ? ['cat'] : ['dog'], randomSuffix: suffix }) });
    const f = frame(0, det('cat', 0.9, [0, 0, 10, 10]), det('dog', 0.9, [0, 0, 10, 10]));
    assert.deepEqual(ts.update('a', f).map((e) => [e.after.camera, e.after.label]), [['a', 'cat']]);
    assert.deepEqual(ts.update('b', f).map((e) => [e.after.camera, e.after.label]), [['b', 'dog']]);
    assert.deepEqual(ts.flush('a').map((e) => e.type), ['end']);
    assert.deepEqual(ts.flush('a'), []);
  });
});
