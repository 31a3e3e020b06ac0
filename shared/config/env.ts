/**
 * Environment overrides: `DEEPERTHINGS_<PATH>` sets the key at PATH, e.g. `DEEPERTHINGS_MQTT_URL` →
 * `mqtt.url`, `DEEPERTHINGS_HOMEASSISTANT_BIRTH_DELAY_SECONDS` → `homeassistant.birthDelaySeconds`,
 * `DEEPERTHINGS_CAMERAS_FRONT_DOOR_THRESHOLD` → `cameras.front-door.threshold`. Names are derived
 * from the schema (camelCase → CAMEL_CASE, '-' → '_'), so every key has exactly one name; cameras
 * can be overridden, not created, because a name must come from the file. Values are converted by
 * the key's schema type (numbers, `true`/`false`, lists as JSON or comma-separated); whatever does
 * not convert is left as a string for the schema to reject with the key's path.
 */
import { CONFIG_SCHEMA, type SchemaNode } from './schema.ts';

const PREFIX = 'DEEPERTHINGS_';
/** Variables of ours that are not config paths (shared/log.ts reads the LOG_ ones directly). */
const NOT_PATHS = new Set(['DEEPERTHINGS_CONFIG', 'DEEPERTHINGS_LOG_LEVEL', 'DEEPERTHINGS_LOG_JSON']);

export interface EnvOverrides {
  /** dotted path → environment variable that set it. */
  applied: Map<string, string>;
  /** `DEEPERTHINGS_*` variables that name no key: probably a typo. */
  unknown: string[];
}

export function envName(path: readonly string[]): string {
  return PREFIX + path.map((k) => k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase()).join('_');
}

/** Every leaf key of the schema, with the entries of `additionalProperties` maps taken from `config`. */
function leafPaths(schema: SchemaNode, config: unknown, prefix: string[] = []): { path: string[]; node: SchemaNode }[] {
  const props = schema.properties;
  const extra = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  if (!props && !extra) return [{ path: prefix, node: schema }];
  const value = (config ?? {}) as Record<string, unknown>;
  const out: { path: string[]; node: SchemaNode }[] = [];
  for (const [k, child] of Object.entries(props ?? {})) out.push(...leafPaths(child, value[k], [...prefix, k]));
  if (extra) for (const k of Object.keys(value)) out.push(...leafPaths(extra, value[k], [...prefix, k]));
  return out;
}

function convert(raw: string, node: SchemaNode): unknown {
  const types = ([] as unknown[]).concat(node.type ?? []);
  const enumValues = (node.enum as unknown[] | undefined) ?? [];
  const s = raw.trim();
  if (types.includes('boolean') && /^(true|false)$/i.test(s)) return s.toLowerCase() === 'true';
  const wantsNumber = types.includes('integer') || types.includes('number') || enumValues.some((v) => typeof v === 'number');
  if (wantsNumber && /^-?[0-9]+(\.[0-9]+)?$/.test(s)) return Number(s);
  if (types.includes('array')) {
    if (s.startsWith('[')) {
      try {
        return JSON.parse(s);
      } catch {
        return raw; // left as a string: the schema names the key
      }
    }
    return s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  }
  return raw;
}

/** Apply the overrides found in `env` to `config` (mutated) and say which keys they set. */
export function applyEnv(config: Record<string, unknown>, env: NodeJS.ProcessEnv): EnvOverrides {
  const byName = new Map(leafPaths(CONFIG_SCHEMA as unknown as SchemaNode, config).map((l) => [envName(l.path), l]));
  const applied = new Map<string, string>();
  const unknown: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || raw === undefined || NOT_PATHS.has(name)) continue;
    const leaf = byName.get(name);
    if (!leaf) {
      unknown.push(name);
      continue;
    }
    setPath(config, leaf.path, convert(raw, leaf.node));
    applied.set(leaf.path.join('.'), name);
  }
  return { applied, unknown: unknown.sort() };
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = obj;
  for (const k of path.slice(0, -1)) {
    const next = node[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}
