/**
 * A worker's errors on the errors topic: counted, rate-limited per code (shared/wire/error-limit.ts:
 * a burst becomes one message naming how many were held back), logged, and published; one the
 * broker did not take is handed back (recovery.ts sends it when the broker returns). An error about
 * a frame also releases that frame's retained input: the frame got its answer, an error.
 */
import type { Transport } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { ErrorCode, ErrorMessage } from '../shared/wire/messages.ts';
import type { Logger } from '../shared/log.ts';
import { ErrorLimiter } from '../shared/wire/error-limit.ts';

export interface ErrorPublisherContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly worker: string;
  readonly log: Logger;
  /** The worker's counters: `errors` counts every error, `suppressedErrors` those the limit held back. */
  readonly counters: { errors: number; suppressedErrors: number };
  /** The frame's retained input is no longer needed. */
  readonly release: (frame: number) => void;
  /** The message could not be published. */
  readonly unsent: (msg: ErrorMessage) => void;
}

export type ErrorExtra = { frame?: number; task?: string; camera?: string };

export class ErrorPublisher {
  readonly #c: ErrorPublisherContext;
  readonly #limiter = new ErrorLimiter();

  constructor(c: ErrorPublisherContext) {
    this.#c = c;
  }

  report(code: ErrorCode, message: string, extra: ErrorExtra = {}): void {
    const c = this.#c;
    c.counters.errors++;
    if (extra.frame !== undefined) c.release(extra.frame);
    const admitted = this.#limiter.admit(code);
    c.counters.suppressedErrors = this.#limiter.suppressed;
    if (!admitted) return;
    if (admitted.held) message += ` (${admitted.held} more '${code}' errors held back by the rate limit)`;
    c.log.warn(`${code}: ${message}`);
    const msg: ErrorMessage = { code, message, worker: c.worker, time: Date.now(), ...extra };
    void c.topics.publish(c.transport, c.topics.errors(), msg).catch((e: Error) => { c.log.error(`cannot publish error: ${e.message}`); c.unsent(msg); });
  }
}
