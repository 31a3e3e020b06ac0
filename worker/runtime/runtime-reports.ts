/**
 * What the runtime reports about frames (issue 14 §5): one `deadline` error per expired frame,
 * naming every stalled task and the pieces it still lacked with their workers (one error per task
 * made storms of 21,552 and 42,496 messages from one 100-frame burst); and a camera's load at the
 * data source, counting the frames the ingest task holds before they are admitted.
 */
import type { Logger } from '../../shared/log.ts';
import type { ReportError } from '../tasks/report.ts';
import { deadlineText, type FrameBuffers } from './frames.ts';
import type { SourceFrames } from './source-frames.ts';

/** A camera's load at the data source: admitted frames, plus those the intake holds (decoding or waiting undecoded). */
export function combinedLoad(admitted: { inFlight: number; waiting: number }, held = { active: 0, waiting: 0 }): { inFlight: number; waiting: number } {
  const decoding = Math.max(0, held.active - admitted.inFlight - admitted.waiting);
  return { inFlight: admitted.inFlight, waiting: admitted.waiting + decoding + held.waiting };
}

export interface ExpiryContext {
  readonly buffers: FrameBuffers;
  readonly source: SourceFrames;
  readonly deadlineMs: number;
  /** The worker that sends a piece (plan piece docs). */
  readonly senderOf: (piece: string) => string | undefined;
  readonly error: ReportError;
  readonly log: Logger;
}

/**
 * Drop frames that missed the deadline, naming the missing pieces and their workers: one error per
 * frame, from the data source that owes the frame its answer (issue 14: one per stalled task on
 * every worker made an error storm); other workers only log theirs.
 */
export function expireFrames(c: ExpiryContext): void {
  for (const { frame, stalled } of c.buffers.expire(c.deadlineMs)) {
    const meta = c.source.meta(frame);
    c.source.done(frame);
    const text = deadlineText(frame, stalled, c.deadlineMs, c.senderOf);
    if (meta) c.error('deadline', text, { frame, camera: meta.camera });
    else c.log.warn(`deadline: ${text}`);
  }
}
