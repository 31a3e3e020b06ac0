/**
 * `planner --tail` (planner/choose/pin.ts): the plan the planner emits has the pinned tail types,
 * whatever the objective, and the pin reaches it from the CLI option and from the config.
 */
import assert from 'node:assert/strict';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import { UsageError } from '../../shared/errors.ts';
import type { Model } from '../../shared/model/ir.ts';
import type { PartitionKind, PlanDoc } from '../../shared/plan/types.ts';
import { equalDevices } from '../../planner/devices.ts';
import { choosePlan } from '../../planner/choose/choose.ts';
import { autoPlanFn } from '../../planner/auto.ts';
import { isWeightLayer } from '../../planner/plan/spec.ts';
import { enumOpt } from '../../cli/args.ts';
import { TAIL_PINS } from '../../shared/config/types.ts';
import { validateConfig, withDefaults } from '../../shared/config/load.ts';

let yolo: Model;
before(async () => { yolo = await loadDarknet(assetPath('darknet', 'yolov2.cfg')); });

/** Partition kinds of the weight layers after the FTP stack. */
function tailKinds(model: Model, plan: PlanDoc): PartitionKind[] {
  return plan.layers.filter((l, i) => l.partition !== 'ftp' && isWeightLayer(model.nodes[i]!)).map((l) => l.partition);
}

describe('planner --tail: the emitted plan has the pinned types (YOLOv2, N = 6)', () => {
  it('lop: every tail weight layer LOP (the unfused baseline), under comm and under latency', async () => {
    for (const objective of ['comm', 'latency']) {
      const c = await choosePlan(yolo, equalDevices(6), { objective, tail: 'lop' });
      const kinds = tailKinds(yolo, c.chosen.plan);
      assert.ok(kinds.length > 0 && kinds.every((k) => k === 'lop'), `${objective}: ${kinds.join(' ')}`);
      assert.equal(c.chosen.tail.label, 'unfused');
    }
  });

  it('fused: ILP-1\'s optimum with FUSE pairs, the same plan as the comm objective chooses unpinned', async () => {
    const pinned = await choosePlan(yolo, equalDevices(6), { tail: 'fused' });
    const auto = await choosePlan(yolo, equalDevices(6), {});
    const kinds = tailKinds(yolo, pinned.chosen.plan);
    assert.ok(kinds.includes('fuse1') && kinds.includes('fuse2'), kinds.join(' '));
    assert.deepEqual(kinds, tailKinds(yolo, auto.chosen.plan));
    const latency = await choosePlan(yolo, equalDevices(6), { objective: 'latency', tail: 'fused' });
    assert.equal(latency.chosen.tail.label, 'fused');
  });

  it('lip and seq: every tail weight layer LIP (LOP where a layer has fewer channels than devices), or SEQ', async () => {
    const lip = tailKinds(yolo, (await choosePlan(yolo, equalDevices(6), { tail: 'lip' })).chosen.plan);
    assert.ok(lip.filter((k) => k === 'lip').length >= lip.length - 1 && lip.every((k) => k === 'lip' || k === 'lop'), lip.join(' '));
    const seq = tailKinds(yolo, (await choosePlan(yolo, equalDevices(6), { tail: 'seq' })).chosen.plan);
    assert.ok(seq.length > 0 && seq.every((k) => k === 'seq'), seq.join(' '));
  });

  it('the planner service\'s plan function carries the pin (autoPlanFn, as `planner --tail lop` builds it)', async () => {
    const plan = await autoPlanFn({ source: 'yolov2', objective: 'comm', tail: 'lop' })(yolo, equalDevices(6));
    assert.ok(tailKinds(yolo, plan).every((k) => k === 'lop'));
    assert.ok(!plan.layers.some((l) => l.partition === 'fuse1'));
  });

  it('--tail and planner.tail: the config default is auto; a bad value names the flag or key and the choices', async () => {
    assert.equal(enumOpt({}, 'tail', TAIL_PINS, 'auto'), 'auto');
    assert.equal(enumOpt({ tail: 'lop' }, 'tail', TAIL_PINS, 'auto'), 'lop');
    assert.throws(() => enumOpt({ tail: 'fast' }, 'tail', TAIL_PINS, 'auto'), (e: unknown) => e instanceof UsageError && /--tail: expected fused \| lop \| lip \| seq \| auto, got 'fast'/.test(e.message));
    const ok = validateConfig(withDefaults({ planner: { tail: 'lop' } }));
    assert.ok('config' in ok && ok.config.planner.tail === 'lop' && ok.config.planner.objective === 'latency');
    const auto = validateConfig(withDefaults({}));
    assert.ok('config' in auto && auto.config.planner.tail === 'auto');
    const bad = validateConfig(withDefaults({ planner: { tail: 'fast' } }));
    assert.ok('problems' in bad && bad.problems.includes('planner.tail: must be one of "fused", "lop", "lip", "seq", "auto"'), JSON.stringify(bad));
  });
});
