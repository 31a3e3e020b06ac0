/**
 * Camera frames in and snapshots out: JPEG/PNG decode (sniffed by magic bytes) and encode.
 * Decoding never throws from deep inside a codec: every failure becomes a coded ImageError
 * (`image: …`) that names what was wrong, so the ingest task can report it on the errors topic
 * (STYLE.md §6). Headers and limits: image-header.ts; native decoding: image-sharp.ts; the JS
 * JPEG fallback with libjpeg's upsampling: image-jpeg.ts. Resizing: image-resize.ts (re-exported).
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { ImageError } from '../../shared/errors.ts';
import { checkedHeader, DEFAULT_DECODE_LIMITS, type DecodeLimits, type RgbImage } from './image-header.ts';
import { decodeJpegJs } from './image-jpeg.ts';
import { decodeWithSharp, encodeWithSharp, loadSharp } from './image-sharp.ts';

export { toModelInput, resizeImage, letterboxSize, boxToImage, clampBox } from './image-resize.ts';
export type { BoxTransform, ModelInput, Box, LetterboxOffset } from './image-resize.ts';
export { DEFAULT_DECODE_LIMITS, readImageHeader, type DecodeLimits, type ImageHeader, type RgbImage } from './image-header.ts';

/** Which decoder `decodeFrame` uses: sharp (native libjpeg) when it loads, else the JS fallback. */
export type ImageDecoder = 'sharp' | 'js';

/**
 * Decode a JPEG or PNG frame to RGB (alpha dropped, grey replicated) with the pure-JS decoders,
 * synchronously. The ingest path uses `decodeFrame`, which prefers sharp; both give libjpeg's pixels
 * (image-jpeg.ts says how close). Throws coded ImageErrors (`image: …`).
 */
export function decodeImage(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): RgbImage {
  const header = checkedHeader(bytes, limits);
  return header.format === 'jpeg' ? decodeJpegJs(bytes, header, limits) : decodePng(bytes);
}

/**
 * Decode a camera frame: sharp when it loads (about 10× faster than JS, off the event loop), the
 * JS decoders otherwise or when `decoder` is 'js'. Size limits and empty frames are refused from
 * the header, before either decoder allocates anything.
 */
export async function decodeFrame(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS, decoder?: ImageDecoder): Promise<RgbImage> {
  const header = checkedHeader(bytes, limits);
  const sharp = decoder === 'js' ? undefined : await loadSharp();
  if (decoder === 'sharp' && !sharp) throw new ImageError('unsupported', 'sharp is not available on this platform');
  if (sharp) return decodeWithSharp(sharp, bytes, header, limits);
  return header.format === 'jpeg' ? decodeJpegJs(bytes, header, limits) : decodePng(bytes);
}

/** The decoder `decodeFrame` picks here (for logs and benches). */
export async function frameDecoder(): Promise<ImageDecoder> {
  return (await loadSharp()) ? 'sharp' : 'js';
}

function decodePng(bytes: Uint8Array): RgbImage {
  let png: { width: number; height: number; data: Uint8Array };
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    // pngjs reports a short stream as pending reads on a finished stream.
    throw new ImageError('corrupt', `corrupt PNG: ${/read requests/.test(reason) ? 'truncated data' : reason}`);
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

/** JPEG of a frame for snapshots: sharp when it loads, else jpeg-js (`encodeJpeg`); quality 1..100. */
export async function encodeFrameJpeg(img: RgbImage, quality = 80, encoder?: ImageDecoder): Promise<Uint8Array> {
  const sharp = encoder === 'js' ? undefined : await loadSharp();
  return sharp ? encodeWithSharp(sharp, img, quality) : encodeJpeg(img, quality);
}

/** Baseline JPEG of an RGB image with jpeg-js, synchronously; quality 1..100 (Frigate's snapshots use 70). */
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
