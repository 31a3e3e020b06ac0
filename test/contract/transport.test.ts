/**
 * One transport contract (STYLE §11b), run over the in-memory bus and over mqtt.js against embedded
 * aedes (TCP and WebSocket, MQTT 3.1.1) and Mosquitto (MQTT 5, with and without a packet limit).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { EmbeddedBroker } from '../../broker/server.ts';
import { FrameTooLargeError } from '../../shared/errors.ts';
import { MemoryBus } from '../../shared/transport/memory.ts';
import { connectMqtt } from '../../shared/transport/mqtt.ts';
import { PROTOCOL_MAX_PACKET, type MessageHandler, type Transport, type Will } from '../../shared/transport/types.ts';
import { ChunkAssembler, chunkLimit, splitPayload } from '../../shared/wire/index.ts';
import { mosquittoMissing, startMosquitto } from '../support/mosquitto.ts';

type Killable = Transport & { kill(): void };

export interface TransportHarness {
  start(): Promise<void>;
  stop(): Promise<void>;
  connect(clientId: string, will?: Will): Promise<Killable>;
  protocol: 4 | 5;
  maxPacketSize: number;
}

/** Collects messages; `next(n)` waits until n have arrived. */
function collector() {
  const got: { topic: string; payload: Buffer; retain: boolean }[] = [];
  let wake = () => {};
  const handler: MessageHandler = (topic, payload, meta) => {
    got.push({ topic, payload: Buffer.from(payload), retain: meta.retain });
    wake();
  };
  const next = async (n: number, ms = 3000) => {
    const deadline = Date.now() + ms;
    while (got.length < n) {
      if (Date.now() > deadline) throw new Error(`contract: expected ${n} messages, got ${got.length}: ${got.map((g) => g.topic)}`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 20); });
    }
    return got;
  };
  return { got, handler, next };
}
/** Quiet period to show that nothing (more) arrives. */
const settle = (ms = 300) => new Promise((r) => setTimeout(r, ms));

export function transportContract(name: string, h: TransportHarness): void {
  describe(`transport contract: ${name}`, function () {
    let n = 0;
    let open: Killable[] = [];
    let base = '';
    const connect = async (will?: Will) => {
      const t = await h.connect(`${name.replace(/\W+/g, '-')}-${n}-${open.length}`, will);
      open.push(t);
      return t;
    };
    before(() => h.start());
    after(() => h.stop());
    beforeEach(() => { base = `contract/${++n}`; });
    afterEach(async () => {
      for (const t of open) await t.close().catch(() => undefined);
      open = [];
    });

    it(`negotiates protocol level ${h.protocol} and maximum packet size ${h.maxPacketSize}`, async () => {
      const t = await connect();
      assert.equal(t.protocolVersion, h.protocol);
      assert.equal(t.maxPacketSize, h.maxPacketSize);
    });

    it('delivers a publish to a subscriber, bytes and text alike', async () => {
      const [a, b] = [await connect(), await connect()];
      const c = collector();
      await b.subscribe(`${base}/x`, c.handler);
      await a.publish(`${base}/x`, Uint8Array.of(0, 1, 255));
      await a.publish(`${base}/x`, 'héllo', { qos: 1, expirySeconds: 60 });
      const [m1, m2] = await c.next(2);
      assert.deepEqual([m1.topic, [...m1.payload], m1.retain], [`${base}/x`, [0, 1, 255], false]);
      assert.equal(m2.payload.toString('utf8'), 'héllo');
    });

    it("matches '+' and '#' wildcards", async () => {
      const [a, b] = [await connect(), await connect()];
      const plus = collector();
      const hash = collector();
      await b.subscribe(`${base}/+/x`, plus.handler);
      await b.subscribe(`${base}/#`, hash.handler);
      for (const t of ['a/x', 'a/y', 'a/b/x']) await a.publish(`${base}/${t}`, t, { qos: 1 });
      await hash.next(3);
      await settle(100);
      assert.deepEqual(plus.got.map((m) => m.topic), [`${base}/a/x`]);
      assert.deepEqual(hash.got.map((m) => m.topic), [`${base}/a/x`, `${base}/a/y`, `${base}/a/b/x`]);
    });

    it('gives two handlers of one filter one copy each, and unsubscribes them one at a time', async () => {
      const [a, b] = [await connect(), await connect()];
      const [c1, c2] = [collector(), collector()];
      const off1 = await b.subscribe(`${base}/s`, c1.handler);
      await b.subscribe(`${base}/s`, c2.handler);
      await a.publish(`${base}/s`, '1', { qos: 1 });
      await Promise.all([c1.next(1), c2.next(1)]);
      await off1();
      await a.publish(`${base}/s`, '2', { qos: 1 });
      await c2.next(2);
      await settle(100);
      assert.deepEqual([c1.got.length, c2.got.length], [1, 2]);
    });

    it('gives handlers of overlapping filters one copy each', async () => {
      const [a, b] = [await connect(), await connect()];
      const [wide, narrow] = [collector(), collector()];
      await b.subscribe(`${base}/#`, wide.handler);
      await b.subscribe(`${base}/+/o`, narrow.handler);
      await a.publish(`${base}/x/o`, '1', { qos: 1 });
      await Promise.all([wide.next(1), narrow.next(1)]);
      await settle(200);
      assert.deepEqual([wide.got.length, narrow.got.length], [1, 1]);
    });

    it('stops delivering after unsubscribe', async () => {
      const [a, b] = [await connect(), await connect()];
      const c = collector();
      const off = await b.subscribe(`${base}/u`, c.handler);
      await a.publish(`${base}/u`, '1', { qos: 1 });
      await c.next(1);
      await off();
      await a.publish(`${base}/u`, '2', { qos: 1 });
      await settle();
      assert.equal(c.got.length, 1);
    });

    it('delivers retained messages to a late subscriber, and an empty retained payload clears them', async () => {
      const a = await connect();
      await a.publish(`${base}/state`, 'online', { retain: true, qos: 1 });
      const late = collector();
      await (await connect()).subscribe(`${base}/#`, late.handler);
      const [m] = await late.next(1);
      assert.deepEqual([m.payload.toString(), m.retain], ['online', true]);
      await a.publish(`${base}/live`, 'x', { retain: false, qos: 1 });
      assert.equal((await late.next(2))[1].retain, false, 'live messages carry retain = 0 [MQTT-3.3.1-9]');
      await a.publish(`${base}/state`, '', { retain: true, qos: 1 });
      await late.next(3);
      const later = collector();
      await (await connect()).subscribe(`${base}/state`, later.handler);
      await settle();
      assert.equal(later.got.length, 0);
    });

    it('publishes the last will on an abrupt disconnect, not on a clean one', async () => {
      const watcher = collector();
      await (await connect()).subscribe(`${base}/+/state`, watcher.handler);
      const will = (id: string): Will => ({ topic: `${base}/${id}/state`, payload: 'offline', retain: true, qos: 1 });
      const crashing = await connect(will('crash'));
      const polite = await connect(will('polite'));
      await polite.close();
      crashing.kill();
      const [m] = await watcher.next(1);
      await settle();
      assert.equal(watcher.got.length, 1);
      assert.deepEqual([m.topic, m.payload.toString()], [`${base}/crash/state`, 'offline']);
    });

    it('carries a 1 MB binary payload intact, chunked to the negotiated limit', async () => {
      const [a, b] = [await connect(), await connect()];
      const payload = randomBytes(1_000_000);
      const topic = `${base}/big`;
      const asm = new ChunkAssembler();
      let done: (p: Uint8Array) => void = () => {};
      const received = new Promise<Uint8Array>((r) => { done = r; });
      await b.subscribe(topic, (_t, bytes) => {
        const r = asm.push(topic, bytes);
        if (r.kind === 'complete' || r.kind === 'whole') done(r.payload);
      });
      const limit = chunkLimit(a.maxPacketSize, topic);
      for (const chunk of splitPayload(payload, { frame: 1, piece: 'big', limit })) await a.publish(topic, chunk, { qos: 1 });
      assert.ok(Buffer.from(await received).equals(payload));
    });

    if (h.maxPacketSize < PROTOCOL_MAX_PACKET) {
      it('refuses a publish above the maximum packet size instead of losing it silently', async () => {
        const a = await connect();
        await assert.rejects(a.publish(`${base}/big`, new Uint8Array(h.maxPacketSize)), (e: unknown) =>
          e instanceof FrameTooLargeError && e.limit === h.maxPacketSize && e.topic === `${base}/big`);
      });
    }

    if (h.protocol === 5) {
      it('drops a retained message when its expiry interval has passed (MQTT 5)', async function () {
        this.timeout(10_000);
        const a = await connect();
        await a.publish(`${base}/fresh`, 'stale soon', { retain: true, qos: 1, expirySeconds: 1 });
        await settle(2100);
        const late = collector();
        await (await connect()).subscribe(`${base}/fresh`, late.handler);
        await settle();
        assert.equal(late.got.length, 0);
      });
    }
  });
}

