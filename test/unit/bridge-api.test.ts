import assert from 'node:assert/strict';
import { Topics, type BridgeResponse } from '../../shared/topics.ts';
import { MemoryBus, type MemoryTransport } from '../../shared/transport/memory.ts';
import { BridgeApi, BRIDGE_REQUESTS, type BridgeHandlers, type BridgeRequests } from '../../planner/bridge-api.ts';

const topics = new Topics();
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe('bridge API: bridge/request/<name> → bridge/response/<name>', () => {
  let bus: MemoryBus;
  let client: MemoryTransport;
  let api: BridgeApi;
  let calls: { name: string; request: unknown }[];

  const handlers: BridgeHandlers = {
    health: (r) => (calls.push({ name: 'health', request: r }), { healthy: true, workers: { online: 2, total: 3 } }),
    info: (r) => (calls.push({ name: 'info', request: r }), { version: '0.1.0' }),
    plan: async (r: BridgeRequests['plan']) => {
      calls.push({ name: 'plan', request: r });
      if (r.objective === 'latency') throw new Error('planner: no feasible plan for objective latency with 1 device');
      return { planId: 'p-2' };
    },
    'restart-worker': (r) => (calls.push({ name: 'restart-worker', request: r }), undefined),
  };

  beforeEach(async () => {
    bus = new MemoryBus();
    calls = [];
    api = new BridgeApi({ transport: bus.connect({ clientId: 'planner' }), topics, handlers, log: quiet });
    await api.start();
    client = bus.connect({ clientId: 'client' });
  });
  afterEach(async () => { await api.stop(); });

  /** Publish raw `payload` on request `name` (raw: the cases include malformed JSON), resolve with the JSON response. */
  async function ask(name: string, payload: string, retain = false): Promise<BridgeResponse | undefined> {
    let response: BridgeResponse | undefined;
    const off = await client.subscribe(topics.bridgeResponse(name), (_t, p) => { response = JSON.parse(Buffer.from(p).toString()) as BridgeResponse; });
    await client.publish(topics.bridgeRequest(name), payload, { retain });
    for (let i = 0; i < 20 && !response; i++) await new Promise((r) => setTimeout(r, 2));
    await off();
    return response;
  }

  it('health: ok with the handler data, transaction echoed', async () => {
    assert.deepEqual(await ask('health', '{"transaction": "abc-1"}'), { status: 'ok', data: { healthy: true, workers: { online: 2, total: 3 } }, transaction: 'abc-1' });
    assert.deepEqual(calls, [{ name: 'health', request: {} }]);
  });

  it('plan: the optional objective reaches the handler, a numeric transaction comes back as is', async () => {
    assert.deepEqual(await ask('plan', '{"objective": "memory,comm", "transaction": 7}'), { status: 'ok', data: { planId: 'p-2' }, transaction: 7 });
    assert.deepEqual(calls[0], { name: 'plan', request: { objective: 'memory,comm' } });
  });

  it('a handler that throws: status error with its message, caught once', async () => {
    assert.deepEqual(await ask('plan', '{"objective": "latency", "transaction": "t"}'),
      { status: 'error', data: {}, error: 'planner: no feasible plan for objective latency with 1 device', transaction: 't' });
  });

  it('a handler that returns nothing answers data {}', async () => {
    assert.deepEqual(await ask('restart-worker', '{"id": "pi-1"}'), { status: 'ok', data: {} });
    assert.deepEqual(calls, [{ name: 'restart-worker', request: { id: 'pi-1' } }]);
  });

  const bad: [string, string, string, string][] = [
    ['bad JSON', 'health', '{"transaction": ', "bridge: request 'health': payload is not JSON: "],
    ['not an object', 'info', '[1, 2]', "bridge: request 'info': payload must be an object"],
    ['a transaction that is neither string nor number', 'info', '{"transaction": {"a": 1}}', "bridge: request 'info': field 'transaction' must be a string or number (got object)"],
    ['an unknown request', 'reboot', '{"transaction": "x"}', `bridge: unknown request 'reboot' (known: ${BRIDGE_REQUESTS.join(', ')})`],
    ['an unknown objective', 'plan', '{"objective": "speed", "transaction": "x"}', `bridge: request 'plan': field 'objective' must be latency, fps, comm or memory, or a list like latency,comm (got "speed")`],
    ['restart-worker without id', 'restart-worker', '{"transaction": "x"}', "bridge: request 'restart-worker': field 'id' must name a worker (got nothing)"],
    ['an empty payload', 'health', '', "bridge: request 'health': empty payload (a cleared retained message)"],
  ];
  for (const [what, name, payload, error] of bad) {
    it(`${what}: status error, no handler called`, async () => {
      const r = await ask(name, payload);
      assert.equal(r?.status, 'error');
      assert.deepEqual(r?.data, {});
      assert.ok(r?.error?.startsWith(error), `${r?.error} does not start with ${error}`);
      assert.equal(r?.transaction, payload.includes('"x"') ? 'x' : undefined);
      assert.deepEqual(calls, []);
    });
  }

  it('a retained request is ignored: a stale one must not restart a worker on every subscribe', async () => {
    await api.stop();
    await topics.publish(client, topics.bridgeRequest('restart-worker'), { id: 'pi-1' }, { retain: true });
    await api.start();
    // A later request is answered only after the retained one was delivered (in-order): no sleep.
    assert.equal((await ask('health', '{}'))?.status, 'ok');
    assert.deepEqual(calls.map((c) => c.name), ['health']);
  });

  it('stop() unsubscribes', async () => {
    await api.stop();
    const answers: BridgeResponse[] = [];
    await client.subscribe(topics.bridgeResponse('health'), (_t, p) => answers.push(JSON.parse(Buffer.from(p).toString()) as BridgeResponse));
    await client.publish(topics.bridgeRequest('health'), '{"transaction": 1}');
    // The later event: a second API answers a second request; a stopped one would have answered the first before it.
    const other = new BridgeApi({ transport: bus.connect({ clientId: 'planner-2' }), topics, handlers: { ...handlers, health: () => ({ other: true }) }, log: quiet });
    await other.start();
    await client.publish(topics.bridgeRequest('health'), '{"transaction": 2}');
    while (answers.length === 0) await new Promise((r) => setImmediate(r));
    await other.stop();
    assert.deepEqual(answers.map((a) => [a.transaction, a.data]), [[2, { other: true }]]);
    assert.deepEqual(calls, []);
  });
});
