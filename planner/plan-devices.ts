/**
 * The devices a plan is made for: the ready workers, data source first, speeds corrected by the
 * calibration (calibration.ts).
 */
import type { WorkerInfo } from '../shared/wire/messages.ts';
import type { PlanDevice } from '../shared/plan/types.ts';
import type { Calibration } from './calibration.ts';

export interface PlanDevicesOptions {
  /** The configured data source (ingest + head), when ready. */
  readonly dataSource?: string;
  /** The current plan's data source, kept while it is ready. */
  readonly currentSource?: string;
  readonly calibration: Calibration;
}

/** `infos` as plan devices; undefined when there is none. */
export function planDevices(infos: readonly WorkerInfo[], o: PlanDevicesOptions): PlanDevice[] | undefined {
  if (infos.length === 0) return undefined;
  // The configured data source, else the current one while it is ready (a newcomer, real or forged, does not take the cameras).
  const src = [o.dataSource, o.currentSource].find((id) => id && infos.some((i) => i.id === id)) ?? infos[0]!.id;
  const ordered = [...infos.filter((i) => i.id === src), ...infos.filter((i) => i.id !== src)];
  return o.calibration.apply(ordered.map((i) => ({ id: i.id, memoryBytes: i.memoryBytes, speed: i.speedGflops, linkBps: i.linkBps, ...(i.profile ? { profile: i.profile } : {}) })));
}
