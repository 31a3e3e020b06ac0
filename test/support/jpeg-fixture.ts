/**
 * A tiny baseline JPEG writer for decoder tests: every 8×8 block is flat (DC only, AC = EOB), so
 * the stored samples are known exactly — block value v decodes to v in any IDCT (quantiser 8, DC
 * coefficient v − 128) — and any chroma layout can be written (sharp only writes 4:4:4 and 4:2:0).
 * ITU-T T.81: SOF0, one interleaved scan, Annex K.3 luminance DC table, a one-code AC table.
 */

/** Sampling factors [h, v] of Y, Cb, Cr, e.g. 4:2:2 = [[2, 1], [1, 1], [1, 1]]. */
export type Sampling = readonly [readonly [number, number], readonly [number, number], readonly [number, number]];

export interface FlatJpeg {
  readonly width: number;
  readonly height: number;
  readonly sampling: Sampling;
  /** Sample value (1..255) of block (bx, by) of component k (0 = Y, 1 = Cb, 2 = Cr), in that component's block grid. */
  readonly block: (k: number, bx: number, by: number) => number;
}

const DC_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_VALS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** Canonical Huffman codes (T.81 Annex C) of DC categories. */
function dcCodes(): { code: number; len: number }[] {
  const out: { code: number; len: number }[] = [];
  let code = 0, k = 0;
  DC_BITS.forEach((n, i) => {
    for (let j = 0; j < n; j++) out[DC_VALS[k++]!] = { code: code++, len: i + 1 };
    code <<= 1;
  });
  return out;
}

class BitWriter {
  readonly bytes: number[] = [];
  #acc = 0;
  #n = 0;
  put(code: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      this.#acc = (this.#acc << 1) | ((code >> i) & 1);
      if (++this.#n === 8) this.#flush();
    }
  }
  #flush(): void {
    this.bytes.push(this.#acc);
    if (this.#acc === 0xff) this.bytes.push(0); // byte stuffing
    this.#acc = 0;
    this.#n = 0;
  }
  end(): number[] {
    while (this.#n !== 0) this.put(1, 1); // pad with 1-bits
    return this.bytes;
  }
}

const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];

export function flatJpeg(f: FlatJpeg): Uint8Array {
  const maxH = Math.max(...f.sampling.map((s) => s[0])), maxV = Math.max(...f.sampling.map((s) => s[1]));
  const mcusX = Math.ceil(f.width / (8 * maxH)), mcusY = Math.ceil(f.height / (8 * maxV));
  const codes = dcCodes();
  const bits = new BitWriter();
  const pred = [0, 0, 0];
  for (let my = 0; my < mcusY; my++) for (let mx = 0; mx < mcusX; mx++) {
    f.sampling.forEach(([h, v], k) => {
      for (let j = 0; j < v; j++) for (let i = 0; i < h; i++) {
        const dc = f.block(k, mx * h + i, my * v + j) - 128;
        const diff = dc - pred[k]!;
        pred[k] = dc;
        const cat = diff === 0 ? 0 : 32 - Math.clz32(Math.abs(diff));
        bits.put(codes[cat]!.code, codes[cat]!.len);
        if (cat > 0) bits.put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
        bits.put(0, 1); // EOB: the AC table's only code
      }
    });
  }
  const sof = [8, f.height >> 8, f.height & 255, f.width >> 8, f.width & 255, 3, ...f.sampling.flatMap(([h, v], k) => [k + 1, (h << 4) | v, 0])];
  const dht = [0x00, ...DC_BITS, ...DC_VALS, 0x10, 1, ...new Array(15).fill(0), 0x00];
  return Uint8Array.from([
    0xff, 0xd8, ...seg(0xdb, [0, ...new Array(64).fill(8)]), ...seg(0xc0, sof), ...seg(0xc4, dht),
    ...seg(0xda, [3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 63, 0]), ...bits.end(), 0xff, 0xd9,
  ]);
}
