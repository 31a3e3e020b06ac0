import assert from 'node:assert/strict';
import { Topics } from '../../shared/topics.ts';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { buildDiscovery, HaDiscovery, type DiscoveryMessage, type DiscoverySource, type Timers } from '../../planner/discovery.ts';
import type { DiscoveryBuildContext } from '../../planner/discovery-model.ts';
import { configuredSource, discoveryContext } from '../../planner/discovery-config.ts';
import { validateConfig, withDefaults } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/types.ts';
import { checkDeviceDiscovery, duplicateUniqueIds } from '../support/ha-rules.ts';
import { renderJinja } from '../support/jinja.ts';

const topics = new Topics();
const ctx: DiscoveryBuildContext = { topics, swVersion: '0.1.0', supportUrl: 'https://example.org/deeperthings', expireAfterSeconds: 60, offDelaySeconds: 5 };
const source: DiscoverySource = {
  cameras: [
    { name: 'porch', labels: ['person', 'car', 'traffic light'] },
    { name: 'garden', labels: ['dog'], worker: 'pi-1' },
  ],
  workers: [
    { id: 'pi-1', info: { id: 'pi-1', version: '0.1.0', memoryBytes: 512e6, speedGflops: 4.2, linkBps: 12.5e6, backend: 'tfjs-wasm' } },
    { id: 'pi 2' },
  ],
};
const byId = (ms: DiscoveryMessage[], suffix: string) => ms.find((m) => m.id.endsWith(suffix))!;
// Delivery on the MemoryBus is asynchronous; leave room for a loaded CI machine.
const flush = async () => { for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10)); };

describe('discovery: payloads pass the rules of Home Assistant (test/support/ha-rules.ts)', () => {
  const messages = buildDiscovery(ctx, source);

  for (const m of messages) {
    it(`${m.id}: a valid device discovery message`, () => {
      assert.deepEqual(checkDeviceDiscovery(m.topic, JSON.parse(JSON.stringify(m.payload))), []);
    });
  }

  it('unique_id is unique across all payloads', () => {
    assert.deepEqual(duplicateUniqueIds(messages.map((m) => m.payload)), []);
  });

  it('the payloads of a config file pass too, under a custom discovery prefix', () => {
    const doc = withDefaults({ homeassistant: { discoveryPrefix: 'ha' }, cameras: { front: { labels: ['person', 'cat'] } }, planner: { devices: [{ id: 'jetson' }] } });
    const res = validateConfig(doc) as { config: Config };
    const ms = buildDiscovery(discoveryContext(res.config, '1.2.3'), configuredSource(res.config));
    assert.deepEqual(ms.map((m) => m.topic), ['ha/device/deeperthings_default_bridge/config', 'ha/device/deeperthings_default_camera_front/config', 'ha/device/deeperthings_default_worker_jetson/config']);
    for (const m of ms) assert.deepEqual(checkDeviceDiscovery(m.topic, m.payload, 'ha'), []);
  });
});

