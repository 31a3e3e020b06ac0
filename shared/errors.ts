/**
 * Typed errors that carry their data (STYLE.md §7). Messages name the module and the values.
 * Wire-path validators return these; only startup misconfiguration throws to the top.
 */

/** Lazy assert: the message closure runs only on failure (tfjs's util.assert). */
export function assert(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new Error(message());
}

/** A malformed input file (cfg, weights, model.json, plan, config): names file and line when known. */
export class ModelFormatError extends Error {
  constructor(readonly module: string, readonly file: string, readonly line: number | undefined, detail: string) {
    super(`${module}: ${file}${line === undefined ? '' : `: line ${line}`}: ${detail}`);
    this.name = 'ModelFormatError';
  }
}

export class ShapeMismatchError extends Error {
  constructor(readonly layer: number, readonly expected: readonly number[], readonly got: readonly number[], where = 'worker') {
    super(`${where}: layer ${layer} expected shape [${expected.join(', ')}] but got [${got.join(', ')}]`);
    this.name = 'ShapeMismatchError';
  }
}

/** A partition spec or plan that breaks a rule (PAPER.md §3.5) or a capacity. */
export class PlanInfeasibleError extends Error {
  constructor(readonly constraint: string, message: string, readonly layer?: number, readonly device?: string) {
    super(message);
    this.name = 'PlanInfeasibleError';
  }
}

export class WorkerTimeoutError extends Error {
  constructor(readonly workerId: string, readonly taskId: string, readonly frame: number) {
    super(`runtime: frame ${frame}: task ${taskId} on worker ${workerId} timed out`);
    this.name = 'WorkerTimeoutError';
  }
}

export class FrameTooLargeError extends Error {
  constructor(readonly bytes: number, readonly limit: number, readonly topic: string) {
    super(`wire: ${bytes} bytes on ${topic} exceed the limit of ${limit} bytes`);
    this.name = 'FrameTooLargeError';
  }
}

/** A user-facing error: the CLI prints its message as one line and exits with `exitCode`. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What was wrong with a camera frame, for callers that branch on it (ingest reports `bad-frame`). */
export type ImageErrorCode = 'not-an-image' | 'corrupt' | 'zero-size' | 'too-large' | 'unsupported';

/** A frame that cannot be decoded; `code` says why, the message names the values (`image: …`). */
export class ImageError extends Error {
  constructor(readonly code: ImageErrorCode, message: string) {
    super(`image: ${message}`);
    this.name = 'ImageError';
  }
}
