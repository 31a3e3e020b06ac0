/**
 * JPEG decoding like libjpeg (issue 10 item 16): sharp (mozjpeg, a libjpeg-turbo) is the reference
 * and the primary decoder; the JS fallback must give its pixels. Fixtures with flat 8×8 blocks have
 * known stored samples in every chroma layout, so the only thing left to differ is upsampling and
 * colour conversion — which must match exactly; on real photos the IDCTs differ by a few levels.
 */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import sharp from 'sharp';
import { decodeFrame, decodeImage, readImageHeader, type RgbImage } from '../../worker/engine/image.ts';
import { flatJpeg, type Sampling } from '../support/jpeg-fixture.ts';

const asset = (name: string) => new Uint8Array(readFileSync(new URL(`../../assets/${name}`, import.meta.url)));
const LAYOUTS: Record<string, Sampling> = {
  '4:2:2': [[2, 1], [1, 1], [1, 1]], '4:2:0': [[2, 2], [1, 1], [1, 1]], '4:4:0': [[1, 2], [1, 1], [1, 1]], '4:4:4': [[1, 1], [1, 1], [1, 1]],
};
const CB = [60, 200, 90, 170, 30];
const CR = [200, 50, 180, 80, 220];
const fixture = (sampling: Sampling, width = 64, height = 16) => flatJpeg({
  width, height, sampling, block: (k, bx, by) => (k === 0 ? 60 + 13 * bx + 20 * by : k === 1 ? CB[(bx + by) % 5]! : CR[(bx + 2 * by) % 5]!),
});

function diff(a: RgbImage, b: RgbImage): { max: number; mean: number } {
  assert.deepEqual([a.width, a.height], [b.width, b.height]);
  let max = 0, sum = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = Math.abs(a.data[i]! - b.data[i]!);
    max = Math.max(max, d);
    sum += d;
  }
  return { max, mean: sum / a.data.length };
}

/** JFIF YCbCr → RGB in floating point: libjpeg's fixed-point tables land within ±1 of it. */
const rgbOf = (y: number, cb: number, cr: number) => [y + 1.402 * (cr - 128), y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128), y + 1.772 * (cb - 128)]
  .map((v) => Math.min(255, Math.max(0, Math.round(v))));
const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
const near = (got: number[], want: number[], tol: number, what: string) =>
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]!) <= tol, `${what}: [${got}] vs [${want}]`));

describe('image: JPEG decoding like libjpeg (fancy upsampling)', function () {
  this.timeout(60_000);

  it('4:2:2 fixture, known pixels: the chroma step at x = 16 is blended 3/4 + 1/4 by both decoders', async () => {
    const bytes = fixture(LAYOUTS['4:2:2']!);
    assert.deepEqual(readImageHeader(bytes).components?.map((c) => [c.h, c.v]), [[2, 1], [1, 1], [1, 1]]);
    const native = await decodeFrame(bytes, undefined, 'sharp');
    const js = decodeImage(bytes);
    // Row 0: chroma block 0 (Cb 60, Cr 200) meets block 1 (Cb 200, Cr 50) between x = 15 and 16;
    // luma block 1 (73) covers x = 8..15 and block 2 (86) x = 16..23.
    const blend = (a: number, b: number) => (3 * a + b) / 4;
    const want = {
      8: rgbOf(73, 60, 200), 15: rgbOf(73, blend(60, 200), blend(200, 50)),
      16: rgbOf(86, blend(200, 60), blend(50, 200)), 23: rgbOf(86, 200, 50),
    };
    for (const [x, rgb] of Object.entries(want)) {
      near(px(native, Number(x), 0), rgb, 1, `sharp (libjpeg) x=${x}`);
      near(px(js, Number(x), 0), rgb, 1, `JS x=${x}`);
    }
    assert.deepEqual(diff(js, native), { max: 0, mean: 0 }, 'JS and libjpeg agree exactly on flat blocks');
    // What the JS decoder did before: replicated chroma, a hard step (R 61 levels off at x = 15).
    const replicated = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
    assert.ok(diff({ width: 64, height: 16, data: replicated.data }, native).max > 30);
  });

  for (const [name, sampling] of Object.entries(LAYOUTS)) {
    for (const [w, h] of [[61, 13], [33, 40], [3, 3]] as const) {
      it(`${name} ${w}x${h} (image edges, partial MCUs): JS equals libjpeg exactly`, async () => {
        const bytes = fixture(sampling, w, h);
        assert.deepEqual(diff(decodeImage(bytes), await decodeFrame(bytes, undefined, 'sharp')), { max: 0, mean: 0 });
      });
    }
  }

  it('real photos (dog.jpg 4:2:0, a 4:4:4 and a 4:2:0 re-encode): JS within 4 levels of libjpeg (IDCT rounding)', async () => {
    const dog = asset('dog.jpg');
    const re444 = new Uint8Array(await sharp(dog).jpeg({ quality: 85, chromaSubsampling: '4:4:4' }).toBuffer());
    const re420 = new Uint8Array(await sharp(asset('horses.jpg')).jpeg({ quality: 75, chromaSubsampling: '4:2:0' }).toBuffer());
    for (const [name, bytes] of [['dog.jpg', dog], ['4:4:4', re444], ['4:2:0', re420]] as const) {
      const d = diff(decodeImage(bytes), await decodeFrame(bytes, undefined, 'sharp'));
      // Measured: max 3, mean 0.14 on dog.jpg (jpeg-js's replication was max 34, mean 0.91).
      assert.ok(d.max <= 4 && d.mean < 0.25, `${name}: max ${d.max}, mean ${d.mean.toFixed(3)}`);
    }
  });

  it("decodeFrame 'js' is the fallback decoder; grey JPEGs come back as RGB from both", async () => {
    const bytes = fixture(LAYOUTS['4:2:0']!);
    assert.deepEqual((await decodeFrame(bytes, undefined, 'js')).data, decodeImage(bytes).data);
    const grey = new Uint8Array(await sharp(Buffer.alloc(16 * 8, 77), { raw: { width: 16, height: 8, channels: 1 } }).jpeg().toBuffer());
    for (const img of [decodeImage(grey), await decodeFrame(grey, undefined, 'sharp')]) {
      assert.equal(img.data.length, 16 * 8 * 3);
      near(px(img, 5, 5), [77, 77, 77], 1, 'grey');
    }
  });

  it('DEEPERTHINGS_DECODER=js makes decodeFrame fall back to the JS decoder (as when sharp cannot load)', async () => {
    const image = fileURLToPath(new URL('../../worker/engine/image.ts', import.meta.url));
    const code = `const m = await import(${JSON.stringify(image)}); process.stdout.write(await m.frameDecoder());`;
    const run = (env: NodeJS.ProcessEnv) => new Promise<string>((resolve, reject) => execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code],
      { env: { ...process.env, ...env } }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))));
    assert.equal(await run({ DEEPERTHINGS_DECODER: 'js' }), 'js');
    assert.equal(await run({ DEEPERTHINGS_DECODER: '' }), 'sharp');
  });
});
