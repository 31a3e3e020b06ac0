/** Options shared by the commands that talk to a broker. */
import type { OptionSpec } from './args.ts';
import { Topics } from '../shared/topics.ts';
import type { Target } from './stack.ts';
import type { Config } from '../shared/config/types.ts';
import { topicsConfig } from '../shared/config/load.ts';

export const brokerOptions: Record<string, OptionSpec> = {
  broker: { type: 'string', help: 'MQTT broker URL (mqtt://host:1883, ws://host:8883)', default: 'mqtt://127.0.0.1:1883' },
  username: { type: 'string', help: 'MQTT username' },
  password: { type: 'string', help: 'MQTT password' },
  root: { type: 'string', help: 'topic root (default: the config\'s, else deeperthings)' },
  cluster: { type: 'string', help: 'cluster id, for several deployments on one broker (default: the config\'s, else default)' },
};

export function targetFromOpts(opts: Record<string, unknown>): Target {
  return { url: String(opts.broker), username: opts.username as string | undefined, password: opts.password as string | undefined };
}

export function topicsFromOpts(opts: Record<string, unknown>, config?: Config): Topics {
  const base = config ? topicsConfig(config) : {};
  return new Topics({ ...base, ...(opts.root ? { root: String(opts.root) } : {}), ...(opts.cluster ? { cluster: String(opts.cluster) } : {}) });
}

/** Resolve when SIGINT/SIGTERM arrives (long-running commands stop cleanly). */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (s: string) => () => resolve(s);
    process.once('SIGINT', done('SIGINT'));
    process.once('SIGTERM', done('SIGTERM'));
  });
}
