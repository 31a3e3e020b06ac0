/**
 * Image headers read before any decoder runs: size (to refuse decompression bombs and empty frames
 * before a byte is allocated) and, for JPEG, the sampling factors the pure-JS decoder needs for
 * libjpeg's fancy upsampling (image-jpeg.ts). ITU-T T.81 §B.2.2 (frame header), Adobe TN 5116 (APP14).
 */
import { ImageError } from '../../shared/errors.ts';

export interface JpegComponent {
  readonly id: number;
  readonly h: number;
  readonly v: number;
}

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface ImageHeader {
  readonly format: 'jpeg' | 'png';
  readonly width: number;
  readonly height: number;
  /** JPEG only: the frame's components in SOF order. */
  readonly components?: readonly JpegComponent[];
  /** JPEG only: an Adobe APP14 marker is present (its transform flag decides the colour space). */
  readonly adobe?: boolean;
  /** JPEG only: the SOF marker (0xc0 baseline, 0xc2 progressive, …). */
  readonly sof?: number;
}

/** Refuse decompression bombs before they allocate: limits on decoded size. */
export interface DecodeLimits {
  /** 40 MP covers 8K frames (33 MP) with room; a camera frame above it is almost surely hostile. */
  readonly maxMegapixels: number;
  /** jpeg-js's own accounting of its working buffers (the RGB result of 40 MP alone is 120 MB). */
  readonly maxMemoryMB: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxMegapixels: 40, maxMemoryMB: 512 };

export const JPEG_MAGIC = [0xff, 0xd8];
export const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function hexPrefix(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty input';
  const shown = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `first bytes ${shown}${bytes.length > 8 ? ' …' : ''}`;
}

/** SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc). */
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpegHeader(b: Uint8Array): ImageHeader {
  let at = 2;
  let adobe = false;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw new ImageError('corrupt', `corrupt JPEG: no marker at byte ${at} (0x${b[at]!.toString(16)})`);
    const marker = b[at + 1]!;
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { at += 2; continue; }
    const len = (b[at + 2]! << 8) | b[at + 3]!;
    const seg = at + 4;
    if (marker === 0xee && len >= 12 && String.fromCharCode(...b.subarray(seg, seg + 5)) === 'Adobe') adobe = true;
    if (isSof(marker)) {
      if (seg + 6 > b.length) break;
      const height = (b[seg + 1]! << 8) | b[seg + 2]!;
      const width = (b[seg + 3]! << 8) | b[seg + 4]!;
      const n = b[seg + 5]!;
      if (seg + 6 + 3 * n > b.length) break;
      const components = Array.from({ length: n }, (_, i) => {
        const o = seg + 6 + 3 * i;
        return { id: b[o]!, h: b[o + 1]! >> 4, v: b[o + 1]! & 15 };
      });
      return { format: 'jpeg', width, height, components, adobe, sof: marker };
    }
    if (marker === 0xda || marker === 0xd9) break; // scan or end before any frame header
    at = seg + len - 2;
  }
  throw new ImageError('corrupt', `corrupt JPEG: no frame header (SOF) in ${b.length} bytes`);
}

/** PNG IHDR sits at a fixed offset (after the 8-byte signature and the chunk length and type). */
function pngHeader(b: Uint8Array): ImageHeader {
  if (b.length < 24) throw new ImageError('corrupt', `corrupt PNG: only ${b.length} bytes, no complete IHDR`);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
}

/** Format and size from the first bytes; throws ImageError for anything that is not a JPEG or PNG. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  if (startsWith(bytes, JPEG_MAGIC)) return jpegHeader(bytes);
  if (startsWith(bytes, PNG_MAGIC)) return pngHeader(bytes);
  throw new ImageError('not-an-image', `not a JPEG or PNG (${hexPrefix(bytes)})`);
}

/**
 * The header, checked against the limits BEFORE decoding: a frame that claims zero rows or columns
 * (a JPEG whose height comes later in a DNL marker, or a broken PNG) or more pixels than allowed is
 * refused with a coded ImageError, whichever decoder would have run.
 */
export function checkedHeader(bytes: Uint8Array, limits: DecodeLimits): ImageHeader {
  const h = readImageHeader(bytes);
  const kind = h.format.toUpperCase();
  if (h.width === 0 || h.height === 0) throw new ImageError('zero-size', `${kind} refused: header says ${h.width}x${h.height} pixels`);
  if (h.width * h.height > limits.maxMegapixels * 1e6) {
    throw new ImageError('too-large', `${kind} refused: ${h.width}x${h.height} exceeds ${limits.maxMegapixels} MP`);
  }
  return h;
}
