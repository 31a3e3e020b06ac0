import assert from 'node:assert/strict';
import { AccessControl, parseUsers, type BrokerUser } from '../../broker/auth.ts';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../broker/passwords.ts';
import { roleAcl } from '../../broker/roles.ts';
import { isLoopback } from '../../broker/server.ts';

// Low-cost parameters keep the unit ring fast; the format and the check are the same as the default's.
const CHEAP = { N: 1024, r: 8, p: 1 };

describe('broker: scrypt password hashes', () => {
  it('verifies the password and nothing else; each hash has its own salt', async () => {
    const a = await hashPassword('s3cret', CHEAP);
    const b = await hashPassword('s3cret', CHEAP);
    assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.notEqual(a, b, 'per-user salt');
    assert.notEqual(parsePasswordHash(a).salt.toString('hex'), parsePasswordHash(b).salt.toString('hex'));
    assert.equal(await verifyPassword(a, Buffer.from('s3cret')), true);
    assert.equal(await verifyPassword(a, Buffer.from('s3cret ')), false);
    assert.equal(await verifyPassword(a, Buffer.from('')), false);
    assert.equal(await verifyPassword(b, Buffer.from('S3cret')), false);
  });

  it('uses N = 2^14 by default and refuses a malformed hash by name', async () => {
    assert.equal(parsePasswordHash(await hashPassword('x')).N, 16384);
    assert.throws(() => parsePasswordHash('scrypt$1000$8$1$AA==$AA=='), /passwords: .*\(N a power of two\)/);
    assert.throws(() => parseUsers({ users: [{ username: 'a', password: 'scrypt$x' }] }, 'u.yaml'), /u\.yaml.*users\[0\]\.password/);
    assert.throws(() => parseUsers({ users: [{ username: 'a', password: 'p', role: 'admin' }] }, 'u.yaml'), /users\[0\]\.role 'admin' is not one of planner, worker, camera, viewer/);
  });
});

