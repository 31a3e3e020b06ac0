/**
 * Assembling the roles: connect a transport with the right Last Will, start a worker, a planner.
 * Used by `up`, `worker`, `planner` and the integration tests (the one place both planner and
 * worker code meet, as DESIGN.md's arrows allow only in cli/).
 */
import type { DriftOptions } from '../planner/drift.ts';
import { hostname } from 'node:os';
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Transport, Will } from '../shared/transport/types.ts';
import { connectMqtt } from '../shared/transport/mqtt.ts';
import type { MemoryBus } from '../shared/transport/memory.ts';
import { Topics } from '../shared/topics.ts';
import type { WorkerInfo } from '../shared/wire/messages.ts';
import { Worker, type WorkerContext } from '../worker/service.ts';
import { cachingModelLoader } from '../worker/model-cache.ts';
import { PlannerService, type PlanFn } from '../planner/service.ts';
import { ControlPlane } from '../planner/control-plane.ts';
import type { Config } from '../shared/config/types.ts';
import type { SpeedProfile } from '../shared/plan/speed-profile.ts';

/** `protocol` 4 pins MQTT 3.1.1 (config `mqtt.protocol: 4`); by default MQTT 5 where the broker speaks it. */
/** `ca`: PEM of a private CA for mqtts:// and wss:// (`--ca`). */
export type Target = { readonly url: string; readonly username?: string; readonly password?: string; readonly protocol?: 4; readonly ca?: string } | { readonly bus: MemoryBus };

export async function connect(target: Target, clientId: string, will?: Will): Promise<Transport> {
  if ('bus' in target) return target.bus.connect({ clientId, will });
  return connectMqtt({ url: target.url, clientId, will, username: target.username, password: target.password, protocol: target.protocol ?? 'auto', ...(target.ca ? { ca: target.ca } : {}) });
}

export interface WorkerOptions {
  readonly id: string;
  readonly memoryBytes: number;
  readonly speedGflops: number;
  readonly linkBps: number;
  readonly backend: string;
  /** Measured speed per work class (worker/engine/speed.ts), announced in the retained info. */
  readonly profile?: SpeedProfile;
  readonly preloaded?: { model: Model; weights: Weights };
  /** Where the model and weights files plans name are looked up (`--model-dir`); plans never name paths. */
  readonly modelDirs?: readonly string[];
  readonly extra?: Partial<Pick<WorkerContext, 'engine' | 'deadlineMs' | 'framesInFlight' | 'queueDepth' | 'steal' | 'maxFrameBytes' | 'statsHeartbeatMs' | 'snapshotQuality' | 'decode' | 'statsIntervalMs' | 'cameraTopics' | 'latencyDetail' | 'cameras' | 'retainFrames'>>;
}

export async function startWorker(target: Target, topics: Topics, o: WorkerOptions): Promise<{ worker: Worker; transport: Transport }> {
  const transport = await connect(target, `deeperthings-worker-${o.id}`, { topic: topics.workerState(o.id), payload: 'offline', retain: true, qos: 1 });
  const info: WorkerInfo = { id: o.id, version: '0.1.0', memoryBytes: o.memoryBytes, speedGflops: o.speedGflops, linkBps: o.linkBps, backend: o.backend, pid: process.pid, ...(o.profile ? { profile: o.profile } : {}) };
  const worker = new Worker({ transport, topics, info, loadModel: cachingModelLoader(o.preloaded, o.modelDirs), ...o.extra });
  await worker.start();
  return { worker, transport };
}

export async function startPlanner(target: Target, topics: Topics, o: { model: Model; plan: PlanFn; expectedWorkers?: number; waitMs?: number; dataSource?: string; objective?: string; config?: Config; drift?: DriftOptions | false; adoptMs?: number; livenessMs?: number; standby?: boolean }): Promise<{ planner: PlannerService; transport: Transport; control?: ControlPlane; stop: (opts?: { clear?: boolean }) => Promise<void> }> {
  const transport = await connect(target, `deeperthings-planner-${hostname()}-${process.pid}`, { topic: topics.bridgeState(), payload: 'offline', retain: true, qos: 1 });
  const planner = new PlannerService({ transport, topics, ...o });
  await planner.start();
  const control = o.config ? new ControlPlane({ transport, topics, planner, config: o.config }) : undefined;
  await control?.start();
  /** `clear`: a clean stop removes the retained plan and HA devices (issue 10 #14). */
  const stop = async (opts: { clear?: boolean } = {}) => {
    await control?.stop(opts);
    await planner.stop(opts);
    await transport.close();
  };
  return { planner, transport, control, stop };
}
