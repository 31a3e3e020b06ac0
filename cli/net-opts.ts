/** Options shared by the commands that talk to a broker. */
import type { OptionSpec } from './args.ts';
import { Topics } from '../shared/topics.ts';
import type { Target } from './stack.ts';
import type { Config } from '../shared/config/types.ts';
import { topicsConfig } from '../shared/config/load.ts';
import { UsageError } from '../shared/errors.ts';
import { readFileSync } from 'node:fs';

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--ca: cannot read '${file}': ${(e as Error).message}`);
  }
}

/** `--tls-cert`/`--tls-key` of `broker` and `up`: both or neither. */
export const tlsOptions: Record<string, OptionSpec> = {
  'tls-cert': { type: 'string', help: 'PEM certificate (chain): the broker speaks MQTT over TLS (and WSS on --ws-port)' },
  'tls-key': { type: 'string', help: 'PEM private key of --tls-cert' },
};

export function tlsFromOpts(opts: Record<string, unknown>): { cert: string; key: string } | undefined {
  const cert = opts['tls-cert'];
  const key = opts['tls-key'];
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  const read = (flag: string, f: string) => {
    try { return readFileSync(f, 'utf8'); } catch (e) { throw new UsageError(`--${flag}: cannot read '${f}': ${(e as Error).message}`); }
  };
  return { cert: read('tls-cert', String(cert)), key: read('tls-key', String(key)) };
}

const SCHEMES = ['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss'];
const URL_SHAPE = 'a broker URL looks like mqtt://host:1883, mqtts://host:8883 or ws://host:8883/mqtt (host:port means mqtt://host:port)';

export const brokerOptions: Record<string, OptionSpec> = {
  broker: { type: 'string', help: 'MQTT broker URL (mqtt://host:1883, ws://host:8883, or host:port) (default: the config\'s mqtt.url)' },
  username: { type: 'string', help: 'MQTT username (default: the config\'s mqtt.username)' },
  password: { type: 'string', help: 'MQTT password (default: the config\'s mqtt.password, else $DEEPERTHINGS_PASSWORD)' },
  ca: { type: 'string', help: 'PEM file of a private CA that signed the broker\'s TLS certificate (mqtts://, wss://)' },
  root: { type: 'string', help: 'topic root (default: the config\'s, else deeperthings)' },
  cluster: { type: 'string', help: 'cluster id, for several deployments on one broker (default: the config\'s, else default)' },
};

/**
 * `--broker` as mqtt.js needs it: `host:port` and `host` get `mqtt://` (issue 10 #5: mqtt.js read
 * `127.0.0.1:1883` as scheme `127.0.0.1:` and failed on the first packet); anything else that is not
 * a URL with a known scheme and a host is a UsageError saying what a broker URL looks like.
 */
export function brokerUrl(raw: string, flag = '--broker'): string {
  const v = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `mqtt://${v}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new UsageError(`${flag}: '${raw}' is not a URL: ${URL_SHAPE}`);
  }
  const scheme = u.protocol.slice(0, -1).toLowerCase();
  if (!SCHEMES.includes(scheme)) throw new UsageError(`${flag}: unknown scheme '${scheme}://' in '${raw}' (expected ${SCHEMES.join(', ')}): ${URL_SHAPE}`);
  if (!u.hostname) throw new UsageError(`${flag}: '${raw}' names no host: ${URL_SHAPE}`);
  return withScheme;
}

/** The broker to use: `--broker`, else the config's `mqtt.url`; credentials likewise. */
export function targetFromOpts(opts: Record<string, unknown>, config?: Config): Extract<Target, { url: string }> {
  const url = brokerUrl(String(opts.broker ?? config?.mqtt.url ?? 'mqtt://127.0.0.1:1883'), opts.broker ? '--broker' : 'mqtt.url');
  return {
    url, username: (opts.username as string | undefined) ?? config?.mqtt.username,
    // The environment keeps a password out of `ps` (up passes its workers theirs this way).
    password: (opts.password as string | undefined) ?? config?.mqtt.password ?? process.env.DEEPERTHINGS_PASSWORD,
    ...(opts.ca ? { ca: readCa(String(opts.ca)) } : {}),
    ...(config?.mqtt.protocol === 4 ? { protocol: 4 as const } : {}),
  };
}

export function topicsFromOpts(opts: Record<string, unknown>, config?: Config): Topics {
  const base = config ? topicsConfig(config) : {};
  return new Topics({ ...base, ...(opts.root ? { root: String(opts.root) } : {}), ...(opts.cluster ? { cluster: String(opts.cluster) } : {}) });
}
