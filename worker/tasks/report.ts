/**
 * How tasks and the runtime report trouble: one error sink, owned by the worker, that counts the
 * error and publishes it on the errors topic (STYLE §6: bad input becomes a message, not a crash).
 */
import type { ErrorCode } from '../../shared/wire/error-codes.ts';

export type ReportError = (code: ErrorCode, message: string, extra?: { frame?: number; task?: string; camera?: string }) => void;

/** The worker's counters that tasks advance (published in its stats). */
export interface TaskCounters { frames: number; badFrames: number; oversizeFrames: number; predictions: number }
