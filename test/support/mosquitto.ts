/**
 * A throwaway Mosquitto for MQTT 5 integration tests (STYLE §11c): a temp config on a port just
 * obtained from the OS, loopback only, anonymous, no persistence. CI installs Debian's mosquitto; the
 * skip helper exists only for machines where the binary is truly absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports.ts';

export const MOSQUITTO_BIN = process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto';

/** Why Mosquitto tests can't run here, or undefined when they can. */
export function mosquittoMissing(): string | undefined {
  return existsSync(MOSQUITTO_BIN) ? undefined : `${MOSQUITTO_BIN} not found (apt-get install -y mosquitto, or set MOSQUITTO_BIN)`;
}

export interface MosquittoOptions {
  /** Default: a free port. */
  port?: number;
  /** Broker-wide max_packet_size, advertised to MQTT 5 clients in CONNACK. */
  maxPacketSize?: number;
  /** The whole config file for a port, instead of the anonymous loopback one (the security example). */
  config?: (port: number) => string;
}

export interface RunningMosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const missing = mosquittoMissing();
  if (missing) throw new Error(`test: ${missing}`);
  // A port from freePort() can be taken before Mosquitto binds it: try a few.
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < (opts.port === undefined ? 3 : 1); attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await launch(port, opts.maxPacketSize, opts.config);
    } catch (e) {
      lastError = e as Error;
    }
  }
  throw lastError;
}

async function launch(port: number, maxPacketSize: number | undefined, config?: (port: number) => string): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'deeperthings-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, config ? config(port) : [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence false',
    ...(maxPacketSize === undefined ? [] : [`max_packet_size ${maxPacketSize}`]),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    '',
  ].join('\n'));
  const child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`test: mosquitto exited with ${code} before listening on ${port}: ${stderr.trim()}`)));
    child.once('error', reject);
  });
  try {
    await Promise.race([waitForPort(port), exited]);
  } catch (e) {
    await kill(child);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  exited.catch(() => undefined); // a later exit is stop()'s business
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await kill(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