// --- the implementations -------------------------------------------------------------------------

function memoryHarness(maxPacketSize = PROTOCOL_MAX_PACKET): TransportHarness {
  let bus = new MemoryBus({ maxPacketSize });
  return {
    protocol: 5, maxPacketSize,
    start: async () => { bus = new MemoryBus({ maxPacketSize }); },
    stop: async () => {},
    connect: async (clientId, will) => bus.connect({ clientId, will }),
  };
}

function aedesHarness(ws: boolean): TransportHarness {
  const broker = new EmbeddedBroker({ port: 0, ...(ws ? { wsPort: 0 } : {}) });
  return {
    protocol: 4, maxPacketSize: PROTOCOL_MAX_PACKET,
    start: async () => { await broker.start(); },
    stop: () => broker.stop(),
    connect: (clientId, will) => connectMqtt({ url: ws ? broker.wsUrl! : broker.url, clientId, will }),
  };
}

function mosquittoHarness(maxPacketSize?: number): TransportHarness {
  let stop = async () => {};
  let url = '';
  return {
    protocol: 5, maxPacketSize: maxPacketSize ?? PROTOCOL_MAX_PACKET,
    start: async () => { ({ url, stop } = await startMosquitto({ maxPacketSize })); },
    stop: () => stop(),
    connect: (clientId, will) => connectMqtt({ url, clientId, will }),
  };
}

transportContract('memory', memoryHarness());
transportContract('memory, 100000-byte packets', memoryHarness(100_000));
transportContract('mqtt.js → aedes over TCP', aedesHarness(false));
transportContract('mqtt.js → aedes over WebSocket', aedesHarness(true));
const missing = mosquittoMissing();
if (missing) {
  describe('transport contract: mosquitto', () => it(`skipped: ${missing}`, function () { this.skip(); }));
} else {
  transportContract('mqtt.js → mosquitto (MQTT 5)', mosquittoHarness());
  transportContract('mqtt.js → mosquitto (MQTT 5), max_packet_size 100000', mosquittoHarness(100_000));
}
