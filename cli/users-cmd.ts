/**
 * `deeperthings users add|list|remove`: the users file of the embedded broker (issue 14 §3). Passwords
 * are stored as scrypt hashes (broker/passwords.ts); a generated password is printed once and never again.
 */
import { existsSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import type { Command } from './args.ts';
import { parseUsers, type BrokerUser } from '../broker/auth.ts';
import { generatePassword, hashPassword } from '../broker/passwords.ts';
import { isRole, ROLES } from '../broker/roles.ts';
import { mosquittoAcl } from '../broker/mosquitto-acl.ts';
import { UsageError } from '../shared/errors.ts';

function readUsers(file: string): BrokerUser[] {
  if (!existsSync(file)) return [];
  return parseUsers(parse(readFileSync(file, 'utf8')) ?? { users: [] }, file);
}

function writeUsers(file: string, users: BrokerUser[]): void {
  writeFileSync(file, `# deeperthings broker users (deeperthings users add|list|remove)\n${stringify({ users })}`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write: hashes are still worth guarding
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function add(name: string | undefined, opts: Record<string, unknown>, file: string): Promise<number> {
  if (!name || /[/+#\u0000]/.test(name)) throw new UsageError(`users add: expected a NAME without '/', '+' or '#' (deeperthings users add NAME --role ${ROLES.join('|')})`);
  if (!isRole(opts.role)) throw new UsageError(`users add: --role must be one of ${ROLES.join(', ')}, got '${String(opts.role ?? '')}'`);
  const generated = opts.password === undefined && !opts['password-stdin'];
  const password = opts['password-stdin'] ? await readStdin() : generated ? generatePassword() : String(opts.password);
  if (password === '') throw new UsageError('users add: the password is empty');
  const users = readUsers(file).filter((u) => u.username !== name);
  const id = opts.id === undefined ? undefined : String(opts.id);
  users.push({ username: name, password: await hashPassword(password), role: opts.role, ...(id ? { id } : {}) });
  writeUsers(file, users);
  process.stdout.write(`${file}: user '${name}' (role ${opts.role}${id ? `, id ${id}` : ''})\n`);
  if (generated) process.stdout.write(`password: ${password}\n(shown once: give it to the ${opts.role} with --username ${name} --password …)\n`);
  return 0;
}

export const usersCommand: Command = {
  name: 'users',
  summary: 'Manage the broker users file: add NAME --role R, list, remove NAME (scrypt-hashed passwords); mosquitto-acl prints the roles as a Mosquitto acl_file.',
  usage: 'users add NAME --role planner|worker|camera|viewer [--id ID] [--password P | --password-stdin] [--file users.yaml] | users list | users remove NAME | users mosquitto-acl',
  options: {
    file: { type: 'string', help: 'the users file', default: 'users.yaml' },
    role: { type: 'string', help: `the account's role: ${ROLES.join(', ')}` },
    id: { type: 'string', help: 'worker id or camera name the account stands for (default: NAME)' },
    password: { type: 'string', help: 'the password (default: a generated one, printed once)' },
    'password-stdin': { type: 'boolean', help: 'read the password from stdin' },
  },
  async run(opts, positionals) {
    const file = String(opts.file);
    const [verb, name] = positionals;
    if (verb === 'add') return add(name, opts, file);
    if (verb === 'list') {
      for (const u of readUsers(file)) process.stdout.write(`${u.username}\t${u.role ?? (u.acl ? 'custom acl' : 'unrestricted')}${u.id ? `\tid ${u.id}` : ''}\n`);
      return 0;
    }
    if (verb === 'mosquitto-acl') {
      process.stdout.write(mosquittoAcl(readUsers(file)));
      return 0;
    }
    if (verb === 'remove') {
      const users = readUsers(file);
      if (!users.some((u) => u.username === name)) throw new UsageError(`users remove: no user '${name ?? ''}' in ${file}`);
      writeUsers(file, users.filter((u) => u.username !== name));
      process.stdout.write(`${file}: removed '${name}'\n`);
      return 0;
    }
    throw new UsageError(`users: expected add, list, remove or mosquitto-acl, got '${verb ?? ''}' (see deeperthings users --help)`);
  },
};
