/**
 * libjpeg's decoder-side chroma upsampling and colour conversion, to the rounding, for the pure-JS
 * JPEG path (image-jpeg.ts). Fancy upsampling is a triangle filter: each output sample is 3/4 of
 * the nearer and 1/4 of the further input sample (IJG jdsample.c h2v1_fancy_upsample,
 * h2v2_fancy_upsample, h1v2_fancy_upsample; libjpeg-turbo's SIMD versions are bit-exact with them).
 * Image edges replicate the last sample, as jdmainct.c's context rows do. Widths of at most two
 * chroma samples fall back to replication for h2 layouts, as libjpeg-turbo's jinit_upsampler does.
 */

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number) => Math.trunc(x * (1 << SCALEBITS) + 0.5);

/** jdcolor.c build_ycc_rgb_table. */
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

const clamp8 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/** One chroma plane (cw×ch) upsampled to (cw·sh)×(ch·sv). */
function upsamplePlane(c: Uint8Array, cw: number, ch: number, sh: number, sv: number): Uint8Array {
  if (sh === 1 && sv === 1) return c;
  const ow = cw * sh;
  const out = new Uint8Array(ow * ch * sv);
  const fancyH = sh === 2 && cw > 2;
  for (let j = 0; j < ch; j++) {
    for (let v = 0; v < sv; v++) {
      // The row whose distance is 3/4 away: above for the upper output row, below for the lower.
      const far = sv === 1 ? j : v === 0 ? Math.max(j - 1, 0) : Math.min(j + 1, ch - 1);
      const o = (j * sv + v) * ow;
      const near = j * cw, other = far * cw;
      if (sh === 1) {
        const bias = v === 0 ? 1 : 2;
        for (let i = 0; i < cw; i++) out[o + i] = (3 * c[near + i]! + c[other + i]! + bias) >> 2;
        continue;
      }
      if (!fancyH) {
        // h2v1_upsample / h2v2_upsample: plain replication in both directions.
        for (let i = 0; i < cw; i++) out[o + 2 * i] = out[o + 2 * i + 1] = c[near + i]!;
        continue;
      }
      const col = (i: number) => (sv === 1 ? c[near + i]! : 3 * c[near + i]! + c[other + i]!);
      // h2v1: (3·this + neighbour + 1 or 2) >> 2; h2v2 on column sums: (3·this + neighbour + 8 or 7) >> 4.
      const [shift, left, right] = sv === 1 ? [2, 1, 2] : [4, 8, 7];
      for (let i = 0; i < cw; i++) {
        const t = 3 * col(i);
        out[o + 2 * i] = (t + col(Math.max(i - 1, 0)) + left) >> shift;
        out[o + 2 * i + 1] = (t + col(Math.min(i + 1, cw - 1)) + right) >> shift;
      }
    }
  }
  return out;
}

/**
 * YCbCr planes as jpeg-js hands them back with `colorTransform: false` (interleaved, chroma
 * replicated to full size, luma sampled sh×sv per chroma sample) → RGB the way libjpeg produces it.
 */
export function fancyUpsample(ycc: Uint8Array, w: number, h: number, sh: number, sv: number): Uint8Array {
  const cw = Math.ceil(w / sh), ch = Math.ceil(h / sv);
  const planes = [1, 2].map((k) => {
    const p = new Uint8Array(cw * ch);
    for (let j = 0; j < ch; j++) for (let i = 0; i < cw; i++) p[j * cw + i] = ycc[(j * sv * w + i * sh) * 3 + k]!;
    return upsamplePlane(p, cw, ch, sh, sv);
  });
  const [cbs, crs] = planes as [Uint8Array, Uint8Array];
  const ow = cw * sh;
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const luma = ycc[o]!, cb = cbs[y * ow + x]!, cr = crs[y * ow + x]!;
      rgb[o] = clamp8(luma + CR_R[cr]!);
      rgb[o + 1] = clamp8(luma + ((CB_G[cb]! + CR_G[cr]!) >> SCALEBITS));
      rgb[o + 2] = clamp8(luma + CB_B[cb]!);
    }
  }
  return rgb;
}
