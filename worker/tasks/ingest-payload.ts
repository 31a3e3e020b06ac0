/**
 * Camera payloads as they arrive in practice (ECOSYSTEM §5): raw JPEG/PNG bytes (the common case),
 * or base64, optionally as a `data:image/...;base64,` URI. Anything else is a clear error.
 */
import { decodeFrame, frameDecoder, type RgbImage } from '../engine/image.ts';

const BASE64 = /^[A-Za-z0-9+/=\r\n]+$/;

// Load sharp while the worker starts, not on the first frame (its import takes 0.1–1.5 s).
void frameDecoder();

/** Raw image bytes from a camera payload. */
export function imageBytes(payload: Uint8Array): Uint8Array {
  const head = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.length, 64)).toString('latin1');
  if (head.startsWith('data:')) {
    const text = Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('latin1');
    const comma = text.indexOf(',');
    if (comma < 0 || !/;base64$/i.test(text.slice(0, comma))) throw new Error('image: data URI without ";base64,"');
    return Buffer.from(text.slice(comma + 1), 'base64');
  }
  if (payload.length >= 8 && BASE64.test(head)) {
    const text = Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('latin1').trim();
    if (BASE64.test(text)) return Buffer.from(text, 'base64');
  }
  return payload;
}

/** Decoded frame: sharp when it loads, the JS decoder otherwise (engine/image.ts decodeFrame). */
export function decodeCameraPayload(payload: Uint8Array): Promise<RgbImage> {
  return decodeFrame(imageBytes(payload));
}
