/**
 * Load `deeperthings.yaml`: YAML (with `!secret`), merged over DEFAULTS, environment overrides on
 * top, then the JSON Schema with Ajv `allErrors`, once, at start (STYLE §8). User mistakes come
 * back as `problems`, one line each (`cameras.front.topic: must be string`), never as a throw: the
 * CLI prints them and exits 2. Only a bug in this module throws.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parseDocument } from 'yaml';
import { CAMERA_DEFAULTS, DEFAULTS } from './defaults.ts';
import { applyEnv } from './env.ts';
import { formatAjvErrors } from './problems.ts';
import { CONFIG_SCHEMA } from './schema.ts';
import { resolveSecrets, secretTag } from './secrets.ts';
import type { Config } from './types.ts';
import type { TopicsConfig } from '../topics.ts';

const DEFAULT_CONFIG_FILE = 'deeperthings.yaml';

export interface LoadOptions {
  /** `--config`; else `DEEPERTHINGS_CONFIG`; else ./deeperthings.yaml, which may be absent. */
  path?: string;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export type LoadResult =
  | { ok: true; config: Config; file: string | undefined; warnings: string[] }
  | { ok: false; file: string | undefined; problems: string[] };

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (!validator) {
    // verbose: parentSchema on errors, for the messages in problems.ts; allowUnionTypes: `integer | string` sizes.
    const ajv = new Ajv({ allErrors: true, strict: true, verbose: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'requiresRestart', schemaType: 'boolean' });
    validator = ajv.compile(CONFIG_SCHEMA);
  }
  return validator;
}

const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Objects merge key by key; anything else in `over` replaces; `null`/absent in `over` keeps `base`. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined || over === null) return structuredClone(base);
  if (!isMap(base) || !isMap(over)) return structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Defaults under the user's document, CAMERA_DEFAULTS under each camera (`cameras: {front: }` is a full camera). */
export function withDefaults(doc: Record<string, unknown>): Record<string, unknown> {
  const merged = deepMerge(DEFAULTS, doc) as Record<string, unknown>;
  if (isMap(merged.cameras)) {
    for (const [name, cam] of Object.entries(merged.cameras)) {
      if (cam === null || cam === undefined || isMap(cam)) merged.cameras[name] = deepMerge(CAMERA_DEFAULTS, cam);
    }
  }
  return merged;
}

/** Validate a merged document; problem lines name the environment variable that set a key. */
export function validateConfig(doc: unknown, fromEnv: ReadonlyMap<string, string> = new Map()): { config: Config } | { problems: string[] } {
  const validate = compiled();
  if (validate(doc)) return { config: doc as unknown as Config };
  return {
    problems: formatAjvErrors(validate.errors ?? [], doc).map((line) => {
      const path = line.slice(0, line.indexOf(': '));
      const name = fromEnv.get(path.replace(/\[\d+\]$/, ''));
      return name ? `${line} (set by ${name})` : line;
    }),
  };
}

async function readYaml(file: string, explicit: boolean): Promise<{ doc?: Record<string, unknown>; problems: string[] }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return { problems: [] };
    return { problems: [`${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`] };
  }
  const parsed = parseDocument(text, { customTags: [secretTag] });
  const problems = [...parsed.errors, ...parsed.warnings].map((e) => {
    const pos = e.linePos?.[0];
    const msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    return `${basename(file)}${pos ? `:${pos.line}:${pos.col}` : ''}: ${msg}`;
  });
  if (problems.length) return { problems };
  const doc = parsed.toJS() as unknown;
  if (doc === null || doc === undefined) return { doc: {}, problems: [] }; // an empty file: all defaults
  if (!isMap(doc)) return { problems: ['(root): must be a mapping of sections (mqtt, topics, cameras, …)'] };
  return { doc, problems: await resolveSecrets(doc, file) };
}

/** Read, merge, override and validate. Resolves to problems instead of throwing on bad input. */
export async function loadConfig(opts: LoadOptions = {}): Promise<LoadResult> {
  const env = opts.env ?? process.env;
  const explicit = opts.path ?? env.DEEPERTHINGS_CONFIG;
  const file = explicit ?? DEFAULT_CONFIG_FILE;
  const read = await readYaml(file, explicit !== undefined);
  if (read.problems.length) return { ok: false, file, problems: read.problems };
  const warnings = read.doc ? [] : [`${file} not found: using the defaults`];
  const merged = withDefaults(read.doc ?? {});
  const { applied, unknown } = applyEnv(merged, env);
  for (const name of unknown) warnings.push(`${name} names no configuration key; ignored`);
  const result = validateConfig(merged, applied);
  if ('problems' in result) return { ok: false, file, problems: result.problems };
  return { ok: true, config: result.config, file: read.doc ? file : undefined, warnings };
}

/** The shared/topics.ts options of a config (HA's discovery prefix lives under `homeassistant`). */
export function topicsConfig(config: Config): TopicsConfig {
  return { root: config.topics.root, cluster: config.topics.cluster, haPrefix: config.homeassistant.discoveryPrefix };
}
