import assert from 'node:assert/strict';
import { encode as cborEncode } from 'cbor-x';
import {
  ChunkAssembler, ChunkLostError, DEFAULT_CHUNK_LIMIT, chunkLimit, decodeJson, decodeTensorMessage, encodeTensorMessage,
  fromHalf, halfFromBits, splitPayload, toHalf, type ChunkLostError as Lost, type TensorHeaderInput,
} from '../../shared/wire/index.ts';
import { publishPacketSize } from '../../shared/transport/types.ts';
import { mulberry32 } from '../../shared/model/synthetic.ts';

/** Deterministic PRNG: the fuzz cases are the same on every run. */
const rand = mulberry32(42);
const randomData = (n: number, range = 10) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * range);
const header = (over: Partial<TensorHeaderInput> = {}): TensorHeaderInput => ({
  frame: 7, plan: 'plan-1', stage: 2, piece: 't0_1', shape: [3, 4, 5], region: { y0: 3, y1: 6, x0: 0, x1: 4 }, t: 1.7e12, ...over,
});
/** A raw message with any header object and body, for the corrupt-input cases. */
function raw(h: unknown, body: Uint8Array): Uint8Array {
  const cbor = cborEncode(h);
  const prefix = Buffer.alloc((8 + cbor.length + 3) & ~3);
  Buffer.from('DT1\0', 'latin1').copy(prefix);
  prefix.writeUInt32LE(cbor.length, 4);
  prefix.set(cbor, 8);
  return Buffer.concat([prefix, body]);
}
function expectError(bytes: Uint8Array, pattern: RegExp): void {
  const r = decodeTensorMessage(bytes, { source: 'deeperthings/default/data/2/t0_1' });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, pattern);
}

function expectErrorWith(bytes: Uint8Array, opts: { plan?: string; stage?: string | number }, pattern: RegExp): void {
  const r = decodeTensorMessage(bytes, opts);
  assert.ok(!r.ok && pattern.test(r.error.message), r.ok ? 'decoded' : r.error.message);
}

