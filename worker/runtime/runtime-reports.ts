/**
 * What the runtime reports about frames (issue 14 §5): one `deadline` error per expired frame,
 * naming every stalled task and the pieces it still lacked with their workers (one error per task
 * made storms of 21,552 and 42,496 messages from one 100-frame burst); and a camera's load at the
 * data source, counting the frames the ingest task holds before they are admitted.
 */
import type { PieceDoc, TaskDoc } from '../../shared/plan/types.ts';

export function deadlineMessage(o: { frame: number; stalled: readonly { task: TaskDoc; missing: readonly string[] }[]; pieces: ReadonlyMap<string, PieceDoc>; deadlineMs: number }): string | undefined {
  const tasks = o.stalled.map((s) => {
    const missing = s.missing.map((id) => `${id} (from ${o.pieces.get(id)?.worker ?? '?'})`).join(', ');
    return `task ${s.task.id} missing ${missing || 'none (never started)'}`;
  });
  if (tasks.length === 0) return undefined;
  const shown = tasks.slice(0, 4).join('; ') + (tasks.length > 4 ? `; and ${tasks.length - 4} more tasks` : '');
  return `frame ${o.frame}: ${tasks.length} task${tasks.length === 1 ? '' : 's'} missed the ${o.deadlineMs} ms deadline: ${shown}`;
}

/** A camera's load at the data source: admitted frames, plus those the intake holds (decoding or waiting undecoded). */
export function combinedLoad(admitted: { inFlight: number; waiting: number }, held = { active: 0, waiting: 0 }): { inFlight: number; waiting: number } {
  const decoding = Math.max(0, held.active - admitted.inFlight - admitted.waiting);
  return { inFlight: admitted.inFlight, waiting: admitted.waiting + decoding + held.waiting };
}
