/**
 * Users and topic ACLs of the embedded broker (DESIGN.md "Broker": username/password, topic ACL).
 *
 * The users file is YAML:
 *   users:
 *     - username: worker-a
 *       password: …
 *       acl: { publish: ['deeperthings/+/data/#', 'deeperthings/+/workers/%u/#'], subscribe: ['deeperthings/#'] }
 *     - username: front
 *       password: scrypt$16384$8$1$<salt>$<hash>     # written by `deeperthings users add`
 *       role: camera                                 # planner | worker | camera | viewer (roles.ts)
 *       id: front                                    # the worker id / camera name (default: username)
 * `password` is a scrypt hash (passwords.ts) or, in hand-written files, the password itself. An explicit
 * `acl` overrides the role's; with neither, the user may do anything (the pre-roles format). Patterns are
 * MQTT filters; `%u`, `%c` and `%i` stand for the username, client id and identity (Mosquitto's `pattern`
 * lines), so one entry serves many workers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ModelFormatError } from '../shared/errors.ts';
import { filterCovers, topicFilterError, topicMatches } from '../shared/transport/match.ts';
import { isPasswordHash, parsePasswordHash, verifyPassword } from './passwords.ts';
import { isRole, roleAcl, ROLES, type BrokerAcl, type Role, type RoleTopics } from './roles.ts';

export type { BrokerAcl };

export interface BrokerUser {
  username: string;
  /** A scrypt hash (`scrypt$…`) or a plain password. */
  password: string;
  role?: Role;
  /** The worker id or camera name this account stands for (`%i`); default the username. */
  id?: string;
  acl?: BrokerAcl;
}

/** Read and validate a users file; throws ModelFormatError naming the file and entry (startup only). */
export function loadUsers(yamlPath: string): BrokerUser[] {
  let doc: unknown;
  try {
    doc = parse(readFileSync(yamlPath, 'utf8'));
  } catch (e) {
    throw new ModelFormatError('broker', yamlPath, undefined, `cannot read users file: ${(e as Error).message}`);
  }
  return parseUsers(doc, yamlPath);
}

export function parseUsers(doc: unknown, source: string): BrokerUser[] {
  const bad = (detail: string): never => {
    throw new ModelFormatError('broker', source, undefined, detail);
  };
  const users = (doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(users)) bad(`expected 'users:' with a list of {username, password, acl}`);
  const seen = new Set<string>();
  return (users as unknown[]).map((u, i) => {
    const o = (u ?? {}) as Record<string, unknown>;
    if (typeof o.username !== 'string' || o.username === '') bad(`users[${i}].username must be a non-empty string`);
    if (typeof o.password !== 'string' || o.password === '') bad(`users[${i}].password must be a non-empty string`);
    if (seen.has(o.username as string)) bad(`users[${i}].username '${o.username}' appears twice`);
    seen.add(o.username as string);
    if (isPasswordHash(o.password as string)) {
      try { parsePasswordHash(o.password as string); } catch (e) { bad(`users[${i}].password: ${(e as Error).message}`); }
    }
    if (o.role !== undefined && !isRole(o.role)) bad(`users[${i}].role '${String(o.role)}' is not one of ${ROLES.join(', ')}`);
    if (o.id !== undefined && (typeof o.id !== 'string' || !/^[^/+#\u0000]+$/.test(o.id))) bad(`users[${i}].id must be one topic level`);
    const acl = o.acl === undefined ? undefined : parseAcl(o.acl, `users[${i}].acl`, bad);
    return {
      username: o.username as string, password: o.password as string, ...(o.role ? { role: o.role as Role } : {}),
      ...(o.id ? { id: o.id as string } : {}), ...(acl ? { acl } : {}),
    };
  });
}

function parseAcl(raw: unknown, path: string, bad: (d: string) => never): BrokerAcl {
  if (typeof raw !== 'object' || raw === null) bad(`${path} must be {publish?, subscribe?}`);
  const acl: BrokerAcl = {};
  for (const kind of ['publish', 'subscribe'] as const) {
    const list = (raw as Record<string, unknown>)[kind];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) bad(`${path}.${kind} must be a list of topic filters`);
    for (const p of list as string[]) {
      const why = topicFilterError(p.replaceAll('%u', 'u').replaceAll('%c', 'c').replaceAll('%i', 'i'));
      if (why) bad(`${path}.${kind}: ${why}`);
    }
    acl[kind] = list as string[];
  }
  return acl;
}

/** A valid hash of nothing anyone knows: unknown users cost one scrypt too, so timing hides who exists. */
const DUMMY_HASH = 'scrypt$16384$8$1$O8phWrTLOJJFiPdoXlsdJQ==$E1FPiJHl7ylXqOJ7F4He+A0zSQz739eiSS3rKkPoY64=';

/** Who may connect, publish and subscribe. With no users configured, everyone may do anything. */
export class AccessControl {
  readonly #users: Map<string, BrokerUser>;
  readonly #topics: RoleTopics | undefined;

  /** `topics`: the root and HA prefix the roles' patterns name (default deeperthings, homeassistant). */
  constructor(users: readonly BrokerUser[] = [], topics?: RoleTopics) {
    this.#users = new Map(users.map((u) => [u.username, u]));
    this.#topics = topics;
  }

  /** Whether credentials are required (anonymous clients are refused when any user is configured). */
  get enabled(): boolean {
    return this.#users.size > 0;
  }

  /** The user these credentials identify, or undefined. Compares in constant time. */
  async authenticate(username: string | undefined, password: Uint8Array | undefined): Promise<BrokerUser | undefined> {
    const user = username === undefined ? undefined : this.#users.get(username);
    const given = password ?? new Uint8Array();
    // Compare even for an unknown user, so the timing doesn't reveal which usernames exist.
    const stored = user?.password ?? DUMMY_HASH;
    const match = isPasswordHash(stored) ? await verifyPassword(stored, given) : sameSecret(stored, given);
    return user && password !== undefined && match ? user : undefined;
  }

  canPublish(user: BrokerUser | undefined, clientId: string, topic: string): boolean {
    const allowed = this.#patterns(user, clientId, 'publish');
    return allowed === undefined || allowed.some((p) => topicMatches(p, topic));
  }

  canSubscribe(user: BrokerUser | undefined, clientId: string, filter: string): boolean {
    const allowed = this.#patterns(user, clientId, 'subscribe');
    return allowed === undefined || allowed.some((p) => filterCovers(p, filter));
  }

  /** The user's patterns with %u/%c substituted; undefined = unrestricted. */
  #patterns(user: BrokerUser | undefined, clientId: string, kind: keyof BrokerAcl): string[] | undefined {
    if (!this.enabled) return undefined;
    if (!user) return []; // unreachable when authenticate() gates connections; deny to be safe
    const list = user.acl ? user.acl[kind] : user.role ? roleAcl(user.role, this.#topics)[kind] : undefined;
    if (list === undefined) return undefined;
    const id = user.id ?? user.username;
    // A name with '/', '+' or '#' would widen the pattern: such patterns match nothing.
    const safe = (s: string) => !/[/+#]/.test(s);
    return list
      .filter((p) => (!p.includes('%u') || safe(user.username)) && (!p.includes('%c') || safe(clientId)) && (!p.includes('%i') || safe(id)))
      .map((p) => p.replaceAll('%u', user.username).replaceAll('%c', clientId).replaceAll('%i', id));
  }
}

function sameSecret(expected: string, given: Uint8Array): boolean {
  // Hash both sides so timingSafeEqual gets equal lengths and the length of the secret doesn't leak.
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