describe('wire: tensor messages', () => {
  it('float32 round trip is exact and keeps every header field', () => {
    const data = randomData(60);
    const h = header({ channels: { c0: 10, c1: 15 }, partial: false });
    const r = decodeTensorMessage(encodeTensorMessage(h, data));
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.deepEqual(r.header, { ...h, dtype: 'float32' });
    assert.deepEqual(r.data, data);
  });

  it('float16 round trip is within half precision; specials survive', () => {
    const data = Float32Array.from([...randomData(56, 1000), 0, 65504, 1e-6, -3e-8]);
    const r = decodeTensorMessage(encodeTensorMessage(header({ shape: [2, 6, 5], region: undefined }), data, { dtype: 'float16' }));
    assert.ok(r.ok && r.header.dtype === 'float16');
    // Relative 2^-11 for normal halves; absolute 2^-25 (half the smallest subnormal) below.
    data.forEach((x, i) => assert.ok(Math.abs(r.data[i] - x) <= Math.abs(x) * 2 ** -11 + 2 ** -25, `element ${i}: ${x} → ${r.data[i]}`));
    assert.equal(fromHalf(toHalf(70000)), Infinity);
    assert.equal(fromHalf(toHalf(-Infinity)), -Infinity);
    assert.ok(Number.isNaN(fromHalf(toHalf(NaN))));
  });

  it('float16: every finite half value converts back to the same bits', () => {
    for (let bits = 0; bits < 65536; bits++) {
      if (((bits >>> 10) & 0x1f) === 0x1f && (bits & 0x3ff) !== 0) continue; // NaNs
      assert.equal(toHalf(fromHalf(bits)), bits, `bits 0x${bits.toString(16)}`);
    }
    assert.equal(toHalf(1 + 2 ** -11), toHalf(1)); // tie rounds to even
    assert.equal(toHalf(1 + 3 * 2 ** -11), toHalf(1 + 2 ** -9));
  });

  it('float16: the tensor encoder (halfFromBits) rounds exactly as toHalf', () => {
    const bits = new Uint32Array(1), f = new Float32Array(bits.buffer);
    const check = (x: number) => { f[0] = x; assert.equal(halfFromBits(bits[0]!), toHalf(f[0]!), `${f[0]}`); };
    for (const x of [0, -0, 1, -1, 65504, 65519, 65520, 1e9, Infinity, -Infinity, NaN, 2 ** -14, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -26, 1e-8, 1 + 2 ** -11, 1 + 3 * 2 ** -11]) {
      check(x);
      check(-x);
    }
    for (let i = 0; i < 200_000; i++) check((rand() * 2 - 1) * 2 ** Math.floor(rand() * 60 - 30));
  });

  it('int8 round trip is within scale/2 with scale = max|x|/127', () => {
    const data = randomData(60, 5);
    const r = decodeTensorMessage(encodeTensorMessage(header(), data, { dtype: 'int8' }));
    assert.ok(r.ok && r.header.scale !== undefined);
    const scale = Math.max(...data.map(Math.abs)) / 127;
    assert.ok(Math.abs(r.header.scale - scale) < 1e-6);
    data.forEach((x, i) => assert.ok(Math.abs(r.data[i] - x) <= scale / 2 + 1e-6, `element ${i}`));
    const zeros = decodeTensorMessage(encodeTensorMessage(header(), new Float32Array(60), { dtype: 'int8' }));
    assert.ok(zeros.ok && zeros.header.scale === 0 && zeros.data.every((v) => v === 0));
  });

  it('int8 per channel: each channel within its own scale/2, a small channel beside a large one survives', () => {
    // shape [3, 4, 5]: channel k of element i is i % 5; channel 0 is 1000× smaller than the others.
    const data = Float32Array.from(randomData(60, 5), (x, i) => (i % 5 === 0 ? x / 1000 : x));
    const r = decodeTensorMessage(encodeTensorMessage(header(), data, { dtype: 'int8', int8: 'channel' }));
    assert.ok(r.ok && r.header.scales instanceof Float32Array && r.header.scale === undefined);
    assert.equal(r.header.scales.length, 5);
    for (let k = 0; k < 5; k++) {
      const own = data.filter((_, i) => i % 5 === k);
      const scale = Math.max(...own.map(Math.abs)) / 127;
      assert.ok(Math.abs(r.header.scales[k]! - scale) <= scale * 1e-6, `channel ${k} scale`);
      data.forEach((x, i) => i % 5 === k && assert.ok(Math.abs(r.data[i]! - x) <= scale / 2 + 1e-9, `element ${i}`));
    }
    const perTensor = decodeTensorMessage(encodeTensorMessage(header(), data, { dtype: 'int8' }));
    assert.ok(perTensor.ok && perTensor.data.every((v, i) => i % 5 !== 0 || v === 0), 'one scale rounds the small channel to zero');
  });

  it('int8 per channel: scales of the wrong length, or beside a scale, are refused', () => {
    const good = { frame: 1, plan: 'p', stage: 1, piece: 'a', shape: [3, 4, 5], dtype: 'int8' };
    const body = new Uint8Array(60);
    expectError(raw({ ...good, scales: new Float32Array(4) }, body), /'scales' has 4 entries for 5 channels/);
    expectError(raw({ ...good, scales: new Float32Array(5), scale: 1 }, body), /'scale' and 'scales' are exclusive/);
    expectError(raw({ ...good, scales: Float32Array.of(1, 1, NaN, 1, 1) }, body), /'scales' must be finite and ≥ 0 \(got NaN\)/);
    expectError(raw({ ...good, dtype: 'float16', scales: new Float32Array(5) }, new Uint8Array(120)), /'scales' only goes with dtype int8/);
  });

  it('int8 affine per channel: a one-signed (leaky ReLU) channel gets half the step of the symmetric code, and 0 stays exact', () => {
    // Channel k of element i is i % 5: channels 0–3 leaky-ReLU-like (x or 0.1·x), channel 4 all zero.
    const data = Float32Array.from(randomData(60, 5), (x, i) => (i % 5 === 4 ? 0 : x > 0 ? x : 0.1 * x));
    data[0] = 0;
    const r = decodeTensorMessage(encodeTensorMessage(header(), data, { dtype: 'int8', int8: 'affine' }));
    const sym = decodeTensorMessage(encodeTensorMessage(header(), data, { dtype: 'int8', int8: 'channel' }));
    assert.ok(r.ok && sym.ok && r.header.scales instanceof Float32Array && r.header.zeros instanceof Float32Array);
    for (let k = 0; k < 5; k++) {
      const own = data.filter((_, i) => i % 5 === k);
      const lo = Math.min(0, ...own), hi = Math.max(0, ...own);
      const step = (hi - lo) / 255;
      assert.ok(Math.abs(r.header.scales[k]! - step) <= step * 1e-6 + 1e-12, `channel ${k} scale`);
      if (k < 4) assert.ok(r.header.scales[k]! < 0.6 * sym.header.scales![k]!, `channel ${k}: ${r.header.scales[k]} vs ${sym.header.scales![k]}`);
      data.forEach((x, i) => i % 5 === k && assert.ok(Math.abs(r.data[i]! - x) <= step / 2 + 1e-6, `element ${i}`));
    }
    assert.equal(r.data[0], 0, 'zero is exact');
    assert.ok(r.data.every((v, i) => i % 5 !== 4 || v === 0), 'an all-zero channel decodes to zeros');
  });

  it('int8 affine: zero points without scales, or off the integer range, are refused', () => {
    const good = { frame: 1, plan: 'p', stage: 1, piece: 'a', shape: [3, 4, 5], dtype: 'int8' };
    const body = new Uint8Array(60);
    expectError(raw({ ...good, scale: 1, zeros: new Float32Array(5) }, body), /'zeros' only goes with 'scales'/);
    expectError(raw({ ...good, scales: new Float32Array(5), zeros: Float32Array.of(0, 0, 0.5, 0, 0) }, body), /'zeros' must be integers in -128\.\.127 \(got 0\.5\)/);
    expectError(raw({ ...good, scales: new Float32Array(5), zeros: new Float32Array(4) }, body), /'zeros' must be a float32 array with one entry per channel \(5\)/);
  });

  it('decodes a payload at an odd byte offset of a larger buffer into aligned memory', () => {
    const data = randomData(60);
    for (const dtype of ['float32', 'float16', 'int8'] as const) {
      const msg = encodeTensorMessage(header(), data, { dtype });
      const pool = Buffer.alloc(msg.length + 3);
      pool.set(msg, 1);
      const r = decodeTensorMessage(pool.subarray(1, 1 + msg.length));
      assert.ok(r.ok, dtype);
      assert.equal(r.data.byteOffset % 4, 0);
      const plain = decodeTensorMessage(new Uint8Array(msg));
      assert.ok(plain.ok);
      assert.deepEqual(r.data, plain.data);
    }
  });

  it('refuses a piece of another plan or stage when the receiver says which it expects', () => {
    const msg = encodeTensorMessage(header(), randomData(60));
    assert.ok(decodeTensorMessage(msg, { plan: 'plan-1', stage: '2' }).ok);
    expectErrorWith(msg, { plan: 'plan-2' }, /frame 7 belongs to plan 'plan-1', not the current 'plan-2'/);
    expectErrorWith(msg, { stage: 3 }, /stage 2 where stage 3 was expected/);
  });

  it('refuses to encode data that does not fill the shape', () => {
    assert.throws(() => encodeTensorMessage(header(), new Float32Array(59)), /59 elements for shape \[3, 4, 5\]/);
  });

  describe('every corrupt input returns ok:false with a clear message', () => {
    const good = { ...header(), dtype: 'float32' };
    const body = new Uint8Array(240);
    it('bad magic', () => expectError(Buffer.from('XYZW\0\0\0\0'), /bad magic 0x58595a57/));
    it('unknown version', () => expectError(Buffer.from('DT9\0\0\0\0\0'), /unsupported tensor message version '9'/));
    it('truncated below the prefix', () => expectError(Buffer.from('DT1'), /truncated: 3 bytes/));
    it('header length beyond the message', () => expectError(raw(good, body).subarray(0, 20), /header length \d+ exceeds the message \(20 bytes\)/));
    it('header not CBOR', () => {
      const m = Buffer.from(raw(good, body));
      m[8] = 0xff; // a break code outside an indefinite item
      expectError(m, /header is not CBOR/);
    });
    it('header not a map', () => expectError(raw([1, 2, 3], body), /expected a map, got an array of 3/));
    it('missing field', () => expectError(raw({ ...good, plan: undefined }, body), /'plan' must be a string \(got nothing\)/));
    it('shape × dtype ≠ byte length', () => expectError(raw(good, body.subarray(1)), /shape \[3, 4, 5\] × float32 needs 240 bytes of elements but 239/));
    it('negative shape', () => expectError(raw({ ...good, shape: [3, -4, 5] }, body), /'shape' must be \[h, w, c\].*-4/));
    it('unknown dtype', () => expectError(raw({ ...good, dtype: 'float64' }, body), /'dtype' must be one of float32, float16, int8 \(got "float64"\)/));
    it('NaN scale', () => expectError(raw({ ...good, dtype: 'int8', scale: NaN }, body.subarray(0, 60)), /'scale' must be a finite number ≥ 0 \(got NaN\)/));
    it('int8 without scale', () => expectError(raw({ ...good, dtype: 'int8' }, body.subarray(0, 60)), /'scale' is required with dtype int8/));
    it('region not matching the shape', () => expectError(raw({ ...good, region: { y0: 0, y1: 4, x0: 0, x1: 4 } }, body), /rows \[0, 4\) × columns \[0, 4\) do not match shape 3×4/));
    it('channels not matching the shape', () => expectError(raw({ ...good, channels: { c0: 0, c1: 4 } }, body), /'channels' \[0, 4\) do not match shape's 5 channels/));
  });

  it('fuzz: random bytes, random truncations and bit flips never throw', () => {
    const valid = encodeTensorMessage(header(), randomData(60));
    for (let i = 0; i < 1000; i++) {
      const junk = Uint8Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256));
      if (i % 2 === 0 && junk.length >= 8) junk.set([0x44, 0x54, 0x31, 0x00, Math.floor(rand() * 64), 0, 0, 0]); // plausible prefix
      assert.equal(decodeTensorMessage(junk).ok, false, `junk ${i}`);
      const cut = Math.floor(rand() * valid.length);
      assert.equal(decodeTensorMessage(valid.subarray(0, cut)).ok, false, `truncated at ${cut}`);
      const flipped = Buffer.from(valid);
      flipped[Math.floor(rand() * 80)] ^= 1 << Math.floor(rand() * 8);
      const r = decodeTensorMessage(flipped); // may still decode (a flipped element bit): it just must not throw
      assert.ok(r.ok || r.error instanceof Error);
    }
  });
});

