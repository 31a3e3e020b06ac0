import assert from 'node:assert/strict';
import type { BrokerUser } from '../../broker/auth.ts';
import { hashPassword } from '../../broker/passwords.ts';
import { EmbeddedBroker } from '../../broker/server.ts';
import { connectMqtt, type MqttTransport } from '../../shared/transport/mqtt.ts';
import { makeTestCert, type TestCert } from '../support/tls-cert.ts';

const R = 'deeperthings/default';

async function roleUsers(): Promise<BrokerUser[]> {
  const h = (pw: string) => hashPassword(pw);
  return [
    { username: 'planner', password: await h('planner-pw'), role: 'planner' },
    { username: 'w1', password: await h('w1-pw'), role: 'worker' },
    { username: 'front', password: await h('front-pw'), role: 'camera' },
    { username: 'ha', password: await h('ha-pw'), role: 'viewer' },
  ];
}

describe('broker: closed by default beyond loopback', () => {
  it('refuses to listen on 0.0.0.0 without users, saying how to make them; starts with users', async () => {
    await assert.rejects(new EmbeddedBroker({ port: 0, host: '0.0.0.0' }).start(),
      /broker: listening on 0\.0\.0\.0 \(beyond this machine\) needs a users file: create one with `deeperthings users add NAME --role planner\|worker\|camera\|viewer --file users\.yaml`/);
    const broker = new EmbeddedBroker({ port: 0, host: '0.0.0.0', users: [{ username: 'a', password: 'b', role: 'viewer' }] });
    await broker.start();
    await broker.stop();
    const open = new EmbeddedBroker({ port: 0, host: '127.0.0.1' }); // the two-command demo stays open
    await open.start();
    const t = await connectMqtt({ url: open.url, clientId: 'anon' });
    await t.close();
    await open.stop();
  });
});

describe('broker: role ACLs on the embedded broker', () => {
  let broker: EmbeddedBroker;
  let open: MqttTransport[] = [];
  const connect = async (username: string, password: string) => {
    const t = await connectMqtt({ url: broker.url, clientId: `${username}-${open.length}`, username, password, reconnectPeriodMs: 60_000 });
    open.push(t);
    return t;
  };
  before(async () => {
    broker = new EmbeddedBroker({ port: 0, host: '0.0.0.0', users: await roleUsers() });
    await broker.start();
  });
  after(() => broker.stop());
  afterEach(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    open = [];
  });

  /** Publishes `topic` as `who`; returns whether the planner (subscribed to everything) received it. */
  async function delivered(who: MqttTransport, topic: string, retain = false): Promise<boolean> {
    const planner = await connect('planner', 'planner-pw');
    const got: string[] = [];
    for (const f of ['deeperthings/#', 'homeassistant/#']) await planner.subscribe(f, (t) => got.push(t));
    const marker = `${R}/workers/marker-${open.length}/state`;
    await who.publish(topic, 'x', { qos: 0, retain }).catch(() => undefined);
    // A later publish of the planner's own instead of a sleep: it arrives after anything the first could deliver.
    await new Promise((r) => setTimeout(r, 300));
    await planner.publish(marker, 'online', { qos: 1 });
    while (!got.includes(marker)) await new Promise((r) => setTimeout(r, 10));
    return got.includes(topic);
  }

  it('a worker cannot publish a plan, HA discovery or another worker\'s state; its own state passes', async () => {
    assert.equal(await delivered(await connect('w1', 'w1-pw'), `${R}/workers/w1/state`), true);
    assert.equal(await delivered(await connect('w1', 'w1-pw'), `${R}/plan`, true), false);
    assert.equal(await delivered(await connect('w1', 'w1-pw'), 'homeassistant/device/deeperthings_front/config', true), false);
    assert.equal(await delivered(await connect('w1', 'w1-pw'), `${R}/workers/w2/state`), false);
    const w = await connect('w1', 'w1-pw');
    const dropped = new Promise<void>((r) => w.on('disconnect', () => r()));
    await w.publish(`${R}/plan`, '{}', { retain: true }).catch(() => undefined);
    await dropped; // MQTT 3.1.1 has no other answer to a refused publish [MQTT-3.3.5-2]
  });

  it('a camera publishes only its own frame topic', async () => {
    assert.equal(await delivered(await connect('front', 'front-pw'), `${R}/cameras/front/frame`), true);
    assert.equal(await delivered(await connect('front', 'front-pw'), `${R}/cameras/back/frame`), false);
    assert.equal(await delivered(await connect('front', 'front-pw'), `${R}/cameras/front/predictions`), false);
  });

  it('a viewer reads predictions, events, snapshots and bridge state, and nothing internal', async () => {
    const ha = await connect('ha', 'ha-pw');
    for (const f of [`${R}/cameras/+/predictions`, `${R}/cameras/+/events`, `${R}/cameras/+/snapshot`, 'deeperthings/bridge/state']) await ha.subscribe(f, () => {});
    for (const f of [`${R}/data/#`, `${R}/cameras/+/frame`, `${R}/plan`, 'deeperthings/#']) {
      await assert.rejects(ha.subscribe(f, () => {}), /refused/, f);
    }
    assert.equal(await delivered(ha, `${R}/cameras/front/predictions`), false);
  });

  it('only the planner publishes the retained plan', async () => {
    const planner = await connect('planner', 'planner-pw');
    await planner.publish(`${R}/plan`, '{"planId":"p"}', { retain: true, qos: 1 });
    const w = await connect('w1', 'w1-pw');
    const plans: string[] = [];
    await w.subscribe(`${R}/plan`, (_t, p) => plans.push(Buffer.from(p).toString()));
    while (plans.length === 0) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(plans, ['{"planId":"p"}']);
    await planner.publish(`${R}/plan`, '', { retain: true, qos: 1 });
  });
});

describe('broker: TLS listener', () => {
  let cert: TestCert;
  let broker: EmbeddedBroker;
  before(async () => {
    cert = makeTestCert();
    broker = new EmbeddedBroker({ port: 0, wsPort: 0, tls: { cert: cert.cert, key: cert.key } });
    await broker.start();
  });
  after(async () => {
    await broker.stop();
    cert.remove();
  });

  it('serves mqtts:// and wss:// to a client trusting the CA; plain MQTT and untrusted clients fail', async () => {
    assert.match(broker.url, /^mqtts:\/\/127\.0\.0\.1:\d+$/);
    assert.match(broker.wsUrl!, /^wss:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(broker.url).port;
    const viaLocalhost = `mqtts://localhost:${port}`; // host name checked against the certificate
    for (const url of [broker.url, viaLocalhost, broker.wsUrl!]) {
      const t = await connectMqtt({ url, clientId: `tls-${url.slice(0, 4)}`, ca: cert.cert });
      const got = new Promise<string>((r) => void t.subscribe('tls/test', (_t, p) => r(Buffer.from(p).toString())));
      await new Promise((r) => setTimeout(r, 20));
      await t.publish('tls/test', 'hello', { qos: 1 });
      assert.equal(await got, 'hello');
      await t.close();
    }
    await assert.rejects(connectMqtt({ url: `mqtt://127.0.0.1:${port}`, clientId: 'plain', connectTimeoutMs: 2000 }), /cannot connect/);
    await assert.rejects(connectMqtt({ url: viaLocalhost, clientId: 'no-ca', connectTimeoutMs: 2000 }), /self.signed certificate|cannot connect/);
  });
});
