/** Options shared by the commands that talk to a broker. */
import type { OptionSpec } from './args.ts';
import { Topics } from '../shared/topics.ts';
import type { Target } from './stack.ts';

export const brokerOptions: Record<string, OptionSpec> = {
  broker: { type: 'string', help: 'MQTT broker URL (mqtt://host:1883, ws://host:8883)', default: 'mqtt://127.0.0.1:1883' },
  username: { type: 'string', help: 'MQTT username' },
  password: { type: 'string', help: 'MQTT password' },
  root: { type: 'string', help: 'topic root', default: 'deeperthings' },
  cluster: { type: 'string', help: 'cluster id (several deployments on one broker)', default: 'default' },
};

export function targetFromOpts(opts: Record<string, unknown>): Target {
  return { url: String(opts.broker), username: opts.username as string | undefined, password: opts.password as string | undefined };
}

export function topicsFromOpts(opts: Record<string, unknown>): Topics {
  return new Topics({ root: String(opts.root ?? 'deeperthings'), cluster: String(opts.cluster ?? 'default') });
}

/** Resolve when SIGINT/SIGTERM arrives (long-running commands stop cleanly). */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const done = (s: string) => () => resolve(s);
    process.once('SIGINT', done('SIGINT'));
    process.once('SIGTERM', done('SIGTERM'));
  });
}
