/**
 * Chunking of payloads larger than a publish limit, and their reassembly.
 *
 * Oversize publishes vanish without a trace on MQTT 5 (ECOSYSTEM §4.1), and small clients and EMQX
 * stop at 64 KB–1 MB, so a big tensor or camera frame travels as numbered chunks:
 *
 *   [magic 'D' 'T' 'C' 0x00][uint32 LE header length][CBOR {frame, piece, index, count, offset, total}][chunk bytes]
 *
 * Chunking sits below the codecs: a tensor message (or JPEG) split into chunks decodes exactly like
 * one that arrived whole. A payload that fits is sent unchanged, so small messages pay nothing.
 */
import { decode as cborDecode, encode as cborEncode } from 'cbor-x';
import { publishPacketSize } from '../transport/types.ts';
import { describe } from './json.ts';

const CHUNK_MAGIC = Uint8Array.of(0x44, 0x54, 0x43, 0x00); // 'DTC\0'
/** Our own ceiling per publish, far below broker limits (EMQX 1 MB, z2m 1 MiB; ECOSYSTEM §4.1). */
export const DEFAULT_CHUNK_LIMIT = 256 * 1024;
/** Bounds a corrupt `count`: 65,536 chunks of the 256 KiB default is 16 GiB. */
const MAX_CHUNKS = 65_536;

export interface ChunkHeader {
  frame: number;
  piece: string;
  index: number;
  count: number;
  /** Byte offset of this chunk in the whole payload. */
  offset: number;
  /** Length of the whole payload. */
  total: number;
}

export interface SplitOptions {
  frame: number;
  piece: string;
  /** Largest payload per publish, chunk header included; default DEFAULT_CHUNK_LIMIT. */
  limit?: number;
}

/**
 * Payload bytes allowed per publish on `topic` given the broker's maximum packet size: the smaller of
 * our default and what remains of the packet after the fixed header, topic and MQTT 5 properties
 * (64 bytes reserved for message expiry, content type and user properties).
 */
export function chunkLimit(maxPacketSize: number, topic: string, limit = DEFAULT_CHUNK_LIMIT): number {
  const overhead = publishPacketSize(topic, 0, 64) + 4; // + up to 4 bytes of remaining-length growth
  return Math.max(0, Math.min(limit, maxPacketSize - overhead));
}

export function isChunk(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && CHUNK_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Split `payload` into chunk messages of at most `limit` bytes each. A payload within the limit is
 * returned as is, unless it happens to start with the chunk magic (then it is wrapped, so the
 * receiver can't mistake it). Throws when the limit can't hold a chunk header and one byte.
 */
export function splitPayload(payload: Uint8Array, opts: SplitOptions): Uint8Array[] {
  const limit = opts.limit ?? DEFAULT_CHUNK_LIMIT;
  const total = payload.length;
  if (total <= limit && !isChunk(payload)) return [payload];
  // CBOR integers only grow with magnitude, and index, count and offset are all ≤ total.
  const overhead = 8 + cborEncode({ frame: opts.frame, piece: opts.piece, index: total, count: total, offset: total, total }).length;
  const per = limit - overhead;
  if (per < 1) throw new Error(`wire: chunk limit ${limit} bytes cannot hold a ${overhead}-byte chunk header for piece '${opts.piece}'`);
  const count = Math.max(1, Math.ceil(total / per));
  if (count > MAX_CHUNKS) throw new Error(`wire: ${total} bytes in chunks of ${per} would need ${count} chunks (max ${MAX_CHUNKS})`);
  const out: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const offset = index * per;
    const header: Uint8Array = cborEncode({ frame: opts.frame, piece: opts.piece, index, count, offset, total } satisfies ChunkHeader);
    const prefix = Buffer.alloc(8 + header.length);
    prefix.set(CHUNK_MAGIC, 0);
    prefix.writeUInt32LE(header.length, 4);
    prefix.set(header, 8);
    out.push(Buffer.concat([prefix, payload.subarray(offset, Math.min(total, offset + per))]));
  }
  return out;
}

export type ParsedChunk = { ok: true; header: ChunkHeader; body: Uint8Array } | { ok: false; error: string };

/** Parse one chunk message; never throws. */
export function parseChunk(bytes: Uint8Array): ParsedChunk {
  if (!isChunk(bytes)) return { ok: false, error: 'not a chunk message (no DTC\\0 magic)' };
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + length > bytes.length) return { ok: false, error: `chunk header length ${length} exceeds the message (${bytes.length} bytes)` };
  let h: unknown;
  try {
    h = cborDecode(bytes.subarray(8, 8 + length));
  } catch (e) {
    return { ok: false, error: `chunk header is not CBOR: ${(e as Error).message}` };
  }
  const body = bytes.subarray(8 + length);
  const bad = chunkHeaderError(h, body.length);
  return bad ? { ok: false, error: bad } : { ok: true, header: h as ChunkHeader, body };
}

function chunkHeaderError(h: unknown, bodyLength: number): string | undefined {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return `chunk header must be a map (got ${describe(h)})`;
  const o = h as Record<string, unknown>;
  for (const k of ['frame', 'index', 'count', 'offset', 'total']) {
    if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0) return `chunk header '${k}' must be a non-negative integer (got ${describe(o[k])})`;
  }
  if (typeof o.piece !== 'string') return `chunk header 'piece' must be a string (got ${describe(o.piece)})`;
  const { index, count, offset, total } = o as unknown as ChunkHeader;
  if (count < 1 || count > MAX_CHUNKS || index >= count) return `chunk index ${index} of ${count} is out of range`;
  if (offset + bodyLength > total) return `chunk ${index} bytes [${offset}, ${offset + bodyLength}) exceed the total of ${total}`;
  return undefined;
}
