/**
 * Reassembly of chunked payloads (chunks.ts), per (topic, frame, piece), in any arrival order.
 *
 * Bounded, because a lost chunk must not leak memory (ECOSYSTEM §6.11 "no unbounded queues"): an
 * entry older than `timeoutMs`, or the oldest entry when `maxEntries` or `maxBytes` would be exceeded,
 * is evicted and reported as a ChunkLostError naming the missing chunk indices.
 */
import { logger } from '../log.ts';
import { WireFormatError } from './json.ts';
import { isChunk, parseChunk } from './chunks.ts';

export class ChunkLostError extends Error {
  constructor(readonly topic: string, readonly frame: number, readonly piece: string, readonly missing: readonly number[],
    readonly count: number, why: string) {
    super(`wire: ${topic}: frame ${frame} piece '${piece}': missing chunk${missing.length === 1 ? '' : 's'} ` +
      `${listIndices(missing)} of ${count} (${why})`);
    this.name = 'ChunkLostError';
  }
}

function listIndices(xs: readonly number[]): string {
  return xs.length <= 20 ? xs.join(', ') : `${xs.slice(0, 20).join(', ')} and ${xs.length - 20} more`;
}

export type ChunkResult =
  | { kind: 'whole'; payload: Uint8Array } // not a chunk: use as is
  | { kind: 'pending' } // a chunk was stored; more are due
  | { kind: 'complete'; payload: Uint8Array; frame: number; piece: string }
  | { kind: 'error'; error: Error }; // a malformed or inconsistent chunk (dropped)

export interface ChunkAssemblerContext {
  /** Evict incomplete payloads older than this; default 10 s. */
  timeoutMs?: number;
  /** Incomplete payloads held at once; default 64. */
  maxEntries?: number;
  /** Bytes reserved by incomplete payloads at once; default 64 MiB. */
  maxBytes?: number;
  now?: () => number;
  /** Every eviction (timeout or overflow); default logs a warning. */
  onEvict?: (error: ChunkLostError) => void;
}

interface Entry {
  topic: string; frame: number; piece: string; count: number; total: number;
  buf: Uint8Array; seen: Uint8Array; received: number; bytes: number; startedAt: number;
}

const log = logger('wire');

export class ChunkAssembler {
  readonly #timeoutMs: number;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #onEvict: (e: ChunkLostError) => void;
  /** Insertion order is age order: Map iteration gives the oldest first. */
  readonly #entries = new Map<string, Entry>();
  #reserved = 0;

  constructor(ctx: ChunkAssemblerContext = {}) {
    this.#timeoutMs = ctx.timeoutMs ?? 10_000;
    this.#maxEntries = ctx.maxEntries ?? 64;
    this.#maxBytes = ctx.maxBytes ?? 64 * 1024 * 1024;
    this.#now = ctx.now ?? Date.now;
    this.#onEvict = ctx.onEvict ?? ((e) => log.warn(e.message));
  }

  get pending(): number {
    return this.#entries.size;
  }

  /** Feed one received message. Also sweeps out timed-out entries. */
  push(topic: string, bytes: Uint8Array): ChunkResult {
    this.sweep();
    if (!isChunk(bytes)) return { kind: 'whole', payload: bytes };
    const parsed = parseChunk(bytes);
    if (!parsed.ok) return { kind: 'error', error: new WireFormatError(topic, parsed.error) };
    const { frame, piece, index, count, offset, total } = parsed.header;
    const key = `${topic}\u0000${frame}\u0000${piece}`;
    let e = this.#entries.get(key);
    if (e && (e.count !== count || e.total !== total)) {
      this.#drop(key, e);
      return { kind: 'error', error: new WireFormatError(topic, `frame ${frame} piece '${piece}': chunk ${index} says ${count} chunks of ${total} bytes, earlier ones ${e.count} of ${e.total}`) };
    }
    if (!e) {
      if (total > this.#maxBytes) return { kind: 'error', error: new WireFormatError(topic, `frame ${frame} piece '${piece}': ${total} bytes exceed the reassembly bound of ${this.#maxBytes}`) };
      this.#makeRoom(total);
      e = { topic, frame, piece, count, total, buf: new Uint8Array(total), seen: new Uint8Array(count), received: 0, bytes: 0, startedAt: this.#now() };
      this.#entries.set(key, e);
      this.#reserved += total;
    }
    if (e.seen[index]) return { kind: 'pending' }; // a duplicate (QoS 1 redelivery)
    e.seen[index] = 1;
    e.received++;
    e.bytes += parsed.body.length;
    e.buf.set(parsed.body, offset);
    if (e.received < count) return { kind: 'pending' };
    this.#drop(key, e);
    if (e.bytes !== total) return { kind: 'error', error: new WireFormatError(topic, `frame ${frame} piece '${piece}': ${count} chunks carried ${e.bytes} bytes, expected ${total}`) };
    return { kind: 'complete', payload: e.buf, frame, piece };
  }

  /** Evict entries older than the timeout; returns (and reports) what was lost. Run it on a timer too. */
  sweep(): ChunkLostError[] {
    const now = this.#now();
    const lost: ChunkLostError[] = [];
    for (const [key, e] of this.#entries) {
      if (now - e.startedAt < this.#timeoutMs) break; // the rest are younger
      lost.push(this.#evict(key, e, `incomplete after ${now - e.startedAt} ms`));
    }
    return lost;
  }

  /** Drop everything (on plan change or stop), without reporting. */
  clear(): void {
    this.#entries.clear();
    this.#reserved = 0;
  }

  #makeRoom(bytes: number): void {
    for (const [key, e] of this.#entries) {
      if (this.#entries.size < this.#maxEntries && this.#reserved + bytes <= this.#maxBytes) break;
      this.#evict(key, e, `evicted to make room: ${this.#entries.size} payloads, ${this.#reserved} bytes pending`);
    }
  }

  #evict(key: string, e: Entry, why: string): ChunkLostError {
    this.#drop(key, e);
    const missing: number[] = [];
    for (let i = 0; i < e.count; i++) if (!e.seen[i]) missing.push(i);
    const err = new ChunkLostError(e.topic, e.frame, e.piece, missing, e.count, why);
    this.#onEvict(err);
    return err;
  }

  #drop(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.#reserved -= e.total;
  }
}
