/**
 * Device lists: `--devices N` (N equal devices with documented defaults) or a YAML file of
 * `{id, memory: "256MB", speed: <GFLOP/s | "measure">, link: "100Mbit"}`.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { UsageError } from '../shared/errors.ts';
import type { PlanDevice } from '../shared/plan/types.ts';

/** Defaults for `--devices N`: a Raspberry-Pi-class board on 100 Mbit/s Ethernet (PAPER §10). */
export const DEFAULT_DEVICE = { memoryBytes: 1024e6, speed: 5, linkBps: 100e6 } as const;

export function equalDevices(n: number): PlanDevice[] {
  return Array.from({ length: n }, (_, i) => ({ id: `dev${i}`, ...DEFAULT_DEVICE }));
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };
const RATES: Record<string, number> = { '': 1, bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, bps: 1, kbps: 1e3, mbps: 1e6, gbps: 1e9 };

function parseQuantity(v: unknown, table: Record<string, number>, what: string): number {
  if (typeof v === 'number' && v > 0) return v;
  const m = /^\s*([\d.]+)\s*([a-z]*)\s*$/i.exec(String(v));
  const f = m ? table[m[2]!.toLowerCase()] : undefined;
  if (!m || f === undefined || !(Number(m[1]) > 0)) throw new UsageError(`devices: ${what}: cannot read '${String(v)}' (e.g. ${what.endsWith('memory') ? '256MB' : '100Mbit'})`);
  return Number(m[1]) * f;
}

export const parseBytes = (v: unknown, what = 'memory') => parseQuantity(v, UNITS, what);
export const parseRate = (v: unknown, what = 'link') => parseQuantity(v, RATES, what);

/** Parse a devices file; `measure` speeds are replaced by `measured` (this machine's GFLOP/s). */
function parseDevicesYaml(text: string, file: string, measured?: number): PlanDevice[] {
  const doc = parse(text) as unknown;
  const list = Array.isArray(doc) ? doc : (doc as { devices?: unknown })?.devices;
  if (!Array.isArray(list) || list.length === 0) throw new UsageError(`devices: ${file}: expected a list of devices (or {devices: [...]})`);
  return list.map((d: Record<string, unknown>, i) => {
    const where = `${file}: devices[${i}]`;
    if (typeof d !== 'object' || d === null || typeof d.id !== 'string') throw new UsageError(`devices: ${where}.id: must be a string`);
    const speed = d.speed === 'measure' ? measured : d.speed === undefined ? DEFAULT_DEVICE.speed : Number(d.speed);
    if (speed === undefined || !(speed > 0)) throw new UsageError(`devices: ${where}.speed: must be GFLOP/s > 0 or "measure", got '${String(d.speed)}'`);
    return {
      id: d.id,
      memoryBytes: d.memory === undefined ? DEFAULT_DEVICE.memoryBytes : parseBytes(d.memory, `${where}.memory`),
      speed,
      linkBps: d.link === undefined ? DEFAULT_DEVICE.linkBps : parseRate(d.link, `${where}.link`),
    };
  });
}

/** `--devices` value: a count or a YAML path. */
export function devicesFromOption(v: string | undefined, measured?: number): PlanDevice[] {
  if (v === undefined) return equalDevices(1);
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 64) throw new UsageError(`--devices: expected 1..64 or a devices.yaml path, got ${v}`);
    return equalDevices(n);
  }
  return parseDevicesYaml(readFileSync(v, 'utf8'), v, measured);
}