describe('wire: chunks', () => {
  const topic = 'deeperthings/default/data/0/in';
  const payload = Uint8Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) & 0xff);

  it('sends a payload within the limit unchanged, and passes it through reassembly', () => {
    const small = Uint8Array.of(1, 2, 3);
    const parts = splitPayload(small, { frame: 1, piece: 'p' });
    assert.equal(parts.length, 1);
    assert.equal(parts[0], small);
    assert.deepEqual(new ChunkAssembler().push(topic, small), { kind: 'whole', payload: small });
  });

  it('splits 1 MB into chunks within the limit and reassembles them out of order, ignoring duplicates', () => {
    const parts = splitPayload(payload, { frame: 3, piece: 'in' });
    assert.equal(parts.length, 4);
    assert.ok(parts.every((p) => p.length <= DEFAULT_CHUNK_LIMIT));
    const order = [2, 0, 3, 0, 1];
    const asm = new ChunkAssembler();
    const results = order.map((i) => asm.push(topic, parts[i]));
    assert.deepEqual(results.slice(0, 4).map((r) => r.kind), ['pending', 'pending', 'pending', 'pending']);
    const last = results[4];
    assert.ok(last.kind === 'complete' && last.frame === 3 && last.piece === 'in');
    assert.deepEqual(last.payload, payload);
    assert.equal(asm.pending, 0);
  });

  it('wraps a small payload that starts with the chunk magic, so it is not mistaken for a chunk', () => {
    const tricky = Buffer.from('DTC\0 looks like a chunk');
    const parts = splitPayload(tricky, { frame: 0, piece: 'x' });
    const r = new ChunkAssembler().push(topic, parts[0]);
    assert.ok(r.kind === 'complete');
    assert.deepEqual(Buffer.from(r.payload), tricky);
  });

  it('evicts an incomplete payload after the timeout and names the missing chunks', () => {
    let now = 0;
    const evicted: Lost[] = [];
    const asm = new ChunkAssembler({ timeoutMs: 1000, now: () => now, onEvict: (e) => evicted.push(e) });
    const parts = splitPayload(payload, { frame: 9, piece: 'in', limit: 100_000 });
    for (const i of [0, 1, 3, 4, 6, 7, 8, 9, 10]) assert.equal(asm.push(topic, parts[i]).kind, 'pending');
    now = 999;
    assert.deepEqual(asm.sweep(), []);
    now = 1000;
    const lost = asm.sweep();
    assert.equal(lost.length, 1);
    assert.ok(lost[0] instanceof ChunkLostError);
    assert.deepEqual(lost[0].missing, [2, 5]);
    assert.match(lost[0].message, /frame 9 piece 'in': missing chunks 2, 5 of 11 \(incomplete after 1000 ms\)/);
    assert.deepEqual(evicted, lost);
    assert.equal(asm.pending, 0);
  });

  it('evicts the oldest entry when the bounds are reached', () => {
    const evicted: Lost[] = [];
    const asm = new ChunkAssembler({ maxEntries: 1, onEvict: (e) => evicted.push(e) });
    const a = splitPayload(payload, { frame: 1, piece: 'a' });
    const b = splitPayload(payload, { frame: 2, piece: 'b' });
    asm.push(topic, a[0]);
    asm.push(topic, b[0]);
    assert.equal(evicted.length, 1);
    assert.deepEqual([evicted[0].frame, evicted[0].piece, evicted[0].missing], [1, 'a', [1, 2, 3]]);
    const tooBig = new ChunkAssembler({ maxBytes: 1000 }).push(topic, a[0]);
    assert.ok(tooBig.kind === 'error' && /1000000 bytes exceed the reassembly bound of 1000/.test(tooBig.error.message));
  });

  it('reports inconsistent and corrupt chunks as errors, never throws', () => {
    const asm = new ChunkAssembler();
    const four = splitPayload(payload, { frame: 5, piece: 'p' });
    const five = splitPayload(payload.subarray(0, 900_000), { frame: 5, piece: 'p', limit: 200_000 });
    asm.push(topic, four[0]);
    const r = asm.push(topic, five[1]);
    assert.ok(r.kind === 'error' && /chunk 1 says 5 chunks of 900000 bytes, earlier ones 4 of 1000000/.test(r.error.message));
    for (let i = 0; i < 200; i++) {
      const c = Buffer.from(four[1].subarray(0, 60 + (i % 40)));
      c[8 + (i % 50)] ^= 0xff;
      const out = asm.push(topic, c);
      assert.ok(out.kind === 'error' || out.kind === 'pending', out.kind);
    }
  });

  it('chunkLimit keeps every chunk packet within the broker maximum', () => {
    const limit = chunkLimit(100_000, topic);
    assert.ok(limit > 99_000 && limit < 100_000);
    for (const c of splitPayload(payload, { frame: 1, piece: 'in', limit })) {
      assert.ok(publishPacketSize(topic, c.length, 64) <= 100_000);
    }
    assert.equal(chunkLimit(10 * 1024 * 1024, topic), DEFAULT_CHUNK_LIMIT);
    assert.throws(() => splitPayload(payload, { frame: 1, piece: 'in', limit: 10 }), /cannot hold a \d+-byte chunk header/);
  });
});

