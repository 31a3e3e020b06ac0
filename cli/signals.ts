/**
 * One Ctrl-C stops any command within 2 s (issue 10 #4). The first SIGINT/SIGTERM resolves
 * `untilSignal()` so a serving command stops cleanly (Last Will discarded, retained state cleared);
 * if that clean stop is not done within `GRACE_MS` — a broker that is down leaves QoS 1 publishes
 * pending forever — or a second signal arrives, or no command is waiting for a signal (still starting
 * up), the process exits at once after the registered cleanups (e.g. killing `up`'s worker processes).
 */
import { logger } from '../shared/log.ts';

export const GRACE_MS = 1500;

const log = logger('cli');
const cleanups = new Set<() => void>();
let signalled: NodeJS.Signals | undefined;
let waiting = false;
let resolveSignal: ((s: NodeJS.Signals) => void) | undefined;
const received = new Promise<NodeJS.Signals>((r) => { resolveSignal = r; });
let installed = false;

function exitNow(signal: NodeJS.Signals, why: string): never {
  for (const c of cleanups) {
    try { c(); } catch { /* exiting anyway */ }
  }
  log.warn(`${signal}: ${why}: exiting now`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
}

function onSignal(signal: NodeJS.Signals): void {
  if (signalled) exitNow(signal, 'second signal');
  signalled = signal;
  if (!waiting) exitNow(signal, 'stopped while starting');
  setTimeout(() => exitNow(signal, `the clean stop did not finish within ${GRACE_MS} ms (broker unreachable?)`), GRACE_MS).unref();
  resolveSignal!(signal);
}

/** Install the handlers (cli/main.ts does, before any command runs). Idempotent. */
export function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Resolves on the first SIGINT/SIGTERM; from now on a signal means "stop cleanly" for this command. */
export function untilSignal(): Promise<NodeJS.Signals> {
  installSignalHandlers();
  waiting = true;
  return received;
}

/** The signal that stopped the command, if one did. */
export function stopSignal(): NodeJS.Signals | undefined {
  return signalled;
}

/** Run `fn` (synchronous: the process is about to exit) before a forced exit; returns its remover. */
export function onForcedExit(fn: () => void): () => void {
  cleanups.add(fn);
  return () => void cleanups.delete(fn);
}
