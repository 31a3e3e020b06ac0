/**
 * What a worker process (service.ts) is given: the bus, its announcement, how to load the model a
 * plan names, and the knobs of its runtime (deadline, admission, stealing, stats, extra camera topics).
 */
import type { Model, Weights } from '../shared/model/ir.ts';
import type { Transport } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { WorkerInfo } from '../shared/wire/messages.ts';
import type { Logger } from '../shared/log.ts';
import type { PlanDoc } from '../shared/plan/types.ts';
import type { HeadOptions } from './tasks/head.ts';
import type { Engine } from './engine/engine.ts';
import type { RecoveryContext } from './recovery.ts';

export interface WorkerContext extends HeadOptions, Pick<RecoveryContext, 'retainFrames'> {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly info: WorkerInfo;
  /** Load (and cache) the model a plan names; must give the model the plan was made for. */
  readonly loadModel: (m: PlanDoc['model']) => Promise<{ model: Model; weights: Weights; hash: string; weightsSource?: 'file' | 'synthetic' }>;
  readonly deadlineMs?: number;
  /** Frames per camera in flight at once when this worker is the data source (default 2). */
  readonly framesInFlight?: number;
  /** Frames per camera waiting (undecoded) behind those in flight; a newer one replaces the oldest (default 2). */
  readonly queueDepth?: number;
  /** FTP work stealing (config `workers.steal`, default on). */
  readonly steal?: boolean;
  readonly maxFrameBytes?: number;
  /** How often the runtime is swept and stats are considered (default 1 s). */
  readonly statsIntervalMs?: number;
  /** Unchanged stats go out this often (default 10 s); changed ones at the next sweep. */
  readonly statsHeartbeatMs?: number;
  /** Extra input topics (any MQTT topic, e.g. a Frigate or ESP32-CAM one) → camera name. */
  readonly cameraTopics?: ReadonlyMap<string, string>;
  readonly log?: Logger;
  /** Compiles and runs the tasks (default tfjs). */
  readonly engine?: Engine;
}