describe('discovery: what each device shows', () => {
  const messages = buildDiscovery(ctx, source);
  const bridge = byId(messages, '_bridge');
  const porch = byId(messages, '_camera_porch').payload;
  const garden = byId(messages, '_camera_garden').payload;

  it('the bridge comes first; cameras and workers hang off it (via_device)', () => {
    assert.equal(messages[0], bridge);
    for (const m of messages.slice(1)) assert.equal(m.payload.device.via_device, 'deeperthings_default_bridge');
  });

  it('a count sensor and an occupancy binary_sensor per label, on the predictions topic', () => {
    const count = porch.components.traffic_light_count!;
    const detected = porch.components.person_detected!;
    assert.equal(count.platform, 'sensor');
    assert.equal('state_topic' in count && count.state_topic, 'deeperthings/default/cameras/porch/predictions');
    assert.match(String('value_template' in count && count.value_template), /selectattr\('label', 'equalto', "traffic light"\)/);
    assert.equal(count.default_entity_id, 'sensor.deeperthings_default_camera_porch_traffic_light_count');
    assert.deepEqual([detected.platform, 'device_class' in detected && detected.device_class, 'off_delay' in detected && detected.off_delay], ['binary_sensor', 'occupancy', 5]);
  });

  it('the snapshot is an image entity on the snapshot topic, JPEG', () => {
    assert.deepEqual(porch.components.snapshot, {
      platform: 'image', unique_id: 'deeperthings_default_camera_porch_snapshot', default_entity_id: 'image.deeperthings_default_camera_porch_snapshot',
      name: 'Snapshot', image_topic: 'deeperthings/default/cameras/porch/snapshot', content_type: 'image/jpeg',
      availability: [{ topic: 'deeperthings/bridge/state' }], availability_mode: 'all',
    });
  });

  it('latency is a diagnostic duration in ms that expires; the event entity lists the labels', () => {
    const latency = porch.components.latency as unknown as Record<string, unknown>;
    assert.deepEqual([latency.device_class, latency.unit_of_measurement, latency.entity_category, latency.expire_after], ['duration', 'ms', 'diagnostic', 60]);
    const event = porch.components.detection as unknown as Record<string, unknown>;
    assert.deepEqual([event.platform, event.state_topic, event.event_types], ['event', 'deeperthings/default/cameras/porch/events', ['person', 'car', 'traffic light']]);
  });

  it("a camera's availability adds its head worker's Last Will, mode all", () => {
    assert.deepEqual(garden.components.dog_count!.availability, [{ topic: 'deeperthings/bridge/state' }, { topic: 'deeperthings/default/workers/pi-1/state' }]);
    assert.equal(garden.components.dog_count!.availability_mode, 'all');
  });

  it('workers: connectivity on their state topic (bridge availability only), memory from their info', () => {
    const w = byId(messages, '_worker_pi-1').payload;
    assert.deepEqual(w.components.connectivity, {
      platform: 'binary_sensor', unique_id: 'deeperthings_default_worker_pi-1_connectivity', default_entity_id: 'binary_sensor.deeperthings_default_worker_pi_1_connectivity',
      name: 'Connectivity', state_topic: 'deeperthings/default/workers/pi-1/state', payload_on: 'online', payload_off: 'offline',
      device_class: 'connectivity', entity_category: 'diagnostic', availability: [{ topic: 'deeperthings/bridge/state' }], availability_mode: 'all',
    });
    assert.equal((w.components.memory as unknown as Record<string, unknown>).state_topic, 'deeperthings/default/workers/pi-1/info');
    assert.deepEqual([w.device.model, w.device.sw_version], ['Worker (tfjs-wasm)', '0.1.0']);
  });

  it('a worker id that is not an HA id gets a safe id with a hash, never a collision', () => {
    const w = messages.find((m) => m.payload.device.name === 'Worker pi 2')!;
    assert.match(w.id, /^deeperthings_default_worker_pi_2_[0-9a-f]{6}$/);
  });

  it('the bridge: connection state without availability (it is the availability), origin with support_url', () => {
    assert.equal('availability' in bridge.payload.components.connection_state!, false);
    assert.deepEqual(bridge.payload.origin, { name: 'deeperthings', sw_version: '0.1.0', support_url: 'https://example.org/deeperthings' });
  });

  it('two labels that map to one entity id are refused, naming the camera', () => {
    assert.throws(() => buildDiscovery(ctx, { cameras: [{ name: 'x', labels: ['traffic light', 'traffic_light'] }], workers: [] }), /discovery: camera x: label 'traffic_light'/);
  });
});

