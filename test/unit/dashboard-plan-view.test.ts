/**
 * The plan picture's data (planner/ui/plan-view.ts), the offline SVG (plan-svg.ts) and the
 * per-stage predictions (stage-latency.ts) on real plans of the bundled YOLOv2 cfg (planning needs
 * shapes only, no tensors).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { loadDarknet } from '../../shared/model/darknet.ts';
import { assetPath } from '../../shared/assets.ts';
import type { Model } from '../../shared/model/ir.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { equalDevices } from '../../planner/devices.ts';
import { choosePlan } from '../../planner/choose/choose.ts';
import { planCost } from '../../planner/cost.ts';
import { planView, PARTITION_COLOURS } from '../../planner/ui/plan-view.ts';
import { planSvg } from '../../planner/ui/plan-svg.ts';
import { predictedStageTimes } from '../../planner/ui/stage-latency.ts';
import { writePlanImages } from '../../planner/ui/plan-image.ts';

describe('dashboard plan view (planner/ui)', () => {
  let model: Model, plan: PlanDoc;
  before(async () => {
    model = await loadDarknet(assetPath('darknet', 'yolov2.cfg'));
    plan = (await choosePlan(model, equalDevices(6), { objective: 'comm', build: { source: 'yolov2' } })).chosen.plan;
  });

  it('yolov2 N=6: one strip cell per layer with the plan\'s partition type and its colour', () => {
    const v = planView(plan);
    assert.equal(v.layers.length, plan.layers.length);
    assert.deepEqual(v.layers.map((l) => l.partition), plan.layers.map((l) => l.partition));
    for (const l of v.layers) assert.equal(l.colour, PARTITION_COLOURS[l.partition]);
  });

  it('yolov2 N=6: the FTP tiles cover the map exactly once, one device each', () => {
    const f = planView(plan).ftp!;
    assert.equal(f.tiles.length, f.rows * f.cols);
    const area = f.tiles.reduce((s, t) => s + (t.y1 - t.y0) * (t.x1 - t.x0), 0);
    assert.ok(Math.abs(area - 1) < 1e-9, `tile areas sum to ${area}`);
    const ids = new Set(plan.devices.map((d) => d.id));
    for (const t of f.tiles) assert.ok(ids.has(t.worker));
  });

  it('yolov2 N=6: every split tail stage cuts its channel axis into contiguous device ranges', () => {
    for (const s of planView(plan).tail.filter((t) => t.parts.length > 1)) {
      const sorted = [...s.parts].sort((a, b) => a.c0 - b.c0);
      assert.equal(sorted[0]!.c0, 0, s.stage);
      for (let i = 1; i < sorted.length; i++) assert.equal(sorted[i]!.c0, sorted[i - 1]!.c1, `${s.stage} part ${i}`);
      assert.equal(sorted.at(-1)!.c1, s.channels, s.stage);
    }
  });

  it('the SVG has one rect per layer, in order, with the plan\'s types', () => {
    const svg = planSvg(planView(plan));
    const types = [...svg.matchAll(/data-layer="(\d+)" data-type="([a-z0-9]+)"/g)].map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(types, plan.layers.map((l) => [l.index, l.partition]));
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.doesNotMatch(svg, /https?:\/\/(?!www\.w3\.org)/, 'no external references');
  });

  it('plan --svg/--png: sharp rasterises the SVG offline at twice its size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dt-plan-'));
    await writePlanImages(plan, { svg: join(dir, 'p.svg'), png: join(dir, 'p.png') });
    const svgW = Number(/width="(\d+)"/.exec(readFileSync(join(dir, 'p.svg'), 'utf8'))![1]);
    const meta = await sharp(join(dir, 'p.png')).metadata();
    assert.equal(meta.format, 'png');
    assert.equal(meta.width, svgW * 2);
  });

  it('stage predictions: monotone ends, the last equals the plan\'s predicted latency', () => {
    const times = predictedStageTimes(model, plan);
    const ends = plan.stages.map((s) => times[s.id]!.endMs);
    for (let i = 1; i < ends.length; i++) assert.ok(ends[i]! >= ends[i - 1]!, `stage ${plan.stages[i]!.id}`);
    assert.ok(Math.abs(ends.at(-1)! - planCost(model, plan).latencyMs) < 0.1, `${ends.at(-1)} vs ${planCost(model, plan).latencyMs}`);
    for (const s of plan.stages) assert.ok(times[s.id]!.computeMs >= 0);
  });
});