describe('wire: JSON', () => {
  const topic = 'deeperthings/default/workers/a/info';
  it('decodes and validates', () => {
    const r = decodeJson<{ a: number }>(Buffer.from('{"a":1}'), (x) => (typeof (x as { a: unknown }).a === 'number' ? undefined : `field 'a'`));
    assert.deepEqual(r, { ok: true, value: { a: 1 } });
  });
  it('names the topic and the field on failure, never throws', () => {
    const notJson = decodeJson(Buffer.from('{"a":'), undefined, topic);
    assert.ok(!notJson.ok && notJson.error.message.startsWith(`wire: ${topic}: payload is not JSON`));
    const badUtf8 = decodeJson(Uint8Array.of(0xc3, 0x28), undefined, topic);
    assert.ok(!badUtf8.ok && /not valid UTF-8/.test(badUtf8.error.message));
    const invalid = decodeJson(Buffer.from('{"a":"x"}'), () => `field 'a' must be a number`, topic);
    assert.ok(!invalid.ok && invalid.error.message === `wire: ${topic}: field 'a' must be a number`);
    const throwing = decodeJson(Buffer.from('null'), (x) => String((x as { a: number }).a), topic);
    assert.ok(!throwing.ok && /validator threw/.test(throwing.error.message));
  });
});
