/**
 * tfjs backend selection. Order of preference: tfjs-node ('tensorflow', native, optional and often
 * absent), then WebAssembly (XNNPACK with SIMD, ~19 GFLOP/s conv here), then the pure-JS CPU backend.
 * DEEPERTHINGS_BACKEND forces one backend (no fallback), e.g. to run the test suite on each.
 * Every module uses @tensorflow/tfjs-core as the tf namespace; the backend packages only register.
 */
import * as tf from '@tensorflow/tfjs-core';
import { logger } from '../../shared/log.ts';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

const log = logger('engine');
let active: { key: string; done: Promise<string>; name?: string } | undefined;

/** Importing a backend package registers it with tfjs-core. */
async function load(name: BackendName): Promise<void> {
  if (name === 'tensorflow') {
    // A variable specifier: the optional package is not installed everywhere, and tsc must not require it.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
  } else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  else await import('@tensorflow/tfjs-backend-cpu');
}

async function activate(name: BackendName): Promise<void> {
  await load(name);
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

function forcedBackend(): BackendName | undefined {
  const v = process.env.DEEPERTHINGS_BACKEND;
  if (v === undefined || v === '') return undefined;
  if (!(BACKENDS as readonly string[]).includes(v)) {
    throw new Error(`engine: DEEPERTHINGS_BACKEND="${v}" is not one of ${BACKENDS.join(', ')}`);
  }
  return v as BackendName;
}

async function select(candidates: readonly BackendName[], why: string): Promise<string> {
  const failures: string[] = [];
  for (const name of candidates) {
    try {
      await activate(name);
      // One info line, no stack or paths (issue 10 #12): an optional package that is absent is normal.
      log.info(`backend ${name} (${why}${failures.length > 0 ? `; unavailable: ${failures.join(', ')}` : ''})`);
      return name;
    } catch (e) {
      const missing = (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND';
      const reason = missing ? 'not installed' : e instanceof Error ? e.message.split('\n')[0] : String(e);
      failures.push(`${name}: ${reason}`);
      log.debug(`backend ${name} unavailable: ${reason}`);
    }
  }
  throw new Error(`engine: no tfjs backend could start (${failures.join('; ')})`);
}

/**
 * Starts a tfjs backend and resolves to its name. `prefer` is tried first, then the default order;
 * DEEPERTHINGS_BACKEND overrides both and does not fall back. Idempotent: a repeated call with the
 * same request (or none) returns the same promise.
 */
export function initBackend(prefer?: BackendName): Promise<string> {
  let forced: BackendName | undefined;
  try {
    forced = forcedBackend();
  } catch (e) {
    return Promise.reject(e);
  }
  const key = forced !== undefined ? `force:${forced}` : prefer ?? 'auto';
  if (active !== undefined && (active.key === key || key === 'auto' || (forced === undefined && active.name === prefer))) {
    return active.done;
  }
  const done = forced !== undefined
    ? select([forced], 'forced by DEEPERTHINGS_BACKEND')
    : select(prefer !== undefined ? [prefer, ...BACKENDS.filter((b) => b !== prefer)] : BACKENDS,
      prefer !== undefined ? `preferred ${prefer}` : 'default order tensorflow, wasm, cpu');
  const entry: NonNullable<typeof active> = { key, done };
  active = entry;
  // A failed start is not remembered, so a later call can try again.
  done.then((name) => { entry.name = name; }, () => { if (active === entry) active = undefined; });
  return done;
}
