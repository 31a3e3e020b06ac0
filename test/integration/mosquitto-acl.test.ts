import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUsers } from '../../broker/auth.ts';
import { mosquittoAcl } from '../../broker/mosquitto-acl.ts';
import { connectMqtt, type MqttTransport } from '../../shared/transport/mqtt.ts';
import { mosquittoMissing, startMosquitto, type RunningMosquitto } from '../support/mosquitto.ts';

const EXAMPLE = new URL('../../examples/mosquitto/', import.meta.url).pathname;
const R = 'deeperthings/default';
const PASSWD_BIN = process.env.MOSQUITTO_PASSWD_BIN ?? '/usr/bin/mosquitto_passwd';

describe('examples/mosquitto: the roles on a real Mosquitto', function () {
  let dir = '';
  let mosquitto: RunningMosquitto;
  let open: MqttTransport[] = [];
  const connect = async (username: string) => {
    const t = await connectMqtt({ url: mosquitto.url, clientId: `${username}-${open.length}`, username, password: `${username}-pw`, reconnectPeriodMs: 60_000 });
    open.push(t);
    return t;
  };

  before(async function () {
    if (mosquittoMissing()) this.skip();
    dir = mkdtempSync(join(tmpdir(), 'deeperthings-mosq-acl-'));
    const passwd = join(dir, 'passwd');
    for (const [i, name] of ['planner', 'w0', 'front', 'homeassistant'].entries()) {
      execFileSync(PASSWD_BIN, [...(i === 0 ? ['-c'] : []), '-b', passwd, name, `${name}-pw`], { stdio: 'pipe' });
    }
    // The shipped config, with this test's port and files in place of /etc/mosquitto's.
    const shipped = readFileSync(join(EXAMPLE, 'mosquitto.conf'), 'utf8');
    mosquitto = await startMosquitto({
      config: (port) => shipped.replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
        .replace(/^password_file .*$/m, `password_file ${passwd}`).replace(/^acl_file .*$/m, `acl_file ${join(EXAMPLE, 'acl')}`)
        + '\nuser root\npersistence false\nlog_dest stderr\nlog_type error\n',
    });
  });
  after(async () => {
    await mosquitto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    open = [];
  });

  it('ships the acl that `users mosquitto-acl` makes of the example users', () => {
    assert.equal(readFileSync(join(EXAMPLE, 'acl'), 'utf8'), mosquittoAcl(loadUsers(join(EXAMPLE, 'users.yaml'))));
  });

  /** Publishes as `who`; whether the planner (subscribed to everything of ours) received it. */
  async function delivered(who: string, topic: string, retain = false): Promise<boolean> {
    const planner = await connect('planner');
    const got: string[] = [];
    for (const f of ['deeperthings/#', 'homeassistant/#']) await planner.subscribe(f, (t) => got.push(t));
    const sender = await connect(who);
    // MQTT 5 Mosquitto answers a denied QoS 1 publish with PUBACK 0x87; at QoS 0 it drops it silently.
    await sender.publish(topic, 'x', { qos: 0, retain });
    const marker = `${R}/workers/marker-${open.length}/state`;
    await new Promise((r) => setTimeout(r, 300));
    await planner.publish(marker, 'online', { qos: 1 });
    while (!got.includes(marker)) await new Promise((r) => setTimeout(r, 10));
    const arrived = got.includes(topic);
    if (retain) await planner.publish(topic, '', { retain: true, qos: 1 }); // clear whatever did pass
    return arrived;
  }

  it('refuses anonymous clients and wrong passwords', async () => {
    await assert.rejects(connectMqtt({ url: mosquitto.url, clientId: 'anon', connectTimeoutMs: 3000 }), /cannot connect/);
    await assert.rejects(connectMqtt({ url: mosquitto.url, clientId: 'bad', username: 'w0', password: 'nope', connectTimeoutMs: 3000 }), /cannot connect/);
  });

  it('a worker account cannot publish a plan or HA discovery; its own state passes', async () => {
    assert.equal(await delivered('w0', `${R}/plan`, true), false);
    assert.equal(await delivered('w0', 'homeassistant/device/deeperthings_front/config', true), false);
    assert.equal(await delivered('w0', `${R}/workers/w1/state`), false);
    assert.equal(await delivered('w0', `${R}/workers/w0/state`), true);
    assert.equal(await delivered('planner', `${R}/plan`, true), true);
  });

  it('a camera cannot publish to another camera\'s frame topic', async () => {
    assert.equal(await delivered('front', `${R}/cameras/back/frame`), false);
    assert.equal(await delivered('front', `${R}/cameras/front/frame`), true);
  });

  it('a viewer receives predictions but no pieces or frames', async () => {
    const ha = await connect('homeassistant');
    const got: string[] = [];
    // Mosquitto 2.0 grants the SUBACK and filters on delivery instead.
    for (const f of [`${R}/cameras/+/predictions`, `${R}/data/#`, `${R}/cameras/+/frame`]) await ha.subscribe(f, (t) => got.push(t));
    const w0 = await connect('w0');
    await w0.publish(`${R}/data/1/p0`, 'piece', { qos: 1 });
    const front = await connect('front');
    await front.publish(`${R}/cameras/front/frame`, 'jpeg', { qos: 1 });
    await w0.publish(`${R}/cameras/front/predictions`, '{}', { qos: 1 });
    while (!got.includes(`${R}/cameras/front/predictions`)) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [`${R}/cameras/front/predictions`]);
  });
});
