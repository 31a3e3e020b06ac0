import assert from 'node:assert/strict';
import { Topics, TOPIC_SPECS, type TopicKind, type TopicMessage, type WorkerInfo } from '../../shared/topics.ts';
import { filterCovers, topicFilterError, topicMatches, topicNameError } from '../../shared/transport/match.ts';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { ERROR_CODES } from '../../shared/wire/error-codes.ts';
import { readFile } from 'node:fs/promises';

/** Wait for a condition (deliveries are asynchronous); a sleep would pass or fail on timing alone. */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('topics: the topic tree of DESIGN.md', () => {
  const t = new Topics();
  const cases: [string, string, TopicKind, Record<string, string>][] = [
    ['bridge state', t.bridgeState(), 'bridgeState', {}],
    ['bridge request', t.bridgeRequest('plan'), 'bridgeRequest', { name: 'plan' }],
    ['bridge response', t.bridgeResponse('plan'), 'bridgeResponse', { name: 'plan' }],
    ['plan', t.plan(), 'plan', {}],
    ['worker state', t.workerState('pi-1'), 'workerState', { id: 'pi-1' }],
    ['worker info', t.workerInfo('pi-1'), 'workerInfo', { id: 'pi-1' }],
    ['worker stats', t.workerStats('pi-1'), 'workerStats', { id: 'pi-1' }],
    ['data', t.data(3, 't0_1'), 'data', { stage: '3', piece: 't0_1' }],
    ['camera frame', t.cameraFrame('porch'), 'cameraFrame', { cam: 'porch' }],
    ['camera predictions', t.cameraPredictions('porch'), 'cameraPredictions', { cam: 'porch' }],
    ['camera snapshot', t.cameraSnapshot('porch'), 'cameraSnapshot', { cam: 'porch' }],
    ['camera events', t.cameraEvents('porch'), 'cameraEvents', { cam: 'porch' }],
    ['errors', t.errors(), 'errors', {}],
    ['HA device config', t.haDevice('deeperthings_porch'), 'haDevice', { id: 'deeperthings_porch' }],
    ['HA status', t.haStatus(), 'haStatus', {}],
  ];
  const expected = [
    'deeperthings/bridge/state', 'deeperthings/bridge/request/plan', 'deeperthings/bridge/response/plan',
    'deeperthings/default/plan', 'deeperthings/default/workers/pi-1/state', 'deeperthings/default/workers/pi-1/info',
    'deeperthings/default/workers/pi-1/stats', 'deeperthings/default/data/3/t0_1', 'deeperthings/default/cameras/porch/frame',
    'deeperthings/default/cameras/porch/predictions', 'deeperthings/default/cameras/porch/snapshot',
    'deeperthings/default/cameras/porch/events', 'deeperthings/default/errors',
    'homeassistant/device/deeperthings_porch/config', 'homeassistant/status',
  ];

  cases.forEach(([name, topic, kind, params], i) => {
    it(`${name}: builds ${expected[i]} and parses it back`, () => {
      assert.equal(topic, expected[i]);
      assert.deepEqual(t.parse(topic), { kind, params });
    });
  });

  it('covers every kind of the map', () => {
    assert.deepEqual(new Set(cases.map((c) => c[2])), new Set(Object.keys(TOPIC_SPECS)));
  });

  it('honours a configured root, cluster and HA prefix', () => {
    const c = new Topics({ root: 'home/dt', cluster: 'garage', haPrefix: 'ha' });
    assert.equal(c.data('s1', 'p'), 'home/dt/garage/data/s1/p');
    assert.equal(c.bridgeState(), 'home/dt/bridge/state');
    assert.equal(c.haDevice('x'), 'ha/device/x/config');
    assert.deepEqual(c.parse('home/dt/garage/cameras/door/frame'), { kind: 'cameraFrame', params: { cam: 'door' } });
    assert.equal(c.parse('deeperthings/default/plan'), undefined, "another cluster's plan is not ours");
  });

  it("builds '+' filters and parses received topics under them", () => {
    const filter = t.cameraFrame('+');
    assert.equal(filter, 'deeperthings/default/cameras/+/frame');
    assert.ok(topicMatches(filter, t.cameraFrame('any-camera')));
    assert.equal(t.parse('deeperthings/default/cameras//frame'), undefined);
    assert.equal(t.parse('deeperthings/default/unknown'), undefined);
    assert.equal(t.clusterAll(), 'deeperthings/default/#');
  });

  it('refuses parameters and configuration that would break the tree', () => {
    assert.throws(() => t.workerState('a/b'), /workerState parameter 'id' 'a\/b' must be one non-empty topic level/);
    assert.throws(() => t.data(1, '#'), /piece/);
    assert.throws(() => t.cameraFrame(''), /cam/);
    assert.throws(() => t.cameraFrame('a+'), /cam/);
    assert.throws(() => t.haDevice('has space'), /Home Assistant device id 'has space' must match/);
    assert.throws(() => new Topics({ cluster: 'bridge' }), /collides/);
    assert.throws(() => new Topics({ root: 'a/+/b' }), /root 'a\/\+\/b'/);
    assert.throws(() => new Topics({ cluster: 'a/b' }), /cluster 'a\/b'/);
  });
});

