/**
 * Password hashes of the users file (issue 14 §3): scrypt (node:crypto) with a per-user random salt,
 * stored as `scrypt$N$r$p$<salt base64>$<hash base64>` so the cost can rise later without breaking
 * old entries. A file that leaks then gives no password without a brute-force search per user.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PREFIX = 'scrypt$';
const KEY_BYTES = 32;
/** N = 2^14, r = 8, p = 1: ~16 MB and ~50 ms per check, RFC 7914's interactive-login parameters. */
const DEFAULT_COST = { N: 16384, r: 8, p: 1 };

export function isPasswordHash(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

function derive(password: Uint8Array | string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_BYTES, opts, (e, key) => (e ? reject(e) : resolve(key))));
}

/** A new hash of `password` with a fresh 16-byte salt. */
export async function hashPassword(password: string, cost = DEFAULT_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return `${PREFIX}${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Parse a stored hash; throws naming what is wrong (users files are checked at startup). */
export function parsePasswordHash(stored: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } {
  const parts = stored.split('$');
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const ok = parts.length === 6 && [n, r, p].every((v) => Number.isInteger(v) && v > 0) && (n & (n - 1)) === 0 && n > 1;
  if (!ok) throw new Error(`passwords: '${stored.slice(0, 24)}…' is not scrypt$N$r$p$salt$hash (N a power of two)`);
  return { N: n, r, p, salt: Buffer.from(parts[4], 'base64'), key: Buffer.from(parts[5], 'base64') };
}

/** Whether `given` is the password of `stored` (a hash); constant time in the comparison. */
export async function verifyPassword(stored: string, given: Uint8Array): Promise<boolean> {
  const h = parsePasswordHash(stored);
  const key = await derive(given, h.salt, h);
  return key.length === h.key.length && timingSafeEqual(key, h.key);
}

/** A password for `users add` without --password: 18 random bytes, base64url (24 characters). */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
