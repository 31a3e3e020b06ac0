/**
 * Writing the plan picture offline (`plan --svg FILE`, `plan --png FILE`): the SVG of plan-svg.ts,
 * rasterised by sharp (libvips, shipped inside its npm package, so it works without a network).
 */
import { writeFile } from 'node:fs/promises';
import type { PlanDoc } from '../../shared/plan/types.ts';
import { planView } from './plan-view.ts';
import { planSvg } from './plan-svg.ts';

export async function writePlanImages(plan: PlanDoc, o: { svg?: string; png?: string; explain?: readonly string[] }): Promise<void> {
  const svg = planSvg(planView(plan, { explain: o.explain }));
  if (o.svg) await writeFile(o.svg, svg);
  if (o.png) {
    const { default: sharp } = await import('sharp');
    // density 144: twice the SVG's 72-dpi user units, so text stays sharp on high-DPI screens.
    await sharp(Buffer.from(svg), { density: 144 }).png().toFile(o.png);
  }
}
