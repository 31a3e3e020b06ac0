/**
 * The native decoder: sharp (libvips with mozjpeg, prebuilt, installed from the registry without
 * downloads). mozjpeg decodes as libjpeg-turbo does, fancy upsampling included, in a few ms per
 * 640×480 frame and off the event loop (libuv thread pool). Loaded lazily: when its binary cannot
 * load on this platform, `loadSharp()` gives undefined and image.ts falls back to the JS decoder.
 */
import type { Sharp, SharpOptions } from 'sharp';
import { ImageError } from '../../shared/errors.ts';
import { logger } from '../../shared/log.ts';
import type { DecodeLimits, ImageHeader, RgbImage } from './image-header.ts';

type SharpFn = (input: Uint8Array, options: SharpOptions) => Sharp;

let loading: Promise<SharpFn | undefined> | undefined;

/** sharp, or undefined (logged once) when it cannot load; `DEEPERTHINGS_DECODER=js` skips it. */
export function loadSharp(): Promise<SharpFn | undefined> {
  loading ??= process.env.DEEPERTHINGS_DECODER === 'js'
    ? Promise.resolve(undefined)
    : import('sharp').then((m) => m.default as unknown as SharpFn, (e: Error) => {
      logger('image').info(`sharp unavailable (${e.message.split('\n')[0]}); decoding frames in JS`);
      return undefined;
    });
  return loading;
}

/**
 * Decode to 8-bit RGB. The header was checked by the caller; `limitInputPixels` repeats the check
 * inside libvips, which reads the header before it decodes. Embedded ICC profiles are ignored, as
 * libjpeg, Darknet's stb_image and the JS decoder ignore them (the model saw raw samples in training).
 */
export async function decodeWithSharp(sharp: SharpFn, bytes: Uint8Array, header: ImageHeader, limits: DecodeLimits): Promise<RgbImage> {
  const kind = header.format.toUpperCase();
  let out: { data: Buffer; info: { width: number; height: number; channels: number; depth?: string } };
  try {
    out = await sharp(bytes, { limitInputPixels: Math.floor(limits.maxMegapixels * 1e6), ignoreIcc: true, failOn: 'error' })
      .removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    if (/pixel limit/i.test(reason)) throw new ImageError('too-large', `${kind} refused: ${reason}`);
    throw new ImageError('corrupt', `corrupt ${kind}: ${reason}`);
  }
  const { width, height, channels } = out.info;
  if (channels !== 3 || out.data.length !== width * height * 3) {
    throw new ImageError('corrupt', `corrupt ${kind}: decoded ${width}x${height}x${channels} with ${out.data.length} bytes`);
  }
  return { width, height, data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength) };
}

/** Baseline JPEG of an RGB image (mozjpeg, 4:2:0); quality 1..100. ~10 ms for 768×576 where jpeg-js takes 60–250. */
export async function encodeWithSharp(sharp: SharpFn, img: RgbImage, quality: number): Promise<Uint8Array> {
  const out = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).jpeg({ quality }).toBuffer();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}
