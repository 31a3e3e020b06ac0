import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessControl, loadUsers, type BrokerUser } from '../../broker/auth.ts';
import { EmbeddedBroker } from '../../broker/server.ts';
import { connectMqtt, type MqttTransport } from '../../shared/transport/mqtt.ts';
import { freePort } from '../support/ports.ts';

const users: BrokerUser[] = [
  { username: 'planner', password: 'planner-secret' },
  {
    username: 'pi-1', password: 'worker-secret',
    acl: { publish: ['deeperthings/+/workers/%u/#', 'deeperthings/+/data/#'], subscribe: ['deeperthings/+/plan', 'deeperthings/+/data/#'] },
  },
];

describe('broker: embedded aedes with users and ACLs', () => {
  const broker = new EmbeddedBroker({ port: 0, wsPort: 0, users });
  let open: MqttTransport[] = [];
  const connect = async (username?: string, password?: string, url = broker.url) => {
    const t = await connectMqtt({ url, clientId: `${username ?? 'anon'}-${open.length}`, username, password, reconnectPeriodMs: 60_000 });
    open.push(t);
    return t;
  };
  before(() => broker.start());
  after(() => broker.stop());
  afterEach(async () => {
    for (const t of open) await t.close().catch(() => undefined);
    open = [];
  });

  it('refuses a wrong password, an unknown user and anonymous clients', async () => {
    await assert.rejects(connect('pi-1', 'wrong'), /cannot connect to mqtt:\/\/127\.0\.0\.1:\d+ as pi-1-0: Connection refused: Bad username or password/);
    await assert.rejects(connect('nobody', 'worker-secret'), /Bad username or password/);
    await assert.rejects(connect(), /Bad username or password/);
  });

  it('accepts good credentials over TCP and WebSocket, as MQTT 3.1.1 after refusing level 5', async () => {
    const tcp = await connect('planner', 'planner-secret');
    const ws = await connect('pi-1', 'worker-secret', broker.wsUrl);
    assert.deepEqual([tcp.protocolVersion, ws.protocolVersion], [4, 4]);
    await assert.rejects(connectMqtt({ url: broker.url, clientId: 'v5-only', username: 'planner', password: 'planner-secret', protocol: 5 }),
      /Unacceptable protocol version/);
  });

  it('drops a publish outside the ACL and disconnects its sender; allowed publishes pass', async () => {
    const planner = await connect('planner', 'planner-secret');
    const got: string[] = [];
    await planner.subscribe('deeperthings/#', (topic) => got.push(topic));
    const worker = await connect('pi-1', 'worker-secret');
    const dropped = new Promise<void>((r) => worker.on('disconnect', () => r()));
    await worker.publish('deeperthings/default/workers/pi-1/state', 'online', { qos: 1 });
    await worker.publish('deeperthings/default/workers/pi-2/state', 'offline'); // another worker's topic: %u
    await dropped;
    // A later event instead of a sleep: the planner's own publish, sent after the drop, arrives after
    // anything the dropped publish could have delivered.
    await planner.publish('deeperthings/default/workers/planner-marker/state', 'online', { qos: 1 });
    while (!got.includes('deeperthings/default/workers/planner-marker/state')) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, ['deeperthings/default/workers/pi-1/state', 'deeperthings/default/workers/planner-marker/state']);
  });

  it('refuses a subscription outside the ACL with a SUBACK failure, keeping the connection', async () => {
    const worker = await connect('pi-1', 'worker-secret');
    await assert.rejects(worker.subscribe('deeperthings/#', () => {}), /subscribe to 'deeperthings\/#' refused/);
    await worker.subscribe('deeperthings/default/data/+/+', () => {});
    assert.equal(worker.connected, true);
  });

  it('reports an unreachable broker without trying other protocol levels', async () => {
    const port = await freePort();
    await assert.rejects(connectMqtt({ url: `mqtt://127.0.0.1:${port}`, clientId: 'lost' }), new RegExp(`cannot connect to mqtt://127\\.0\\.0\\.1:${port} as lost: .*ECONNREFUSED`));
  });

  it('refuses to start twice, and fails clearly on a port in use', async () => {
    await assert.rejects(broker.start(), /already started/);
    const port = await freePort();
    const first = new EmbeddedBroker({ port });
    await first.start();
    try {
      await assert.rejects(new EmbeddedBroker({ port }).start(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}`));
    } finally {
      await first.stop();
    }
  });
});

describe('broker: restarts', () => {
  it('clients reconnect and resubscribe after the broker restarts', async () => {
    const port = await freePort();
    let broker = new EmbeddedBroker({ port });
    await broker.start();
    const sub = await connectMqtt({ url: broker.url, clientId: 'sub', reconnectPeriodMs: 100 });
    const got: string[] = [];
    await sub.subscribe('restart/+', (topic) => got.push(topic));
    const events: string[] = [];
    sub.on('disconnect', () => events.push('disconnect'));
    const reconnected = new Promise<void>((r) => sub.on('connect', () => { events.push('connect'); r(); }));
    await broker.stop();
    broker = new EmbeddedBroker({ port });
    await broker.start();
    try {
      await reconnected;
      const pub = await connectMqtt({ url: broker.url, clientId: 'pub' });
      await new Promise((r) => setTimeout(r, 100)); // the SUBSCRIBE follows the CONNACK
      await pub.publish('restart/x', 'hi', { qos: 1 });
      await new Promise((r) => setTimeout(r, 200));
      await pub.close();
      assert.deepEqual(got, ['restart/x']);
      assert.equal(events[0], 'disconnect');
      assert.equal(events.at(-1), 'connect');
    } finally {
      await sub.close();
      await broker.stop();
    }
  });
});

describe('broker: users file and access rules', () => {
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'deeperthings-users-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (text: string) => {
    const p = join(dir, `users-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(p, text);
    return p;
  };

  it('loads users with ACLs from YAML', () => {
    const p = file('users:\n  - username: a\n    password: pw\n    acl:\n      publish: ["x/%u/#"]\n  - username: b\n    password: pw2\n');
    assert.deepEqual(loadUsers(p), [{ username: 'a', password: 'pw', acl: { publish: ['x/%u/#'] } }, { username: 'b', password: 'pw2' }]);
  });

  it('names the file and the entry on a malformed users file', () => {
    const cases: [string, RegExp][] = [
      ['users: 3\n', /expected 'users:' with a list/],
      ['users:\n  - username: a\n', /users\[0\]\.password must be a non-empty string/],
      ['users:\n  - {username: a, password: p}\n  - {username: a, password: q}\n', /users\[1\]\.username 'a' appears twice/],
      ['users:\n  - {username: a, password: p, acl: {publish: ["a/#/b"]}}\n', /users\[0\]\.acl\.publish: topic filter 'a\/#\/b'/],
    ];
    for (const [text, re] of cases) {
      const p = file(text);
      assert.throws(() => loadUsers(p), (e: Error) => e.message.includes(p) && re.test(e.message));
    }
    assert.throws(() => loadUsers(join(dir, 'absent.yaml')), /broker: .*absent\.yaml: cannot read users file/);
  });

  it('substitutes %u and %c, and never lets a name widen a pattern', async () => {
    const acl = new AccessControl([
      { username: 'w', password: 'p', acl: { publish: ['t/%u/%c'], subscribe: ['t/%u/#'] } },
      { username: 'evil/#', password: 'p', acl: { publish: ['t/%u'] } },
    ]);
    const w = await acl.authenticate('w', Buffer.from('p'));
    assert.ok(w);
    assert.ok(acl.canPublish(w, 'c1', 't/w/c1'));
    assert.ok(!acl.canPublish(w, 'c1', 't/w/c2'));
    assert.ok(acl.canSubscribe(w, 'c1', 't/w/+/x'));
    assert.ok(!acl.canSubscribe(w, 'c1', 't/#'));
    const evil = await acl.authenticate('evil/#', Buffer.from('p'));
    assert.ok(evil && !acl.canPublish(evil, 'c', 't/evil/anything'));
    assert.equal(await acl.authenticate('w', Buffer.from('P')), undefined);
    assert.equal(await acl.authenticate('w', undefined), undefined);
    assert.ok(new AccessControl([]).canPublish(undefined, 'c', 'any/topic'), 'no users: open broker');
  });
});
