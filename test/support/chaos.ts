/**
 * Pieces of the chaos test (test/integration/chaos.test.ts): a seeded schedule of faults, the
 * planner as a child process, and the accounting of one camera's frames (issue 14 §2).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../shared/model/synthetic.ts';

const BIN = fileURLToPath(new URL('../../bin/deeperthings.js', import.meta.url));

/** A seeded PRNG (mulberry32, shared with the synthetic weights), so a failing case can be replayed. */
export const seeded = mulberry32;

export type Fault = 'worker' | 'planner' | 'broker';

/** Frame index → fault, at least `gap` frames apart, inside [lo, hi). */
export function schedule(rand: () => number, faults: Fault[], o: { lo: number; hi: number; gap: number }): Map<number, Fault> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const at = faults.map(() => o.lo + Math.floor(rand() * (o.hi - o.lo))).sort((a, b) => a - b);
    if (at.every((x, i) => i === 0 || x - at[i - 1]! >= o.gap)) {
      const order = [...faults].sort(() => rand() - 0.5);
      return new Map(at.map((x, i) => [x, order[i]!]));
    }
  }
  throw new Error(`chaos: cannot place ${faults.length} faults ${o.gap} frames apart in [${o.lo}, ${o.hi})`);
}

export interface Proc { readonly child: ChildProcess; readonly ready: Promise<void>; kill(signal?: NodeJS.Signals): Promise<void> }

/** `deeperthings <args>` as a child process; ready when stdout matches `ready`. */
export function spawnCli(args: string[], ready: RegExp, echo?: (line: string) => void): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEEPERTHINGS_LOG_LEVEL: process.env.CHAOS_LOG ?? 'info' } });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  const ok = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => { out += b.toString(); if (ready.test(out)) resolve(); });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code} before it was ready`)));
  });
  ok.catch(() => undefined);
  child.stderr!.on('data', (b: Buffer) => { for (const l of b.toString().split('\n')) if (l.trim()) echo?.(l); });
  return {
    child, ready: ok,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** What became of a camera's frames. */
export class Ledger {
  readonly predictions: { at: number; body: any }[] = [];
  readonly errors: { at: number; body: any }[] = [];

  get accounted(): number {
    return this.predictions.length + this.errors.length;
  }

  figures(frames: number, gaps: number[]): string {
    const codes = new Map<string, number>();
    for (const e of this.errors) codes.set(`${e.body.code}${e.body.worker ? '' : ' (planner)'}`, (codes.get(`${e.body.code}${e.body.worker ? '' : ' (planner)'}`) ?? 0) + 1);
    const rerun = this.predictions.filter((p) => p.body.rerun).length;
    return `frames ${frames}, answered ${this.predictions.length} (re-run ${rerun}), errors ${this.errors.length}` +
      `${codes.size ? ` (${[...codes].map(([c, n]) => `${c} ${n}`).join(', ')})` : ''}, silent ${frames - this.accounted}` +
      `, kill→next prediction ${gaps.map((g) => `${g} ms`).join(', ') || 'n/a'} (max ${Math.max(0, ...gaps)} ms)`;
  }
}
