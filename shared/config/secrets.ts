/**
 * `!secret <name>` references, Home Assistant's convention (and z2m's `!secret` files, ECOSYSTEM §3):
 * `password: !secret mqtt_password` reads `mqtt_password` from `secrets.yaml` beside the config
 * file, so the config can be shared without credentials.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse, type ScalarTag } from 'yaml';

/** What the YAML parser leaves where a `!secret` tag was; resolved by `resolveSecrets`. */
export class SecretRef {
  constructor(readonly name: string) {}
}

export const secretTag: ScalarTag = {
  tag: '!secret',
  identify: (v) => v instanceof SecretRef,
  resolve: (s) => new SecretRef(s.trim()),
};

const SECRETS_FILE = 'secrets.yaml';

function findRefs(node: unknown, path: string[], out: { path: string[]; ref: SecretRef }[]): void {
  if (node instanceof SecretRef) out.push({ path, ref: node });
  else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) findRefs(v, [...path, Array.isArray(node) ? `[${k}]` : k], out);
  }
}

const dotted = (path: string[]) => path.map((k, i) => (k.startsWith('[') || i === 0 ? k : `.${k}`)).join('');

/**
 * Replace every SecretRef in `doc` (mutated) by its value from secrets.yaml beside `configFile`.
 * Returns problem lines (`<path>: …`); the file is read only when a reference exists.
 */
export async function resolveSecrets(doc: unknown, configFile: string): Promise<string[]> {
  const refs: { path: string[]; ref: SecretRef }[] = [];
  findRefs(doc, [], refs);
  if (refs.length === 0) return [];
  const file = join(dirname(configFile), SECRETS_FILE);
  let secrets: Record<string, unknown>;
  try {
    const parsed = parse(await readFile(file, 'utf8')) as unknown;
    secrets = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (e as Error).message.split('\n')[0];
    return refs.map(({ path, ref }) => `${dotted(path)}: !secret ${ref.name}: ${file} ${why}`);
  }
  const problems: string[] = [];
  for (const { path, ref } of refs) {
    const value = secrets[ref.name];
    if (value === undefined || value === null || typeof value === 'object') {
      problems.push(`${dotted(path)}: !secret ${ref.name} is not a value in ${file}`);
      continue;
    }
    setAt(doc, path, value);
  }
  return problems;
}

function setAt(doc: unknown, path: string[], value: unknown): void {
  let node = doc as Record<string, unknown>;
  const keys = path.map((k) => (k.startsWith('[') ? k.slice(1, -1) : k));
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}
