/**
 * The wire of FTP work stealing (DeepThings §"work stealing", PAPER.md: an idle device takes a
 * waiting tile). Three messages, all on the stage's data topics so the broker's roles need no new
 * rule (workers publish and subscribe `<c>/data/#`) and no piece consumer sees them:
 * - `request` on `data/<stage>/steal`: an idle worker (the thief) asks for any waiting tile of the stage;
 * - `grant` on `data/<stage>/steal.grant.<thief>`: a busy worker (the victim, the arbiter) lends one
 *   unstarted tile and sends its input pieces with it (the thief never subscribes to others' crops);
 * - `claim` on `data/<stage>/steal.claim.<victim>`: the thief takes the tile (or declines it: it
 *   already holds another one). Without a claim in time the victim takes the tile back;
 * - `confirm` on `data/<stage>/steal.confirm.<thief>`: the victim's word; the thief runs the tile only
 *   on `ok`. A late claim is confirmed only while the victim has not started the tile itself.
 * A grant is a binary container: u32 JSON length, the JSON, then u32-length-prefixed tensor messages.
 */
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import type { Tensor3 } from '../../shared/tensor.ts';
import type { PieceDoc } from '../../shared/plan/types.ts';
import { decodeTensorMessage, encodeTensorMessage } from '../../shared/wire/tensor-codec.ts';
import { chunkLimit, splitPayload } from '../../shared/wire/chunks.ts';
import { pieceEncoding } from '../../shared/plan/wire.ts';
import { stealLevel } from '../../shared/plan/steal-stages.ts';

export interface StealRequest { readonly kind: 'request'; readonly plan: string; readonly stage: string; readonly thief: string; readonly frame: number }
export interface StealClaim { readonly kind: 'claim'; readonly plan: string; readonly thief: string; readonly frame: number; readonly task: string; readonly accept: boolean }
export interface StealGrantHeader { readonly kind: 'grant'; readonly plan: string; readonly victim: string; readonly frame: number; readonly task: string }
export interface StealGrant extends StealGrantHeader { readonly pieces: Map<string, Tensor3> }
export interface StealConfirm { readonly kind: 'confirm'; readonly plan: string; readonly thief: string; readonly frame: number; readonly task: string; readonly ok: boolean }
export type StealControl = StealRequest | StealClaim | StealConfirm;

export const stealTopics = {
  request: (t: Topics, stage: string) => t.data(stage, stealLevel.request),
  grant: (t: Topics, stage: string, thief: string) => t.data(stage, stealLevel.grant(thief)),
  claim: (t: Topics, stage: string, victim: string) => t.data(stage, stealLevel.claim(victim)),
  confirm: (t: Topics, stage: string, thief: string) => t.data(stage, stealLevel.confirm(thief)),
};

export function encodeControl(m: StealControl): Uint8Array {
  return Buffer.from(JSON.stringify(m), 'utf8');
}

/** A request or claim, or an Error naming what is wrong (never throws). */
export function decodeControl(bytes: Uint8Array, topic: string): StealControl | Error {
  try {
    const m = JSON.parse(Buffer.from(bytes).toString('utf8')) as Omit<Partial<StealClaim>, 'kind'> & { kind?: string; stage?: unknown };
    const base = typeof m.plan === 'string' && typeof m.thief === 'string' && Number.isInteger(m.frame);
    if (base && m.kind === 'request' && typeof m.stage === 'string') return m as unknown as StealRequest;
    if (base && m.kind === 'claim' && typeof m.task === 'string' && typeof m.accept === 'boolean') return m as StealClaim;
    const c = m as Partial<StealConfirm>;
    if (base && c.kind === 'confirm' && typeof c.task === 'string' && typeof c.ok === 'boolean') return c as StealConfirm;
    return new Error(`steal: ${topic}: not a steal request, claim or confirm`);
  } catch (e) {
    return new Error(`steal: ${topic}: not JSON: ${(e as Error).message}`);
  }
}

/**
 * Encode a grant. Pieces the victim made itself are sent as float32 (it never quantized them);
 * received ones in their wire dtype, which reproduces what the victim decoded (float16 exactly).
 */
export function encodeGrant(h: StealGrantHeader, pieces: ReadonlyMap<string, Tensor3>, docs: ReadonlyMap<string, PieceDoc>): Uint8Array {
  const parts: Uint8Array[] = [];
  const put = (b: Uint8Array) => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length, 0);
    parts.push(len, b);
  };
  put(Buffer.from(JSON.stringify(h), 'utf8'));
  for (const [id, t] of pieces) {
    const p = docs.get(id)!;
    const enc = p.worker === h.victim ? { dtype: 'float32' as const } : pieceEncoding(p);
    put(encodeTensorMessage({ frame: h.frame, plan: h.plan, stage: p.stage, piece: id, shape: [t.shape.h, t.shape.w, t.shape.c], partial: p.partial }, t.data, enc));
  }
  return Buffer.concat(parts);
}

/** Decode a grant, or an Error naming what is wrong (never throws). */
export function decodeGrant(bytes: Uint8Array, topic: string): StealGrant | Error {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const next = (at: number): [Uint8Array, number] | undefined => {
    if (at + 4 > buf.length) return undefined;
    const n = buf.readUInt32LE(at);
    return at + 4 + n > buf.length ? undefined : [buf.subarray(at + 4, at + 4 + n), at + 4 + n];
  };
  const first = next(0);
  if (!first) return new Error(`steal: ${topic}: truncated grant (${buf.length} bytes)`);
  let h: StealGrantHeader;
  try {
    h = JSON.parse(first[0].toString()) as StealGrantHeader;
  } catch (e) {
    return new Error(`steal: ${topic}: grant header is not JSON: ${(e as Error).message}`);
  }
  if (h.kind !== 'grant' || typeof h.task !== 'string' || typeof h.victim !== 'string') return new Error(`steal: ${topic}: not a grant`);
  const pieces = new Map<string, Tensor3>();
  for (let at = first[1]; at < buf.length;) {
    const part = next(at);
    if (!part) return new Error(`steal: ${topic}: truncated piece at byte ${at} of ${buf.length}`);
    const r = decodeTensorMessage(part[0], { source: topic, plan: h.plan });
    if (!r.ok) return r.error;
    pieces.set(r.header.piece, { shape: { h: r.header.shape[0], w: r.header.shape[1], c: r.header.shape[2] }, data: r.data });
    at = part[1];
  }
  return { ...h, pieces };
}

/** A tile output a thief published for the victim (a tensor message), or undefined when it is not one of this plan. */
export function decodePiece(bytes: Uint8Array, topic: string, plan: string): { frame: number; piece: string; data: Tensor3 } | undefined {
  const r = decodeTensorMessage(bytes, { source: topic, plan });
  if (!r.ok) return undefined;
  return { frame: r.header.frame, piece: r.header.piece, data: { shape: { h: r.header.shape[0], w: r.header.shape[1], c: r.header.shape[2] }, data: r.data } };
}

/** Publish a steal message at QoS 1; a grant (`chunk` set) is split to fit the broker's packet size. */
export async function sendSteal(transport: Transport, topic: string, bytes: Uint8Array, chunk?: { frame: number; piece: string }): Promise<void> {
  const parts = chunk ? splitPayload(bytes, { ...chunk, limit: chunkLimit(transport.maxPacketSize, topic) }) : [bytes];
  for (const part of parts) await transport.publish(topic, part, { qos: 1 });
}