describe('topics: typed publish and subscribe', () => {
  const t = new Topics();
  const info: WorkerInfo = { id: 'pi-1', version: '0.1.0', memoryBytes: 1e9, speedGflops: 18, linkBps: 1e7, backend: 'tfjs-wasm' };

  it('retains by kind, serialises JSON and validates on receipt', async () => {
    const bus = new MemoryBus();
    const worker = bus.connect({ clientId: 'pi-1' });
    await t.publish(worker, t.workerInfo('pi-1'), info);
    await t.publish(worker, t.workerState('pi-1'), 'online');
    // @ts-expect-error a worker info payload on a state topic does not compile
    void (() => t.publish(worker, t.workerState('pi-1'), info));
    const got: TopicMessage<'workerInfo'>[] = [];
    const planner = bus.connect({ clientId: 'planner' });
    await t.subscribe(planner, t.workerInfo('+'), (m) => got.push(m));
    await until(() => got.length > 0);
    assert.equal(got.length, 1, 'retained info reaches a late subscriber');
    assert.equal(got[0].retain, true);
    assert.deepEqual(got[0].params, { id: 'pi-1' });
    assert.deepEqual(got[0].payload, { ok: true, value: info });
  });

  it('turns a malformed payload into an error naming topic and field', async () => {
    const bus = new MemoryBus();
    const c = bus.connect({ clientId: 'c' });
    const got: TopicMessage<'errors'>[] = [];
    await t.subscribe(c, t.errors(), (m) => got.push(m));
    // Raw publishes on purpose: typed ones cannot send these payloads.
    await c.publish(t.errors(), JSON.stringify({ code: 'deadline', message: 'm', time: 'yesterday' }));
    await c.publish(t.errors(), '');
    await c.publish(t.errors(), JSON.stringify({ code: 'oops', message: 'm', time: 0 }));
    await until(() => got.length === 3);
    const [bad, empty, code] = got.map((m) => m.payload);
    assert.ok(!bad.ok && bad.error.message === `wire: deeperthings/default/errors: field 'time' must be a finite number (got "yesterday")`);
    assert.ok(!empty.ok && /empty payload/.test(empty.error.message));
    assert.ok(!code.ok && /field 'code' must be .*deadline/.test(code.error.message), code.ok ? 'accepted' : code.error.message);
  });

  it('clears a retained message with an empty payload', async () => {
    const bus = new MemoryBus();
    const c = bus.connect({ clientId: 'c' });
    await t.publish(c, t.workerState('pi-1'), 'online');
    await t.clear(c, t.workerState('pi-1'));
    const got: Uint8Array[] = [];
    await bus.connect({ clientId: 'late' }).subscribe(t.workerState('+'), (_topic, payload) => got.push(payload));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(got.length, 0, 'nothing retained');
    await assert.rejects(t.clear(c, 'other/topic' as ReturnType<Topics['plan']>), /not a topic of this tree/);
  });

  it('documents every error code in the README table, and nothing else', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.split(/^#+ Error codes$/m)[1]?.split(/^#/m)[0] ?? '';
    const documented = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]).sort();
    assert.deepEqual(documented, Object.keys(ERROR_CODES).sort());
  });

  it('rejects publishing to a topic outside the tree', async () => {
    const c = new MemoryBus().connect({ clientId: 'c' });
    await assert.rejects(t.publish(c, 'other/topic' as ReturnType<Topics['errors']>, { code: 'deadline', message: 'y', time: 0 }), /not a topic of this tree/);
  });
});

describe('topics: MQTT filter matching (match.ts)', () => {
  const table: [string, string, boolean][] = [
    ['a/b', 'a/b', true], ['a/b', 'a/c', false], ['a/+', 'a/b', true], ['a/+', 'a/b/c', false], ['a/+/c', 'a//c', true],
    ['a/#', 'a', true], ['a/#', 'a/b/c', true], ['#', 'a/b', true], ['+/+', '/x', true], ['+', 'a/b', false],
    // [MQTT-4.7.2-1] wildcards at the first level never match '$' topics
    ['#', '$SYS/x', false], ['+/x', '$SYS/x', false], ['$SYS/#', '$SYS/x', true],
  ];
  for (const [filter, topic, expected] of table) {
    it(`'${filter}' ${expected ? 'matches' : 'does not match'} '${topic}'`, () => assert.equal(topicMatches(filter, topic), expected));
  }
  it('validates names and filters [MQTT-4.7.1-2, -3]', () => {
    assert.equal(topicFilterError('a/+/#'), undefined);
    assert.match(topicFilterError('a/#/b') ?? '', /'#' must be the whole last level/);
    assert.match(topicFilterError('a/b+') ?? '', /'\+' must be a whole level/);
    assert.match(topicNameError('a/+') ?? '', /contains a wildcard/);
    assert.match(topicNameError('') ?? '', /empty/);
  });
  it('decides whether one filter covers another (subscribe ACLs)', () => {
    assert.ok(filterCovers('a/#', 'a/+/c'));
    assert.ok(filterCovers('a/+', 'a/+'));
    assert.ok(filterCovers('a/#', 'a'));
    assert.ok(!filterCovers('a/+', 'a/#'));
    assert.ok(!filterCovers('a/b', 'a/+'));
    assert.ok(!filterCovers('#', '$SYS/#'));
  });
});
