/**
 * Soak accounting (pure): every frame the camera sent must end in predictions or a coded error
 * (issue 14 §1/§6). The data source numbers frames as it ingests them, so answers are counted by
 * distinct frame number: a frame with predictions is answered even if a late `deadline` error names it
 * too, one with only errors counts once under its first code, and an error that names no frame (e.g.
 * `bad-frame`, refused before it got a number) counts as one errored frame. What is left is unanswered.
 */
import { percentile, round } from '../stats.ts';

export interface LedgerSummary {
  readonly sent: number;
  readonly answered: number;
  /** Frames that ended in an error and no predictions, by the first error code that named them. */
  readonly errored: Readonly<Record<string, number>>;
  readonly unanswered: number;
  /** Answers beyond the frames sent (duplicated predictions): 0 in a healthy run. */
  readonly extra: number;
  /** Every error message seen, by code (a frame may have several). */
  readonly errorMessages: Readonly<Record<string, number>>;
  /** Errors about other cameras or about no frame nor camera (plan failures): reported, not accounted. */
  readonly unattributed: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly max: number } | null;
}

export interface LedgerError { readonly code: string; readonly frame?: number; readonly camera?: string }

export class FrameLedger {
  #sent = 0;
  readonly #answered = new Set<number>();
  readonly #failed = new Map<number, string>();
  readonly #frameless: string[] = [];
  readonly #messages = new Map<string, number>();
  readonly #latencies: number[] = [];
  #unattributed = 0;

  /** `camera`: the bench's camera; `firstFrame`: the data source's first frame number of the run (after warm-up frames). */
  readonly ctx: { readonly camera: string; readonly firstFrame: number };

  constructor(ctx: { camera: string; firstFrame: number }) { this.ctx = ctx; }

  sent(): void { this.#sent++; }

  get sentCount(): number { return this.#sent; }

  prediction(p: { camera: string; frame: number; latencyMs: number }): void {
    if (p.camera !== this.ctx.camera || p.frame < this.ctx.firstFrame) return;
    this.#answered.add(p.frame);
    this.#latencies.push(p.latencyMs);
  }

  error(e: LedgerError): void {
    if (e.frame !== undefined && e.frame < this.ctx.firstFrame) return;
    this.#messages.set(e.code, (this.#messages.get(e.code) ?? 0) + 1);
    if (e.camera !== undefined && e.camera !== this.ctx.camera) return void this.#unattributed++;
    if (e.frame !== undefined) {
      if (!this.#failed.has(e.frame)) this.#failed.set(e.frame, e.code);
    } else if (e.camera !== undefined) {
      this.#frameless.push(e.code);
    } else {
      this.#unattributed++;
    }
  }

  /** Every frame sent has an answer (predictions or an error): the drain after the run can stop. */
  settled(): boolean {
    const s = this.summary();
    return s.unanswered === 0;
  }

  summary(): LedgerSummary {
    const errored: Record<string, number> = {};
    const count = (code: string) => { errored[code] = (errored[code] ?? 0) + 1; };
    for (const [frame, code] of this.#failed) if (!this.#answered.has(frame)) count(code);
    this.#frameless.forEach(count);
    const answered = this.#answered.size;
    const failed = Object.values(errored).reduce((a, b) => a + b, 0);
    const lat = this.#latencies;
    return {
      sent: this.#sent, answered, errored, unanswered: Math.max(0, this.#sent - answered - failed), extra: Math.max(0, answered + failed - this.#sent),
      errorMessages: Object.fromEntries(this.#messages), unattributed: this.#unattributed,
      latencyMs: lat.length ? { p50: round(percentile(lat, 50)), p95: round(percentile(lat, 95)), max: round(lat.reduce((a, b) => Math.max(a, b), 0)) } : null,
    };
  }
}
