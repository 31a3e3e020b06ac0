/**
 * `npm run bench -- cluster` options and the plans it can compare (pure). Each plan is a real
 * planner run over MQTT: `one` plans for a single worker, the others pin the objective and the tail
 * (planner/choose/pin.ts) for all the workers.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../shared/errors.ts';
import type { TailPin } from '../../shared/config/types.ts';
import { isWireDtype, WIRE_DTYPES, type WireDtype } from '../../shared/plan/wire.ts';

export interface PlanRecipe {
  readonly label: string;
  readonly objective: string;
  readonly tail: TailPin;
  /** A single worker (the baseline every speed-up is quoted against, PAPER §9). */
  readonly single?: boolean;
}

export const PLANS: Readonly<Record<string, PlanRecipe>> = {
  one: { label: 'one device', objective: 'comm', tail: 'auto', single: true },
  unfused: { label: 'unfused (all-LOP)', objective: 'comm', tail: 'lop' },
  comm: { label: 'comm (paper\'s fused plan)', objective: 'comm', tail: 'fused' },
  latency: { label: 'latency objective', objective: 'latency', tail: 'auto' },
};

export interface ClusterOptions {
  readonly model: string;
  readonly devices: number;
  /** CPU quota per worker, in cores. */
  readonly cpu: number;
  /** tc's rate syntax, e.g. `100mbit`. */
  readonly link: string;
  readonly linkBps: number;
  readonly plans: readonly string[];
  /** Frames sent one at a time (median latency). */
  readonly frames: number;
  /** Frames sent back to back (frames/s). */
  readonly pipelined: number;
  /** The whole run is aborted (and torn down) after this long. */
  readonly timeoutS: number;
  readonly prefix: string;
  /** Worker id → its share of `cpu` (`--slow w0:0.5`: w0 gets half the others' CPU), to show work stealing. */
  readonly slow: ReadonlyMap<string, number>;
  /** FTP work stealing on the workers (`--steal on|off`, default on). */
  readonly steal: boolean;
  /** Activations' dtype between devices (`--wire`, the planner's `planner.wire`); absent: the planner's default. */
  readonly wire?: WireDtype;
}

/** The environment variable that carries a run's broker password to the gateway and the workers. */
export const BENCH_PASSWORD_ENV = 'DEEPERTHINGS_PASSWORD';

const UNIT: Record<string, number> = { k: 1e3, m: 1e6, g: 1e9 };

/** `100mbit`, `10Mbit`, `1gbit`, `500kbit` → tc's rate and bits/s. */
export function parseLink(s: string): { link: string; bps: number } {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg])bit$/i.exec(s.trim());
  if (!m || !(Number(m[1]) > 0)) throw new UsageError(`bench cluster: --link expects a rate like 100mbit, got '${s}'`);
  const unit = m[2]!.toLowerCase();
  return { link: `${m[1]}${unit}bit`, bps: Number(m[1]) * UNIT[unit]! };
}

function num(name: string, v: string | undefined, min: number, max: number, int = true): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max || (int && !Number.isInteger(n))) {
    throw new UsageError(`bench cluster: --${name} expects ${int ? 'an integer' : 'a number'} in ${min}..${max}, got '${v}'`);
  }
  return n;
}

export const CLUSTER_USAGE = 'npm run bench -- cluster [--model yolov2] [--devices 6] [--cpu 0.3] [--link 100mbit] [--plans one,unfused,comm,latency] [--frames 5] [--pipelined 10] [--timeout 540] [--slow w0:0.5] [--steal on|off] [--wire float32|float16|int8]';

/** `w0:0.5,w2:0.8` → worker id → CPU factor; ids are the bench's `w<i>` for i < devices. */
export function parseSlow(s: string | undefined, devices: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(w(\d+)):(\d+(?:\.\d+)?)$/.exec(part);
    if (!m || Number(m[2]) >= devices || !(Number(m[3]) > 0) || Number(m[3]) > 64) {
      throw new UsageError(`bench cluster: --slow expects W:F with W one of w0..w${devices - 1} and F a CPU factor in (0, 64], got '${part}'`);
    }
    out.set(m[1]!, Number(m[3]));
  }
  return out;
}

export function parseClusterArgs(argv: readonly string[]): ClusterOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, options: {
      model: { type: 'string', default: 'yolov2' }, devices: { type: 'string', default: '6' }, cpu: { type: 'string', default: '0.3' },
      link: { type: 'string', default: '100mbit' }, plans: { type: 'string', default: 'one,unfused,comm,latency' },
      frames: { type: 'string', default: '5' }, pipelined: { type: 'string', default: '10' }, timeout: { type: 'string', default: '540' },
      prefix: { type: 'string', default: 'dtbench' }, slow: { type: 'string' }, steal: { type: 'string', default: 'on' }, wire: { type: 'string' },
    } }));
  } catch (e) {
    throw new UsageError(`bench cluster: ${(e as Error).message.split('\n')[0]}\nusage: ${CLUSTER_USAGE}`);
  }
  const plans = values.plans!.split(',').map((p) => p.trim()).filter(Boolean);
  const unknown = plans.find((p) => !(p in PLANS));
  if (unknown !== undefined || plans.length === 0) throw new UsageError(`bench cluster: --plans takes ${Object.keys(PLANS).join(',')}, got '${values.plans}'`);
  // Interface names are at most 15 bytes: prefix + '-g' + index must fit.
  if (!/^[a-z][a-z0-9]{0,9}$/.test(values.prefix!)) throw new UsageError(`bench cluster: --prefix must be 1..10 lowercase letters or digits, got '${values.prefix}'`);
  const { link, bps } = parseLink(values.link!);
  if (values.steal !== 'on' && values.steal !== 'off') throw new UsageError(`bench cluster: --steal takes on or off, got '${values.steal}'`);
  if (values.wire !== undefined && !isWireDtype(values.wire)) throw new UsageError(`bench cluster: --wire takes ${WIRE_DTYPES.join(', ')}, got '${values.wire}'`);
  const devices = num('devices', values.devices, 1, 64);
  return {
    model: values.model!, devices, cpu: num('cpu', values.cpu, 0.01, 64, false), link, linkBps: bps,
    plans, frames: num('frames', values.frames, 1, 1000), pipelined: num('pipelined', values.pipelined, 0, 1000),
    timeoutS: num('timeout', values.timeout, 10, 86400), prefix: values.prefix!,
    slow: parseSlow(values.slow, devices), steal: values.steal === 'on', ...(values.wire === undefined ? {} : { wire: values.wire as WireDtype }),
  };
}
