/**
 * What the gateway of one `bench cluster` plan runs (bench/cluster/gateway.ts): its spec, and the
 * planner it starts from it (objective, tail pin and wire dtype, as `planner --objective --tail --wire`).
 */
import type { TailPin } from '../../shared/config/types.ts';
import type { WireDtype } from '../../shared/plan/wire.ts';
import { autoPlanFn } from '../../planner/auto.ts';

export interface GatewaySpec {
  readonly plan: string;
  readonly model: string;
  readonly objective: string;
  readonly tail: TailPin;
  readonly workers: readonly { readonly id: string; readonly gwIf: string }[];
  readonly frames: number;
  readonly pipelined: number;
  readonly port: number;
  readonly deadlineMs: number;
  /** `--wire`: the planner's `planner.wire`; absent: its default. */
  readonly wire?: WireDtype;
}

export function gatewayPlanFn(spec: GatewaySpec): ReturnType<typeof autoPlanFn> {
  return autoPlanFn({ source: spec.model, objective: spec.objective, tail: spec.tail, ...(spec.wire ? { wire: spec.wire } : {}) });
}
