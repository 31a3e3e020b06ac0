/** `deeperthings users add|list|remove|mosquitto-acl` as a user runs them (issue 14 §3). */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AccessControl, loadUsers } from '../../broker/auth.ts';

const BIN = fileURLToPath(new URL('../../bin/deeperthings.js', import.meta.url));

function run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

describe('cli: users', function () {
  this.timeout(60_000);
  let dir = '';
  before(() => { dir = mkdtempSync(join(tmpdir(), 'deeperthings-users-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('adds hashed accounts (given, from stdin, generated once), lists and removes them', async () => {
    const file = join(dir, 'users.yaml');
    assert.equal((await run(['users', 'add', 'w0', '--role', 'worker', '--password', 'w0-secret', '--file', file])).code, 0);
    assert.equal((await run(['users', 'add', 'door-cam', '--role', 'camera', '--id', 'door', '--password-stdin', '--file', file], 'from-stdin\n')).code, 0);
    const gen = await run(['users', 'add', 'ha', '--role', 'viewer', '--file', file]);
    const password = /^password: (\S+)$/m.exec(gen.stdout)?.[1];
    assert.ok(password && password.length === 24, gen.stdout);
    const text = readFileSync(file, 'utf8');
    assert.ok(!text.includes('w0-secret') && !text.includes('from-stdin') && !text.includes(password), 'only hashes are stored');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const acl = new AccessControl(loadUsers(file));
    assert.equal((await acl.authenticate('w0', Buffer.from('w0-secret')))?.role, 'worker');
    assert.equal((await acl.authenticate('door-cam', Buffer.from('from-stdin')))?.id, 'door');
    assert.equal((await acl.authenticate('ha', Buffer.from(password)))?.role, 'viewer');
    assert.equal((await run(['users', 'list', '--file', file])).stdout, 'w0\tworker\ndoor-cam\tcamera\tid door\nha\tviewer\n');
    assert.match((await run(['users', 'mosquitto-acl', '--file', file])).stdout, /user door-cam\ntopic write deeperthings\/\+\/cameras\/door\/frame\n/);
    assert.equal((await run(['users', 'remove', 'w0', '--file', file])).code, 0);
    assert.deepEqual(loadUsers(file).map((u) => u.username), ['door-cam', 'ha']);
  });

  it('refuses an unknown role, a bad name and removing a stranger, saying why', async () => {
    const file = join(dir, 'other.yaml');
    assert.match((await run(['users', 'add', 'x', '--role', 'admin', '--file', file])).stderr, /--role must be one of planner, worker, camera, viewer, got 'admin'/);
    assert.match((await run(['users', 'add', 'a/b', '--role', 'worker', '--file', file])).stderr, /expected a NAME without '\/', '\+' or '#'/);
    assert.match((await run(['users', 'remove', 'nobody', '--file', file])).stderr, /no user 'nobody'/);
  });
});
