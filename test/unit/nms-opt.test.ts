/** `--nms` and `cameras.<name>.nms`: a camera's config wins, then the flag, then the head's default (agnostic). */
import { strict as assert } from 'node:assert';
import { nmsFromOpts } from '../../cli/nms-opt.ts';
import { cameraOptions } from '../../cli/config-opts.ts';
import { CAMERA_DEFAULTS, DEFAULTS } from '../../shared/config/defaults.ts';
import { validateConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/types.ts';

describe('cli: --nms per-class|agnostic', () => {
  it('the flag is checked; absent, the head\'s default applies', () => {
    assert.equal(nmsFromOpts({ nms: 'per-class' }), 'per-class');
    assert.equal(nmsFromOpts({ nms: 'agnostic' }), 'agnostic');
    assert.equal(nmsFromOpts({}), undefined);
  });

  it('a bad value is a usage error naming the choices', () => {
    assert.throws(() => nmsFromOpts({ nms: 'sideways' }), { name: 'UsageError', message: "--nms: expected per-class or agnostic, got 'sideways'" });
  });

  it('cameras.<name>.nms reaches the worker with the camera options', () => {
    const config: Config = { ...DEFAULTS, cameras: { porch: { ...CAMERA_DEFAULTS, nms: 'per-class' }, gate: { ...CAMERA_DEFAULTS } } };
    const cams = cameraOptions(config);
    assert.deepEqual([cams.get('porch')?.nms, cams.get('gate')?.nms], ['per-class', undefined]);
  });

  it('cameras.<name>.nms is in the config schema', () => {
    assert.ok('config' in validateConfig({ cameras: { porch: { nms: 'per-class' } } }));
    const bad = validateConfig({ cameras: { porch: { nms: 'sideways' } } });
    assert.deepEqual('problems' in bad && bad.problems, ['cameras.porch.nms: must be one of "per-class", "agnostic"']);
  });
});
