import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import {
  boxToImage, clampBox, decodeFrame, decodeImage, encodeFrameJpeg, encodeJpeg, encodePng, letterboxSize, resizeImage, toModelInput, type DecodeLimits, type RgbImage,
} from '../../worker/engine/image.ts';
import { ImageError } from '../../shared/errors.ts';

const asset = (name: string) => new Uint8Array(readFileSync(new URL(`../../assets/${name}`, import.meta.url)));
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-6) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `index ${i}: ${a[i]} vs ${b[i]}`);
};

/** A deterministic pseudo-random image (LCG), so failures reproduce. */
function noise(width: number, height: number, seed = 7): RgbImage {
  const data = new Uint8Array(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) data[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return { width, height, data };
}

describe('image: decode', () => {
  const dog = decodeImage(asset('dog.jpg'));

  it('dog.jpg is 768x576 RGB with plausible pixels', () => {
    assert.deepEqual([dog.width, dog.height, dog.data.length], [768, 576, 768 * 576 * 3]);
    // Top-left is the dark olive background of the porch photo.
    const px = Array.from(dog.data.subarray(0, 3));
    close(px, [58, 59, 50], 8);
    const mean = dog.data.reduce((a, v) => a + v, 0) / dog.data.length;
    assert.ok(mean > 60 && mean < 180, `mean ${mean}`);
  });

  it('horses.jpg is 773x512 and far from uniform', () => {
    const img = decodeImage(asset('horses.jpg'));
    assert.deepEqual([img.width, img.height], [773, 512]);
    const values = new Set(img.data);
    assert.ok(values.size > 200, `only ${values.size} distinct byte values`);
  });

  it('PNG round trip is exact', () => {
    const img = noise(7, 5);
    const back = decodeImage(encodePng(img));
    assert.deepEqual([back.width, back.height], [7, 5]);
    assert.deepEqual(back.data, img.data);
  });

  it('PNG with alpha drops alpha; grey PNG replicates', () => {
    const rgba = new PNG({ width: 2, height: 1 });
    rgba.data.set([10, 20, 30, 0, 40, 50, 60, 128]);
    const a = decodeImage(new Uint8Array(PNG.sync.write(rgba, { colorType: 6 })));
    assert.deepEqual(Array.from(a.data), [10, 20, 30, 40, 50, 60]);
    const grey = new PNG({ width: 2, height: 1 });
    grey.data.set([90, 90, 90, 255, 200, 200, 200, 255]);
    const g = decodeImage(new Uint8Array(PNG.sync.write(grey, { colorType: 0 })));
    assert.deepEqual(Array.from(g.data), [90, 90, 90, 200, 200, 200]);
  });

  it('JPEG encode decodes back to the same size and close colours', () => {
    const flat: RgbImage = { width: 16, height: 8, data: new Uint8Array(16 * 8 * 3).fill(120) };
    const back = decodeImage(encodeJpeg(flat, 90));
    assert.deepEqual([back.width, back.height], [16, 8]);
    close(back.data, flat.data, 3);
  });

  it('snapshot JPEGs (encodeFrameJpeg) with sharp and with jpeg-js decode back close to the frame', async () => {
    const dog = decodeImage(asset('dog.jpg'));
    for (const encoder of ['sharp', 'js'] as const) {
      const jpg = await encodeFrameJpeg(dog, 90, encoder);
      assert.deepEqual([jpg[0], jpg[1]], [0xff, 0xd8], encoder);
      const back = decodeImage(jpg);
      assert.deepEqual([back.width, back.height], [768, 576]);
      const mean = back.data.reduce((a, v, i) => a + Math.abs(v - dog.data[i]!), 0) / back.data.length;
      assert.ok(mean < 4, `${encoder}: mean abs diff ${mean}`);
    }
  });
});

type Decode = (bytes: Uint8Array, limits?: DecodeLimits) => Promise<RgbImage>;
const DECODERS: [string, Decode][] = [
  ['js', async (b, l) => decodeImage(b, l)],
  ['sharp', (b, l) => decodeFrame(b, l, 'sharp')],
];

for (const [name, decode] of DECODERS) {
  describe(`image: bad input gives clear coded errors (${name} decoder)`, () => {
    const code = (c: string, message: RegExp | string) => (e: unknown) => {
      assert.ok(e instanceof ImageError, String(e));
      assert.equal(e.code, c);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    };
    it('an HTML page', async () => {
      const html = new TextEncoder().encode('<html><body>502 Bad Gateway</body></html>');
      await assert.rejects(decode(html), code('not-an-image', 'image: not a JPEG or PNG (first bytes 3c 68 74 6d 6c 3e 3c 62 …)'));
    });
    it('random garbage and empty input', async () => {
      await assert.rejects(decode(noise(10, 10).data), code('not-an-image', /^image: not a JPEG or PNG \(first bytes [0-9a-f ]+…\)$/));
      await assert.rejects(decode(new Uint8Array(0)), code('not-an-image', 'image: not a JPEG or PNG (empty input)'));
    });
    it('truncated JPEG, and JPEG magic followed by garbage', async () => {
      await assert.rejects(decode(asset('dog.jpg').subarray(0, 20000)), code('corrupt', /^image: corrupt JPEG: /));
      const fake = noise(10, 10).data;
      fake.set([0xff, 0xd8]);
      await assert.rejects(decode(fake), code('corrupt', /^image: corrupt JPEG: /));
    });
    it('truncated PNG', async () => {
      const png = encodePng(noise(20, 20));
      await assert.rejects(decode(png.subarray(0, png.length - 30)), code('corrupt', /^image: corrupt PNG: /));
      await assert.rejects(decode(png.subarray(0, 12)), code('corrupt', /^image: corrupt PNG: only 12 bytes/));
    });
    it('decompression bombs are refused from the header, before decoding', async () => {
      const jpg = asset('dog.jpg').slice();
      const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
      jpg.set([0xfd, 0xe8, 0xfd, 0xe8], sof + 5); // claim 65000x65000
      await assert.rejects(decode(jpg), code('too-large', 'image: JPEG refused: 65000x65000 exceeds 40 MP'));
      await assert.rejects(decode(asset('dog.jpg'), { maxMegapixels: 0.1, maxMemoryMB: 512 }), code('too-large', 'image: JPEG refused: 768x576 exceeds 0.1 MP'));
      const png = encodePng(noise(4, 4));
      new DataView(png.buffer, png.byteOffset).setUint32(16, 100000);
      new DataView(png.buffer, png.byteOffset).setUint32(20, 100000);
      await assert.rejects(decode(png), code('too-large', 'image: PNG refused: 100000x100000 exceeds 40 MP'));
    });
    it('zero-width and zero-height frames are refused with code zero-size', async () => {
      const jpg = asset('dog.jpg').slice();
      const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
      jpg.set([0, 0], sof + 7); // width 0
      await assert.rejects(decode(jpg), code('zero-size', 'image: JPEG refused: header says 0x576 pixels'));
      const png = encodePng(noise(4, 4));
      new DataView(png.buffer, png.byteOffset).setUint32(20, 0);
      await assert.rejects(decode(png), code('zero-size', 'image: PNG refused: header says 4x0 pixels'));
    });
  });
}

describe('image: Darknet resize_image', () => {
  it('3x2 -> 5x3, one channel, by hand', () => {
    // Horizontal (w_scale 0.5): row0 [0 .15 .3 .6 .9], row1 [.6 .4 .2 .3 .4]; vertical (h_scale 0.5) averages them.
    const src = new Float32Array([0, 0.3, 0.9, 0.6, 0.2, 0.4]);
    close(resizeImage(src, 3, 2, 1, 5, 3), [0, 0.15, 0.3, 0.6, 0.9, 0.3, 0.275, 0.25, 0.45, 0.65, 0.6, 0.4, 0.2, 0.3, 0.4]);
  });
  it('4x1 -> 3x1: sx = 1.5 blends columns 1 and 2, the last column is copied', () => {
    close(resizeImage(new Float32Array([0.1, 0.2, 0.6, 1]), 4, 1, 1, 3, 1), [0.1, 0.4, 1]);
  });
  it('channels stay apart and same size is the identity', () => {
    const src = new Float32Array([0, 1, 0.3, 0.7, 0.9, 0.1, 0.6, 0.4, 0.2, 0.8, 0.4, 0.6]); // 3x2x2, ch1 = 1 - ch0
    const out = resizeImage(src, 3, 2, 2, 5, 3);
    for (let i = 0; i < out.length; i += 2) assert.ok(Math.abs(out[i]! + out[i + 1]! - 1) < 1e-6);
    close(resizeImage(src, 3, 2, 2, 3, 2), src);
  });
});

describe('image: toModelInput', () => {
  const dog = decodeImage(asset('dog.jpg'));
  const net = { h: 416, w: 416, c: 3 };

  it('letterbox geometry matches Darknet letterbox_image', () => {
    assert.deepEqual(letterboxSize(768, 576, 416, 416), { x: 0, y: 52, w: 416, h: 312 });
    assert.deepEqual(letterboxSize(773, 512, 416, 416), { x: 0, y: 70, w: 416, h: 275 });
    assert.deepEqual(letterboxSize(300, 600, 416, 416), { x: 104, y: 0, w: 208, h: 416 });
  });

  it('letterbox 768x576 -> 416x416: content rows 52..363, 0.5 elsewhere', () => {
    const { tensor, transform } = toModelInput(dog, net, { resize: 'letterbox', scale: 1 / 255 });
    assert.deepEqual(tensor.shape, net);
    assert.deepEqual(transform.content, { x: 0, y: 52, w: 416, h: 312 });
    const row = (r: number) => tensor.data.subarray(r * 416 * 3, (r + 1) * 416 * 3);
    for (const r of [0, 51, 364, 415]) assert.ok(row(r).every((v) => v === 0.5), `row ${r} is not all 0.5`);
    for (const r of [52, 200, 363]) assert.ok(row(r).some((v) => v !== 0.5), `row ${r} has no content`);
    // resize_image maps corners onto corners.
    close(row(52).subarray(0, 3), Array.from(dog.data.subarray(0, 3), (v) => v / 255));
    const last = dog.data.length - 3;
    close(row(363).subarray(415 * 3), Array.from(dog.data.subarray(last), (v) => v / 255));
  });

  it('stretch fills the input; mean/std normalise', () => {
    const img: RgbImage = { width: 2, height: 2, data: new Uint8Array([255, 0, 51, 255, 0, 51, 255, 0, 51, 255, 0, 51]) };
    const { tensor, transform } = toModelInput(img, { h: 3, w: 4, c: 3 }, { resize: 'stretch', scale: 1 / 255, mean: [0.5], std: [0.25] });
    assert.deepEqual(transform.content, { x: 0, y: 0, w: 4, h: 3 });
    for (let i = 0; i < 12; i++) close(tensor.data.subarray(i * 3, i * 3 + 3), [2, -2, -1.2], 1e-5);
  });

  it('boxToImage undoes the letterbox; clampBox keeps boxes in the frame', () => {
    const { transform } = toModelInput(dog, net, { resize: 'letterbox', scale: 1 / 255 });
    close(boxToImage(transform, [0, 52 / 416, 1, 364 / 416]), [0, 0, 768, 576], 1e-9);
    close(boxToImage(transform, [0.25, 0.5, 0.5, 0.75]), [192, (208 - 52) * 576 / 312, 384, (312 - 52) * 576 / 312], 1e-9);
    assert.deepEqual(clampBox(transform, [-5, -1, 800, 600]), [0, 0, 768, 576]);
  });

  it('rejects non-RGB models and short data', () => {
    assert.throws(() => toModelInput(dog, { h: 8, w: 8, c: 1 }, { resize: 'stretch', scale: 1 }), /image: model input has 1 channels/);
    assert.throws(() => toModelInput({ width: 4, height: 4, data: new Uint8Array(5) }, net, { resize: 'stretch', scale: 1 }), /does not match 4x4/);
  });
});
