/**
 * JSON message codec, and the `Result` type every wire decoder returns. Decoders on the wire path
 * return errors instead of throwing (STYLE §6): a bad message becomes an error report on the errors
 * topic, never a crashed worker.
 */

export type Result<T> = { ok: true; value: T } | { ok: false; error: Error };

/** A message that failed to decode; `source` is the topic (or a description) it came from. */
export class WireFormatError extends Error {
  constructor(readonly source: string, readonly detail: string) {
    super(`wire: ${source}: ${detail}`);
    this.name = 'WireFormatError';
  }
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(source: string, detail: string): Result<T> {
  return { ok: false, error: new WireFormatError(source, detail) };
}

/** Returns why `x` is not acceptable (naming the field), or undefined when it is. */
export type Validator = (x: unknown) => string | undefined;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decode a UTF-8 JSON payload and optionally validate it. Never throws; the error names `source`
 * (pass the topic) and, through the validator, the field.
 */
export function decodeJson<T>(bytes: Uint8Array | string, validate?: Validator, source = 'JSON message'): Result<T> {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
  } catch {
    return fail(source, 'payload is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail(source, `payload is not JSON: ${(e as Error).message}`);
  }
  if (validate) {
    let why: string | undefined;
    try {
      why = validate(value);
    } catch (e) {
      why = `validator threw: ${(e as Error).message}`;
    }
    if (why !== undefined) return fail(source, why);
  }
  return ok(value as T);
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value);
}

/** Field checks for hand-written validators: each returns why the field is wrong, or undefined. */
export const field = {
  object(x: unknown, name = 'payload'): string | undefined {
    return typeof x === 'object' && x !== null && !Array.isArray(x) ? undefined : `${name} must be an object`;
  },
  string(o: Record<string, unknown>, key: string, optional = false): string | undefined {
    if (optional && o[key] === undefined) return undefined;
    return typeof o[key] === 'string' ? undefined : `field '${key}' must be a string (got ${describe(o[key])})`;
  },
  number(o: Record<string, unknown>, key: string, optional = false): string | undefined {
    if (optional && o[key] === undefined) return undefined;
    const v = o[key];
    return typeof v === 'number' && Number.isFinite(v) ? undefined : `field '${key}' must be a finite number (got ${describe(v)})`;
  },
  oneOf(o: Record<string, unknown>, key: string, values: readonly unknown[], optional = false): string | undefined {
    if (optional && o[key] === undefined) return undefined;
    return values.includes(o[key]) ? undefined : `field '${key}' must be one of ${values.map((v) => JSON.stringify(v)).join(', ')} (got ${describe(o[key])})`;
  },
};

/** Short description of a bad value for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  if (typeof v === 'string') return v.length > 40 ? `a ${v.length}-character string` : JSON.stringify(v);
  return Array.isArray(v) ? `an array of ${v.length}` : typeof v;
}
