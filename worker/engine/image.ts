/**
 * Camera frames in and snapshots out: JPEG/PNG decode (sniffed by magic bytes) and encode.
 * Decoding never throws from deep inside a codec: every failure becomes an `image: …` Error that
 * names what was wrong, so the ingest task can report it on the errors topic (STYLE.md §6).
 * Resizing to the model input lives in image-resize.ts and is re-exported here.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

export { toModelInput, resizeImage, letterboxSize, boxToImage, clampBox } from './image-resize.ts';
export type { BoxTransform, ModelInput, Box, LetterboxOffset } from './image-resize.ts';

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Refuse decompression bombs before they allocate: limits on decoded size. */
export interface DecodeLimits {
  /** 40 MP covers 8K frames (33 MP) with room; a camera frame above it is almost surely hostile. */
  readonly maxMegapixels: number;
  /** jpeg-js's own accounting of its working buffers (the RGB result of 40 MP alone is 120 MB). */
  readonly maxMemoryMB: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxMegapixels: 40, maxMemoryMB: 512 };

const JPEG_MAGIC = [0xff, 0xd8];
const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

function hexPrefix(bytes: Uint8Array): string {
  if (bytes.length === 0) return 'empty input';
  const shown = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `first bytes ${shown}${bytes.length > 8 ? ' …' : ''}`;
}

/** Decode a JPEG or PNG frame to RGB (alpha dropped, grey replicated). Throws `image: …` Errors. */
export function decodeImage(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): RgbImage {
  if (startsWith(bytes, JPEG_MAGIC)) return decodeJpeg(bytes, limits);
  if (startsWith(bytes, PNG_MAGIC)) return decodePng(bytes, limits);
  throw new Error(`image: not a JPEG or PNG (${hexPrefix(bytes)})`);
}

function decodeJpeg(bytes: Uint8Array, limits: DecodeLimits): RgbImage {
  let out: { width: number; height: number; data: Uint8Array };
  try {
    out = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // Tolerant mode would hand back a half-grey frame for a truncated upload; we want the error.
      tolerantDecoding: false,
      maxResolutionInMP: limits.maxMegapixels,
      maxMemoryUsageInMB: limits.maxMemoryMB,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (/limit exceeded|allocate/.test(reason)) {
      throw new Error(`image: JPEG refused (limits ${limits.maxMegapixels} MP, ${limits.maxMemoryMB} MB): ${reason}`);
    }
    // A cut-off upload is the common case; jpeg-js only says which marker it missed.
    const n = bytes.length;
    const truncated = !(bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9);
    throw new Error(`image: corrupt JPEG: ${reason}${truncated ? ` (${n} bytes, no FF D9 end marker: truncated?)` : ''}`);
  }
  if (!(out.width > 0 && out.height > 0) || out.data.length !== out.width * out.height * 3) {
    throw new Error(`image: corrupt JPEG: decoded ${out.width}x${out.height} with ${out.data.length} bytes`);
  }
  return { width: out.width, height: out.height, data: out.data };
}

/** PNG IHDR sits at a fixed offset (after the 8-byte signature and the chunk length and type). */
function pngHeaderSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function decodePng(bytes: Uint8Array, limits: DecodeLimits): RgbImage {
  const header = pngHeaderSize(bytes);
  if (!header) throw new Error(`image: corrupt PNG: only ${bytes.length} bytes, no complete IHDR`);
  // pngjs has no size limit of its own; check the header before it inflates anything.
  if (header.width * header.height > limits.maxMegapixels * 1e6) {
    throw new Error(`image: PNG refused: ${header.width}x${header.height} exceeds ${limits.maxMegapixels} MP`);
  }
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // pngjs reports a short stream as pending reads on a finished stream.
    throw new Error(`image: corrupt PNG: ${/read requests/.test(reason) ? 'truncated data' : reason}`);
  }
  // pngjs always hands back 8-bit RGBA (grey replicated, palette expanded); keep RGB.
  const n = png.width * png.height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    rgb[i * 3] = png.data[i * 4]!;
    rgb[i * 3 + 1] = png.data[i * 4 + 1]!;
    rgb[i * 3 + 2] = png.data[i * 4 + 2]!;
  }
  return { width: png.width, height: png.height, data: rgb };
}

function toRgba(img: RgbImage): Uint8Array {
  const n = img.width * img.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = img.data[i * 3]!;
    rgba[i * 4 + 1] = img.data[i * 3 + 1]!;
    rgba[i * 4 + 2] = img.data[i * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return rgba;
}

/** Baseline JPEG of an RGB image; quality 1..100 (Frigate's snapshots use 70). */
export function encodeJpeg(img: RgbImage, quality = 80): Uint8Array {
  const out = jpeg.encode({ width: img.width, height: img.height, data: toRgba(img) }, quality);
  return new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength);
}

/** Lossless 8-bit RGB PNG (colour type 2). */
export function encodePng(img: RgbImage): Uint8Array {
  const png = { width: img.width, height: img.height, data: Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
  const out = PNG.sync.write(png as PNG, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