describe('broker: role ACLs', () => {
  const users: BrokerUser[] = [
    { username: 'planner', password: 'p', role: 'planner' },
    { username: 'w1', password: 'p', role: 'worker' },
    { username: 'front', password: 'p', role: 'camera' },
    { username: 'door-cam', password: 'p', role: 'camera', id: 'door' },
    { username: 'ha', password: 'p', role: 'viewer' },
  ];
  const acl = new AccessControl(users);
  const user = (name: string) => users.find((u) => u.username === name)!;
  const R = 'deeperthings/default';

  // [user, topic, may publish]
  const publish: [string, string, boolean][] = [
    ['planner', `${R}/plan`, true],
    ['planner', 'homeassistant/device/deeperthings_front/config', true],
    ['planner', 'deeperthings/bridge/state', true],
    ['planner', 'deeperthings/bridge/response/restart-worker', true],
    ['w1', `${R}/plan`, false],
    ['w1', 'homeassistant/device/deeperthings_front/config', false],
    ['w1', 'deeperthings/bridge/state', false],
    ['w1', 'deeperthings/bridge/response/x', false],
    ['w1', `${R}/workers/w1/state`, true],
    ['w1', `${R}/workers/w1/info`, true],
    ['w1', `${R}/workers/w1/stats`, true],
    ['w1', `${R}/workers/w2/state`, false],
    ['w1', `${R}/data/3/p0`, true],
    ['w1', `${R}/cameras/front/predictions`, true],
    ['w1', `${R}/cameras/front/snapshot`, true],
    ['w1', `${R}/cameras/front/events`, true],
    ['w1', `${R}/cameras/front/frame`, false],
    ['w1', `${R}/errors`, true],
    ['front', `${R}/cameras/front/frame`, true],
    ['front', `${R}/cameras/back/frame`, false],
    ['front', `${R}/cameras/front/predictions`, false],
    ['front', `${R}/plan`, false],
    ['door-cam', `${R}/cameras/door/frame`, true],
    ['door-cam', `${R}/cameras/door-cam/frame`, false],
    ['ha', `${R}/cameras/front/predictions`, false],
    ['ha', `${R}/plan`, false],
    ['ha', 'homeassistant/status', true],
    ['ha', 'homeassistant/device/x/config', false],
  ];
  // [user, filter, may subscribe]
  const subscribe: [string, string, boolean][] = [
    ['planner', 'deeperthings/#', true],
    ['w1', `${R}/plan`, true],
    ['w1', `${R}/data/#`, true],
    ['w1', `${R}/cameras/+/frame`, true],
    ['w1', 'deeperthings/#', false],
    ['w1', `${R}/cameras/+/predictions`, false],
    ['front', `${R}/cameras/front/predictions`, true],
    ['front', `${R}/cameras/back/predictions`, false],
    ['front', `${R}/data/#`, false],
    ['ha', `${R}/cameras/+/predictions`, true],
    ['ha', `${R}/cameras/+/events`, true],
    ['ha', `${R}/cameras/+/snapshot`, true],
    ['ha', 'deeperthings/bridge/state', true],
    ['ha', 'homeassistant/#', true],
    ['ha', `${R}/cameras/+/frame`, false],
    ['ha', `${R}/data/#`, false],
    ['ha', `${R}/plan`, false],
  ];

  it('allows and denies publishes per role', () => {
    const wrong = publish.filter(([u, t, want]) => acl.canPublish(user(u), `c-${u}`, t) !== want);
    assert.deepEqual(wrong, []);
  });

  it('allows and denies subscriptions per role', () => {
    const wrong = subscribe.filter(([u, f, want]) => acl.canSubscribe(user(u), `c-${u}`, f) !== want);
    assert.deepEqual(wrong, []);
  });

  it('names the configured root and HA prefix; an explicit acl overrides the role', () => {
    const custom = new AccessControl([{ username: 'w1', password: 'p', role: 'worker' }, { username: 'x', password: 'p', role: 'worker', acl: { publish: ['x/#'] } }],
      { root: 'home/dt', haPrefix: 'ha' });
    assert.ok(custom.canPublish({ username: 'w1', password: 'p', role: 'worker' }, 'c', 'home/dt/c1/workers/w1/state'));
    assert.ok(!custom.canPublish({ username: 'w1', password: 'p', role: 'worker' }, 'c', `${R}/workers/w1/state`));
    assert.deepEqual(roleAcl('planner', { root: 'home/dt', haPrefix: 'ha' }).publish, ['home/dt/#', 'ha/#']);
    const x = { username: 'x', password: 'p', role: 'worker' as const, acl: { publish: ['x/#'] } };
    assert.ok(custom.canPublish(x, 'c', 'x/y') && !custom.canPublish(x, 'c', 'home/dt/c1/workers/x/state'));
  });

  it('authenticates hashed and plain passwords alike', async () => {
    const hashed = new AccessControl([{ username: 'a', password: await hashPassword('pw', CHEAP), role: 'viewer' }, { username: 'b', password: 'plain' }]);
    assert.equal((await hashed.authenticate('a', Buffer.from('pw')))?.username, 'a');
    assert.equal(await hashed.authenticate('a', Buffer.from('pW')), undefined);
    assert.equal((await hashed.authenticate('b', Buffer.from('plain')))?.username, 'b');
    assert.equal(await hashed.authenticate('nobody', Buffer.from('pw')), undefined);
  });
});

describe('broker: what counts as loopback (open without users)', () => {
  it('127.0.0.0/8, ::1 and localhost only', () => {
    assert.deepEqual(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].filter(isLoopback), ['127.0.0.1', '127.1.2.3', '::1', 'localhost']);
    assert.deepEqual(['0.0.0.0', '::', '192.168.1.20', '10.0.0.1', '127.0.0.1.example', ''].filter(isLoopback), []);
  });
});