describe('discovery: the rules catch what HA rejects or drops (the validator itself)', () => {
  const good = () => JSON.parse(JSON.stringify(buildDiscovery(ctx, source)[1]!.payload)) as Record<string, any>;
  const topic = 'homeassistant/device/x/config';
  const cases: [string, (p: Record<string, any>) => void, RegExp][] = [
    ['sensor without state_topic', (p) => delete p.components.person_count.state_topic, /person_count: sensor requires state_topic/],
    ['object_id', (p) => (p.components.person_count.object_id = 'x'), /object_id is deprecated/],
    ['availability and availability_topic', (p) => (p.components.fps.availability_topic = 'a/b'), /fps: availability and availability_topic are exclusive/],
    ['an unknown key', (p) => (p.components.fps.stat_topic = 'a/b'), /fps: unknown key 'stat_topic'/],
    ['default_entity_id of another domain', (p) => (p.components.fps.default_entity_id = 'binary_sensor.x'), /fps: default_entity_id/],
    ['image with both topics', (p) => (p.components.snapshot.url_topic = 'a/b'), /snapshot: needs exactly one of image_topic, url_topic/],
    ['origin without name', (p) => delete p.origin.name, /origin.name is required/],
    ['device without identifiers', (p) => (p.device.identifiers = []), /device needs a non-empty/],
    ['duration in fps', (p) => (p.components.fps.device_class = 'duration'), /unit 'fps' is not valid for device_class duration/],
    ['event without event_types', (p) => delete p.components.detection.event_types, /detection: event requires event_types/],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`${name}`, () => {
      const p = good();
      mutate(p);
      const problems = checkDeviceDiscovery(topic, p);
      assert.ok(problems.some((x) => expected.test(x)), `no problem matching ${expected} in ${JSON.stringify(problems)}`);
    });
  }
  it('abbreviated keys are read as their full names (dev, o, cmps, p, stat_t, uniq_id)', () => {
    const p = good();
    const { device, origin, components } = p;
    const fps = components.fps;
    components.fps = { p: fps.platform, uniq_id: fps.unique_id, stat_t: fps.state_topic, unit_of_meas: fps.unit_of_measurement };
    assert.deepEqual(checkDeviceDiscovery(topic, { dev: device, o: origin, cmps: components }), []);
  });
  it('a duplicate unique_id across payloads', () => {
    assert.deepEqual(duplicateUniqueIds([good(), good()]).length > 0, true);
  });
  it('a malformed discovery topic', () => {
    assert.match(checkDeviceDiscovery('homeassistant/device/a b/config', good())[0]!, /is not <prefix>\/device/);
  });
});

describe('discovery: HaDiscovery publishes, removes and re-announces on a MemoryBus', () => {
  function fakeTimers(): Timers & { fire(): void } {
    const pending = new Map<number, () => void>();
    let n = 0;
    return {
      set: (fn) => (pending.set(++n, fn), n),
      clear: (h) => void pending.delete(h as number),
      fire: () => { const fns = [...pending.values()]; pending.clear(); fns.forEach((f) => f()); },
    };
  }
  async function setup(bus = new MemoryBus()) {
    const seen: { topic: string; payload: string; retain: boolean }[] = [];
    const watcher = bus.connect({ clientId: `watch-${Math.random()}` });
    await watcher.subscribe('homeassistant/#', (topic, payload, meta) => seen.push({ topic, payload: Buffer.from(payload).toString(), retain: meta.retain }));
    const timers = fakeTimers();
    const log = { debug() {}, info() {}, warn() {}, error() {} };
    const d = new HaDiscovery({ ...ctx, transport: bus.connect({ clientId: 'planner' }), birthDelayMs: 5000, sweepAfterMs: 30000, timers, log });
    /** A later event instead of a sleep: our own marker arrives after anything published before it. */
    const marked = async () => {
      await watcher.publish('homeassistant/marker', 'x');
      while (!seen.some((m) => m.topic === 'homeassistant/marker')) await new Promise((r) => setImmediate(r));
      seen.splice(seen.findIndex((m) => m.topic === 'homeassistant/marker'), 1);
    };
    return { bus, seen, timers, d, marked };
  }

  it('start() announces retained configs; update() removes a worker that disappeared', async () => {
    const { bus, seen, d } = await setup();
    await d.update(source);
    await d.start();
    await flush();
    assert.equal(seen.length, 5);
    await d.update({ ...source, workers: source.workers.slice(0, 1) });
    await flush();
    const removal = seen.filter((s) => s.payload === '');
    assert.equal(removal.length, 1);
    assert.match(removal[0]!.topic, /^homeassistant\/device\/deeperthings_default_worker_pi_2_[0-9a-f]{6}\/config$/);
    const late: string[] = [];
    await bus.connect({ clientId: 'late' }).subscribe('homeassistant/#', (t) => late.push(t));
    await flush();
    assert.equal(late.length, 4, 'the removed config is no longer retained');
    await d.stop();
  });

  it("HA's `online` birth re-publishes everything after the delay; unchanged updates publish nothing", async () => {
    const { seen, timers, d, marked } = await setup();
    await d.update(source);
    await d.start();
    await d.update(source);
    await marked();
    assert.equal(seen.length, 5);
    d.onHaBirth('offline');
    d.onHaBirth('online');
    await marked();
    assert.equal(seen.length, 5, 'nothing before the delay');
    timers.fire();
    await flush();
    assert.equal(seen.length, 10);
    await d.stop();
  });

  it('devices of an earlier run that do not come back are swept after sweepAfterMs', async () => {
    const bus = new MemoryBus();
    const first = await setup(bus);
    await first.d.update(source);
    await first.d.start();
    await first.d.stop();
    const second = await setup(bus);
    await second.d.update({ cameras: source.cameras, workers: [] });
    await second.d.start();
    await flush();
    second.timers.fire();
    await flush();
    const cleared = second.seen.filter((s) => s.payload === '' && !s.retain).map((s) => s.topic.split('/')[2]);
    assert.equal(cleared.length, 2);
    assert.ok(cleared.every((id) => id!.includes('_worker_')));
    await second.d.stop();
  });
});

