/**
 * The pure-JS JPEG decoder (the fallback when sharp cannot load): jpeg-js for the entropy decoding
 * and IDCT, then chroma upsampling and colour conversion done the way libjpeg does them, so both
 * decoders hand the model the same pixels. jpeg-js itself replicates chroma samples (nearest
 * neighbour), which on 4:2:2 and 4:2:0 frames is up to ~36/255 away from libjpeg and moves
 * detections by 1–2 % (issue 10 item 16); libjpeg's default "fancy" upsampling is a triangle filter
 * (jdsample.c h2v1/h2v2/h1v2_fancy_upsample) and its colour conversion uses fixed-point tables
 * (jdcolor.c ycc_rgb_convert). Both are reproduced here to the rounding. What remains is the IDCT:
 * jpeg-js's (Loeffler, from pdf.js) rounds differently from libjpeg's islow by ±1 per sample.
 */
import jpeg from 'jpeg-js';
import { ImageError } from '../../shared/errors.ts';
import type { DecodeLimits, ImageHeader, RgbImage } from './image-header.ts';
import { fancyUpsample } from './image-upsample.ts';

function jpegJs(bytes: Uint8Array, limits: DecodeLimits, colorTransform: boolean | undefined): RgbImage {
  try {
    const out = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // Tolerant mode would hand back a half-grey frame for a truncated upload; we want the error.
      tolerantDecoding: false,
      maxResolutionInMP: limits.maxMegapixels,
      maxMemoryUsageInMB: limits.maxMemoryMB,
      ...(colorTransform === undefined ? {} : { colorTransform }),
    });
    return { width: out.width, height: out.height, data: out.data };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (/limit exceeded|allocate/.test(reason)) {
      throw new ImageError('too-large', `JPEG refused (limits ${limits.maxMegapixels} MP, ${limits.maxMemoryMB} MB): ${reason}`);
    }
    // A cut-off upload is the common case; jpeg-js only says which marker it missed.
    const n = bytes.length;
    const truncated = !(bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9);
    throw new ImageError('corrupt', `corrupt JPEG: ${reason}${truncated ? ` (${n} bytes, no FF D9 end marker: truncated?)` : ''}`);
  }
}

/** Luma sampled at (h, v) ∈ {1, 2}², both chroma components at 1×1: the layouts libjpeg upsamples with fancy filters. */
function fancyLayout(header: ImageHeader): { h: number; v: number } | undefined {
  const c = header.components;
  if (!c || c.length !== 3 || header.adobe) return undefined;
  const [y, cb, cr] = c as [typeof c[0], typeof c[0], typeof c[0]];
  if (cb.h !== 1 || cb.v !== 1 || cr.h !== 1 || cr.v !== 1 || y.h < 1 || y.h > 2 || y.v < 1 || y.v > 2) return undefined;
  return { h: y.h, v: y.v };
}

/** Decode to RGB (grey replicated). Throws coded ImageErrors; the header was checked by the caller. */
export function decodeJpegJs(bytes: Uint8Array, header: ImageHeader, limits: DecodeLimits): RgbImage {
  const layout = fancyLayout(header);
  // Other layouts (Adobe RGB/CMYK, grey, 4:1:1, …) keep jpeg-js's own conversion.
  const raw = jpegJs(bytes, limits, layout ? false : undefined);
  if (!(raw.width > 0 && raw.height > 0) || raw.data.length !== raw.width * raw.height * 3) {
    throw new ImageError('corrupt', `corrupt JPEG: decoded ${raw.width}x${raw.height} with ${raw.data.length} bytes`);
  }
  if (!layout) return raw;
  // colorTransform false: the three planes come back as stored, chroma replicated to full size.
  return { width: raw.width, height: raw.height, data: fancyUpsample(raw.data, raw.width, raw.height, layout.h, layout.v) };
}
