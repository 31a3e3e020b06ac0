/**
 * Validation of a decoded tensor-message header (DESIGN.md "Decoding validates everything"). Returns
 * why the header is unusable, naming the field and its value, or undefined when it is well formed.
 */
import { describe } from './json.ts';
import { DTYPES } from './elements.ts';

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Map);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

export function headerError(raw: unknown): string | undefined {
  if (!isObj(raw)) return `expected a map, got ${describe(raw)}`;
  return basicFieldsError(raw) ?? shapeError(raw) ?? scaleError(raw) ?? regionError(raw) ?? channelsError(raw);
}

function basicFieldsError(o: Obj): string | undefined {
  if (!isCount(o.frame)) return `'frame' must be a non-negative integer (got ${describe(o.frame)})`;
  if (typeof o.plan !== 'string') return `'plan' must be a string (got ${describe(o.plan)})`;
  if (typeof o.stage !== 'string' && !isCount(o.stage)) return `'stage' must be a string or an index (got ${describe(o.stage)})`;
  if (typeof o.piece !== 'string') return `'piece' must be a string (got ${describe(o.piece)})`;
  if (o.partial !== undefined && typeof o.partial !== 'boolean') return `'partial' must be a boolean (got ${describe(o.partial)})`;
  if (o.t !== undefined && !(typeof o.t === 'number' && Number.isFinite(o.t))) return `'t' must be a finite number (got ${describe(o.t)})`;
  return undefined;
}

function shapeError(o: Obj): string | undefined {
  const s = o.shape;
  if (!Array.isArray(s) || s.length !== 3 || !s.every(isCount)) {
    return `'shape' must be [h, w, c] of non-negative integers (got ${Array.isArray(s) ? `[${s.map(describe).join(', ')}]` : describe(s)})`;
  }
  if (!DTYPES.includes(o.dtype as never)) return `'dtype' must be one of ${DTYPES.join(', ')} (got ${describe(o.dtype)})`;
  return undefined;
}

function scaleError(o: Obj): string | undefined {
  const s = o.scale;
  if (o.scales !== undefined) return s === undefined ? scalesError(o) : `'scale' and 'scales' are exclusive`;
  if (o.zeros !== undefined) return `'zeros' only goes with 'scales'`;
  if (s === undefined) return o.dtype === 'int8' ? `'scale' is required with dtype int8` : undefined;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) return `'scale' must be a finite number ≥ 0 (got ${describe(s)})`;
  return undefined;
}

/** Per-channel int8 scales: a float32 array with one finite scale ≥ 0 per channel of the shape. */
function scalesError(o: Obj): string | undefined {
  const s = o.scales;
  if (o.dtype !== 'int8') return `'scales' only goes with dtype int8 (got ${describe(o.dtype)})`;
  if (!(s instanceof Float32Array)) return `'scales' must be a float32 array (got ${describe(s)})`;
  const c = (o.shape as number[])[2];
  if (s.length !== c) return `'scales' has ${s.length} entries for ${c} channels`;
  for (const v of s) if (!Number.isFinite(v) || v < 0) return `'scales' must be finite and ≥ 0 (got ${v})`;
  return zerosError(o, c);
}

/** Affine int8 zero points: with `scales`, a float32 array of one integer in [−128, 127] per channel. */
function zerosError(o: Obj, c: number): string | undefined {
  const z = o.zeros;
  if (z === undefined) return undefined;
  if (!(z instanceof Float32Array) || z.length !== c) return `'zeros' must be a float32 array with one entry per channel (${c})`;
  for (const v of z) if (!Number.isInteger(v) || v < -128 || v > 127) return `'zeros' must be integers in -128..127 (got ${v})`;
  return undefined;
}

/** A region is the piece's rows and columns of the full map, so its size is the shape's h and w. */
function regionError(o: Obj): string | undefined {
  const r = o.region;
  if (r === undefined) return undefined;
  if (!isObj(r) || ![r.y0, r.y1, r.x0, r.x1].every(isCount)) return `'region' must be {y0, y1, x0, x1} of non-negative integers`;
  const [y0, y1, x0, x1] = [r.y0, r.y1, r.x0, r.x1] as number[];
  const [h, w] = o.shape as number[];
  if (y1 - y0 !== h || x1 - x0 !== w) {
    return `'region' rows [${y0}, ${y1}) × columns [${x0}, ${x1}) do not match shape ${h}×${w}`;
  }
  return undefined;
}

/** Channels hold the piece's output channels, except on a partial sum (the input slice it covers). */
function channelsError(o: Obj): string | undefined {
  const ch = o.channels;
  if (ch === undefined) return undefined;
  if (!isObj(ch) || !isCount(ch.c0) || !isCount(ch.c1) || ch.c1 < ch.c0) return `'channels' must be {c0, c1} with 0 ≤ c0 ≤ c1`;
  const c = (o.shape as number[])[2];
  if (o.partial !== true && ch.c1 - ch.c0 !== c) return `'channels' [${ch.c0}, ${ch.c1}) do not match shape's ${c} channels`;
  return undefined;
}
