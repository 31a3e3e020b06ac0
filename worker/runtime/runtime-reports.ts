/**
 * What the runtime reports about frames (issue 14 §5): one `deadline` error per expired frame,
 * naming every stalled task and the pieces it still lacked with their workers (one error per task
 * made storms of 21,552 and 42,496 messages from one 100-frame burst); and a camera's load at the
 * data source, counting the frames the ingest task holds before they are admitted.
 */
import type { PieceDoc, TaskDoc } from '../../shared/plan/types.ts';

/** A camera's load at the data source: admitted frames, plus those the intake holds (decoding or waiting undecoded). */
export function combinedLoad(admitted: { inFlight: number; waiting: number }, held = { active: 0, waiting: 0 }): { inFlight: number; waiting: number } {
  const decoding = Math.max(0, held.active - admitted.inFlight - admitted.waiting);
  return { inFlight: admitted.inFlight, waiting: admitted.waiting + decoding + held.waiting };
}
