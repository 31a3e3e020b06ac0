/** `--nms` and `cameras.<name>.nms`: the flag wins, then the camera's config, then the head's default (agnostic). */
import { strict as assert } from 'node:assert';
import { cameraDecodeOptions, nmsFromOpts } from '../../cli/nms-opt.ts';
import { CAMERA_DEFAULTS, DEFAULTS } from '../../shared/config/defaults.ts';
import { validateConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/types.ts';

describe('cli: --nms per-class|agnostic', () => {
  it('the flag is checked; absent, the camera config and then the default apply', () => {
    assert.equal(nmsFromOpts({ nms: 'per-class' }), 'per-class');
    assert.equal(nmsFromOpts({ nms: 'agnostic' }), 'agnostic');
    assert.equal(nmsFromOpts({}), undefined);
  });

  it('a bad value is a usage error naming the choices', () => {
    assert.throws(() => nmsFromOpts({ nms: 'sideways' }), { name: 'UsageError', message: "--nms: expected per-class or agnostic, got 'sideways'" });
  });

  it('cameras.<name>.nms and .threshold become decode options per camera', () => {
    const config: Config = { ...DEFAULTS, cameras: {
      porch: { ...CAMERA_DEFAULTS, nms: 'per-class', threshold: 0.3 }, yard: { ...CAMERA_DEFAULTS, nms: 'agnostic' }, gate: { ...CAMERA_DEFAULTS },
    } };
    assert.deepEqual([...cameraDecodeOptions(config)], [['porch', { threshold: 0.3, nms: 'per-class' }], ['yard', { nms: 'agnostic' }]]);
  });

  it('cameras.<name>.nms is in the config schema', () => {
    assert.ok('config' in validateConfig({ cameras: { porch: { nms: 'per-class' } } }));
    const bad = validateConfig({ cameras: { porch: { nms: 'sideways' } } });
    assert.deepEqual('problems' in bad && bad.problems, ['cameras.porch.nms: must be one of "per-class", "agnostic"']);
  });
});
