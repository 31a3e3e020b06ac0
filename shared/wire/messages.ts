/**
 * JSON and text payloads of the topic tree (DESIGN.md "Topics") with their validators. Validators
 * return why a payload is unusable, naming the field, or undefined; shared/topics.ts maps each topic
 * kind to its payload type and validator.
 */
import { describe, field, type Validator } from './json.ts';
import { profileProblem, type SpeedProfile } from '../plan/speed-profile.ts';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

/** Retained state and last will of the bridge and of each worker. */
export type Availability = 'online' | 'offline';

/** A worker's retained capabilities, `<c>/workers/<id>/info`: what the planner plans with. */
export interface WorkerInfo {
  id: string;
  version: string;
  /** Memory budget for weights and activations. */
  memoryBytes: number;
  /** Measured compute speed on the worker's backend. */
  speedGflops: number;
  /** Link bandwidth to the broker, bits per second (as PlanDevice.linkBps). */
  linkBps: number;
  /** Engine backend, e.g. 'tfjs-wasm', 'onnxruntime'. */
  backend: string;
  /** Measured speed per work class on this worker's engine (worker/engine/speed.ts), when measured. */
  profile?: SpeedProfile;
  pid?: number;
}

/** `<c>/errors`: a worker that can't honour its part says so here (DESIGN.md "The plan document"). */
export interface ErrorMessage {
  code: ErrorCode;
  message: string;
  frame?: number;
  task?: string;
  worker?: string;
  /** The camera whose frame this is about (`publish --wait` stops on it). */
  camera?: string;
  /** Epoch milliseconds. */
  time: number;
}

/** `<c>/workers/<id>/stats`, on change or every 10 s: counters since start and the current plan's traffic. */
export interface WorkerStats {
  worker: string;
  /** The adopted plan's id, null without one. */
  plan: string | null;
  /** Frames ingested, refused as undecodable, refused as over `maxFrameBytes`; predictions published; errors reported. */
  frames: number;
  badFrames: number;
  oversizeFrames: number;
  predictions: number;
  errors: number;
  framesInFlight: number;
  /** Weight slices held for the plan. */
  weightBytes: number;
  /** Data-piece traffic of the current plan: bytes sent and received, messages sent. */
  publishedBytes: number;
  receivedBytes: number;
  messages: number;
  /** FTP work stealing under the current plan (worker/runtime/steal.ts): tiles this worker took from others, and lent to others. */
  steal?: { stolen: number; lent: number };
  /** Resident set size of the worker process. */
  rssBytes: number;
  /** Epoch milliseconds. */
  time: number;
}

/** `bridge/request/<name>`: z2m's envelope (ECOSYSTEM §3); `transaction` is echoed in the response. */
export interface BridgeRequest {
  transaction?: string | number;
  [key: string]: unknown;
}

/** `bridge/response/<name>` (STYLE §1.9). */
export interface BridgeResponse<T = unknown> {
  status: 'ok' | 'error';
  data: T;
  error?: string;
  transaction?: string | number;
}

type Obj = Record<string, unknown>;

export const validateAvailability: Validator = (x) =>
  x === 'online' || x === 'offline' ? undefined : `payload must be 'online' or 'offline' (got ${describe(x)})`;

export const validateWorkerInfo: Validator = (x) => {
  const o = x as Obj;
  return field.object(x) ?? field.string(o, 'id') ?? field.string(o, 'version') ?? positive(o, 'memoryBytes') ??
    positive(o, 'speedGflops') ?? positive(o, 'linkBps') ?? field.string(o, 'backend') ?? field.number(o, 'pid', true) ??
    (o.profile === undefined ? undefined : profileProblem(o.profile));
};

export const validateErrorMessage: Validator = (x) => {
  const o = x as Obj;
  return field.object(x) ?? field.oneOf(o, 'code', Object.keys(ERROR_CODES)) ?? field.string(o, 'message') ?? field.number(o, 'frame', true) ??
    field.string(o, 'task', true) ?? field.string(o, 'worker', true) ?? field.string(o, 'camera', true) ?? field.number(o, 'time');
};

export const validateBridgeRequest: Validator = (x) => field.object(x) ?? transaction(x as Obj);

export const validateBridgeResponse: Validator = (x) => {
  const o = x as Obj;
  return field.object(x) ?? field.oneOf(o, 'status', ['ok', 'error']) ?? ('data' in o ? undefined : `field 'data' is missing`) ??
    field.string(o, 'error', true) ?? transaction(o);
};

/** Any JSON object: the shape is owned by another module (plan, predictions, stats, discovery). */
export const validateObject: Validator = (x) => field.object(x);

function positive(o: Obj, key: string): string | undefined {
  return field.number(o, key) ?? ((o[key] as number) >= 0 ? undefined : `field '${key}' must be ≥ 0 (got ${o[key]})`);
}

function transaction(o: Obj): string | undefined {
  const t = o.transaction;
  return t === undefined || typeof t === 'string' || typeof t === 'number' ? undefined : `field 'transaction' must be a string or number (got ${describe(t)})`;
}
