/** `--nms` and `model.nms`: the flag wins, then the config, then the head's default (agnostic). */
import { strict as assert } from 'node:assert';
import { nmsFromOpts } from '../../cli/nms-opt.ts';
import { DEFAULTS } from '../../shared/config/defaults.ts';
import { validateConfig } from '../../shared/config/load.ts';
import type { Config } from '../../shared/config/types.ts';

describe('cli: --nms per-class|agnostic', () => {
  const withNms = (nms: 'per-class' | 'agnostic'): Config => ({ ...DEFAULTS, model: { ...DEFAULTS.model, nms } });

  it('flag over config over default', () => {
    assert.equal(nmsFromOpts({ nms: 'per-class' }, withNms('agnostic')), 'per-class');
    assert.equal(nmsFromOpts({}, withNms('per-class')), 'per-class');
    assert.equal(nmsFromOpts({}, DEFAULTS), undefined);
    assert.equal(nmsFromOpts({ nms: 'agnostic' }), 'agnostic');
  });

  it('a bad value is a usage error naming the choices', () => {
    assert.throws(() => nmsFromOpts({ nms: 'sideways' }), { name: 'UsageError', message: "--nms: expected per-class or agnostic, got 'sideways'" });
  });

  it('model.nms is in the config schema', () => {
    assert.ok('config' in validateConfig({ model: { name: 'yolov2', nms: 'per-class' } }));
    const bad = validateConfig({ model: { name: 'yolov2', nms: 'sideways' } });
    assert.deepEqual('problems' in bad && bad.problems, ['model.nms: must be one of "per-class", "agnostic"']);
  });
});
