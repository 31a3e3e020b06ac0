/**
 * A per-code rate limit on `<c>/errors` (issue 14 §4): a stranger's junk on an internal topic, or a
 * stalled plan, must not turn into an error storm (21,552 `deadline` messages were measured from one
 * 100-frame burst). Each code has a token bucket; a message past it is counted, and the next one of
 * that code that goes out says how many were held back, so nothing is lost in silence.
 *
 * Frame accounting codes (`frame-skipped`, `frame-dropped`) are exempt: each stands for one frame
 * and a client counts them (`publish --wait`); there is never more than one per frame.
 */
import type { ErrorCode } from './error-codes.ts';

export interface ErrorLimitOptions {
  /** Messages of one code let through at once (default 20). */
  readonly burst?: number;
  /** Sustained messages per second per code (default 5). */
  readonly perSecond?: number;
  readonly now?: () => number;
}

const EXEMPT: ReadonlySet<ErrorCode> = new Set(['frame-skipped', 'frame-dropped']);

interface Bucket { tokens: number; at: number; held: number }

export class ErrorLimiter {
  readonly #burst: number;
  readonly #rate: number;
  readonly #now: () => number;
  readonly #buckets = new Map<ErrorCode, Bucket>();
  /** Messages held back since start, all codes. */
  suppressed = 0;

  constructor(o: ErrorLimitOptions = {}) {
    this.#burst = o.burst ?? 20;
    this.#rate = o.perSecond ?? 5;
    this.#now = o.now ?? Date.now;
  }

  /**
   * Whether a message of `code` goes out now; if so, how many of that code were held back before
   * it (to say in the message), else undefined.
   */
  admit(code: ErrorCode): { held: number } | undefined {
    if (EXEMPT.has(code)) return { held: 0 };
    const now = this.#now();
    const b = this.#buckets.get(code) ?? { tokens: this.#burst, at: now, held: 0 };
    b.tokens = Math.min(this.#burst, b.tokens + ((now - b.at) / 1000) * this.#rate);
    b.at = now;
    this.#buckets.set(code, b);
    if (b.tokens < 1) {
      b.held++;
      this.suppressed++;
      return undefined;
    }
    b.tokens--;
    const held = b.held;
    b.held = 0;
    return { held };
  }
}