describe('discovery: value templates render as HA renders them (Jinja2; skipped without python3 + jinja2)', () => {
  const ms = buildDiscovery(ctx, { cameras: [{ name: 'porch', labels: ['person', 'traffic light'] }], workers: source.workers.slice(0, 1) });
  const tpl = (suffix: string, key: string) => (byId(ms, suffix).payload.components[key] as { value_template: string }).value_template;
  const det = (label: string) => ({ label, classId: 0, score: 0.9, box: [1, 2, 3, 4] });
  const pred = {
    camera: 'porch', frame: 3, frameTime: 1.5, width: 640, height: 480, model: 'yolov2-tiny', plan: 'p1',
    detections: [det('person'), det('traffic light'), det('person')], latencyMs: { total: 123.4, stages: [] }, fps: 2.5,
  };
  const { fps: _fps, ...noFps } = pred;
  const after = { id: '1.000000-abcdef', label: 'person', score: 0.9, box: [1, 2, 3, 4], frame_time: 1, frame_width: 640, frame_height: 480 };
  const plan = { planId: 'p1', devices: [{ id: 'a' }, { id: 'b' }], predicted: { latencyMs: 42 } };
  // Expected: the rendered text, or for JSON renderings (the event) the parsed object.
  const cases: [string, string, unknown, string | object][] = [
    ['_camera_porch', 'person_count', pred, '2'],
    ['_camera_porch', 'traffic_light_count', { ...pred, detections: [] }, '0'],
    ['_camera_porch', 'person_detected', pred, 'ON'],
    ['_camera_porch', 'person_detected', { ...pred, detections: [det('car')] }, 'OFF'],
    ['_camera_porch', 'person_count', { ...pred, detections: undefined, top: [] }, '0'],
    ['_camera_porch', 'latency', pred, '123.4'],
    ['_camera_porch', 'fps', pred, '2.5'],
    ['_camera_porch', 'fps', noFps, 'None'],
    ['_worker_pi-1', 'oversize_frames', { worker: 'pi-1', oversizeFrames: 7, rssBytes: 1e8 }, '7'],
    ['_worker_pi-1', 'skipped_frames', { worker: 'pi-1', skippedFrames: 3, rssBytes: 1e8 }, '3'],
    ['_worker_pi-1', 'skipped_frames', { worker: 'pi-1', rssBytes: 1e8 }, '0'],
    ['_worker_pi-1', 'memory_used', { worker: 'pi-1', oversizeFrames: 7, rssBytes: 1e8 }, '100000000'],
    ['_camera_porch', 'detection', { type: 'new', before: after, after }, { event_type: 'person', id: after.id, score: 0.9, box: [1, 2, 3, 4], frame_time: 1, frame_width: 640, frame_height: 480 }],
    ['_camera_porch', 'detection', { type: 'update', before: after, after }, ''],
    ['_camera_porch', 'detection', { type: 'new', before: after, after: { ...after, label: 'bird' } }, ''],
    ['_worker_pi-1', 'memory', { memoryBytes: 512e6 }, '512000000'],
    ['_bridge', 'plan_devices', plan, '2'],
    ['_bridge', 'predicted_latency', plan, '42'],
    ['_bridge', 'predicted_latency', { planId: 'p1', devices: [] }, 'None'],
  ];
  const rendered = renderJinja(cases.map(([d, k, v]) => [tpl(d, k), v] as const));
  cases.forEach(([d, k, v, expected], i) => {
    it(`${d.slice(1)} ${k} ← ${JSON.stringify(v).slice(0, 50)}… renders ${JSON.stringify(expected).slice(0, 40)}`, function () {
      if (!rendered) this.skip();
      if (typeof expected === 'string') assert.equal(rendered![i], expected);
      else assert.deepEqual(JSON.parse(rendered![i]!), expected);
    });
  });
});
