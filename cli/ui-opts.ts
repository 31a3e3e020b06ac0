/** `--ui-port` / `--ui-host` of `planner` and `up`: the dashboard (planner/ui), off unless asked for. */
import { hostname } from 'node:os';
import type { OptionSpec } from './args.ts';
import { intOpt } from './args.ts';
import type { Model } from '../shared/model/ir.ts';
import type { Topics } from '../shared/topics.ts';
import { DashboardServer, type PlanSource } from '../planner/ui/server.ts';
import { explanationOf } from '../planner/auto.ts';
import { connect, type Target } from './stack.ts';

export const uiOptions: Record<string, OptionSpec> = {
  'ui-port': { type: 'string', help: 'serve the dashboard (page, /events, /metrics) on this port; 0 = any free port' },
  'ui-host': { type: 'string', help: 'dashboard listen address (0.0.0.0 to serve the LAN)', default: '127.0.0.1' },
};

/**
 * Start the dashboard when `--ui-port` is given; returns its URL and how to stop it. It has its own
 * broker connection: a client that subscribes again to a filter it already holds (the planner's
 * worker filters) is not sent the retained messages again by every broker.
 */
export async function dashboardFromOpts(opts: Record<string, unknown>, ctx: { target: Target; topics: Topics; planner: PlanSource; model: Model }): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  const port = intOpt(opts, 'ui-port', 0, 65535);
  if (port === undefined) return undefined;
  const transport = await connect(ctx.target, `deeperthings-dashboard-${hostname()}-${process.pid}`);
  const ui = new DashboardServer({ transport, topics: ctx.topics, planner: ctx.planner, model: ctx.model, port, host: String(opts['ui-host'] ?? '127.0.0.1'), explain: explanationOf });
  try {
    const url = await ui.start();
    return { url, stop: async () => { await ui.stop(); await transport.close(); } };
  } catch (e) {
    await transport.close();
    throw e;
  }
}
