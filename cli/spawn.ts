/** Worker child processes for `up` and the integration tests (each its own process, as devices are). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/deeperthings.js', import.meta.url));

export interface SpawnedWorker {
  readonly id: string;
  readonly child: ChildProcess;
  /** Resolves when the worker printed `ready <id>` (connected and announced). */
  readonly ready: Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `env`: extra environment, e.g. DEEPERTHINGS_PASSWORD (kept out of the argv that `ps` shows). */
export function spawnWorker(o: { id: string; broker: string; args?: string[]; root?: string; cluster?: string; env?: Record<string, string>; echo?: (line: string) => void }): SpawnedWorker {
  const args = [BIN, 'worker', '--broker', o.broker, '--id', o.id, ...(o.root ? ['--root', o.root] : []), ...(o.cluster ? ['--cluster', o.cluster] : []), ...(o.args ?? [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const ready = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes(`ready ${o.id}`)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker ${o.id} exited with code ${code} before it was ready`)));
  });
  ready.catch(() => undefined);
  child.stderr!.on('data', (b: Buffer) => {
    for (const line of b.toString().split('\n')) if (line.trim()) o.echo?.(line);
  });
  return {
    id: o.id, child, ready,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
