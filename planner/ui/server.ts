/**
 * The dashboard (issue 12): an HTTP server in the planner process with the page, a server-sent
 * event stream of the cluster, the plan picture and Prometheus metrics on one port.
 *
 * Why SSE from the planner and not MQTT over WebSocket: the planner already holds everything the
 * page shows and MQTT does not carry — the plan's view, the `--explain` text, the per-stage
 * predictions — and it works with any broker: no WebSocket listener to configure on Mosquitto, no
 * broker credentials or ACLs handed to a browser, and the same origin as `/metrics`.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Model } from '../../shared/model/ir.ts';
import type { PlanDoc } from '../../shared/plan/types.ts';
import type { Transport } from '../../shared/transport/types.ts';
import type { Topics } from '../../shared/topics.ts';
import { logger, type Logger } from '../../shared/log.ts';
import { ClusterState, type ClusterEvent } from './cluster-state.ts';
import { DashboardMetrics } from './metrics.ts';
import { SseHub } from './sse.ts';
import { staticFile } from './static-files.ts';
import { planView, type PlanView } from './plan-view.ts';
import { planSvg } from './plan-svg.ts';
import { predictedStageTimes } from './stage-latency.ts';
import { planCost, toPrediction } from '../cost.ts';

/** What the dashboard needs of the planner service (planner/service.ts). */
export interface PlanSource {
  readonly plan: PlanDoc | undefined;
  readonly listeners: Set<(plan: PlanDoc | undefined) => void>;
}

export interface DashboardContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly planner: PlanSource;
  /** For the per-stage predicted latencies; without it the waterfall shows measured times only. */
  readonly model?: Model;
  /** The `--explain` lines of a plan, when the planner kept them. */
  readonly explain?: (plan: PlanDoc) => readonly string[] | undefined;
  /** 0 picks a free port. */
  readonly port: number;
  /** Default 127.0.0.1 (this machine only); '0.0.0.0' to serve the LAN. */
  readonly host?: string;
  readonly log?: Logger;
}

const SECURITY_HEADERS = {
  // Everything comes from this origin: the page cannot load (or leak to) a CDN.
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

export class DashboardServer {
  readonly #ctx: DashboardContext;
  readonly #log: Logger;
  readonly #state: ClusterState;
  readonly #metrics = new DashboardMetrics();
  readonly #sse = new SseHub();
  readonly #onPlan = (plan: PlanDoc | undefined) => this.#setPlan(plan);
  #http: http.Server | undefined;
  #view: PlanView | undefined;
  #url = '';

  constructor(ctx: DashboardContext) {
    this.#ctx = ctx;
    this.#log = ctx.log ?? logger('dashboard');
    this.#state = new ClusterState({ transport: ctx.transport, topics: ctx.topics });
  }

  /** Listening address, after start(). */
  get url(): string {
    return this.#url;
  }

  async start(): Promise<string> {
    this.#metrics.attach(this.#state);
    this.#state.listeners.add((e) => this.#forward(e));
    await this.#state.start();
    this.#ctx.planner.listeners.add(this.#onPlan);
    this.#setPlan(this.#ctx.planner.plan);
    const server = http.createServer((req, res) => void this.#route(req, res).catch((e: Error) => this.#fail(res, e)));
    this.#http = server;
    const host = this.#ctx.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#ctx.port, host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.#url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}/`;
    this.#log.info(`dashboard at ${this.#url} (metrics at ${this.#url}metrics)`);
    return this.#url;
  }

  async stop(): Promise<void> {
    this.#ctx.planner.listeners.delete(this.#onPlan);
    this.#sse.close();
    this.#metrics.detach();
    await this.#state.stop();
    const server = this.#http;
    this.#http = undefined;
    if (server) await new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); });
  }

  /** The whole state, as the first SSE event and `GET /api/state`. */
  snapshot(): Record<string, unknown> {
    const s = this.#state;
    return {
      cluster: this.#ctx.topics.cluster, plan: this.#view ?? null, workers: [...s.workers.values()], cameras: [...s.cameras.values()],
      errors: s.errors, errorCounts: Object.fromEntries(s.errorCounts),
    };
  }

  #setPlan(doc: PlanDoc | undefined): void {
    const m = this.#ctx.model;
    // A plan made without the optimiser (a fixed preset) has no prediction: make it here.
    const plan = doc && !doc.predicted && m ? { ...doc, predicted: toPrediction(planCost(m, doc)) } : doc;
    this.#view = plan && planView(plan, { explain: this.#ctx.explain?.(doc!), stages: m ? predictedStageTimes(m, plan) : undefined, resize: m?.preprocess.resize });
    this.#metrics.setPlan(this.#view);
    this.#sse.send('plan', this.#view ?? null);
  }

  #forward(e: ClusterEvent): void {
    if (e.type === 'worker') this.#sse.send('worker', e.worker);
    else if (e.type === 'camera') this.#sse.send('camera', e.camera);
    else this.#sse.send('error', { error: e.error, counts: Object.fromEntries(this.#state.errorCounts) });
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.#send(res, 405, 'text/plain', 'dashboard: only GET\n');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/events') return this.#sse.open(req, res, { event: 'state', data: this.snapshot() });
    if (path === '/metrics') return this.#send(res, 200, this.#metrics.contentType, await this.#metrics.text());
    if (path === '/api/state') return this.#send(res, 200, 'application/json', JSON.stringify(this.snapshot()));
    if (path === '/plan.svg') return this.#view ? this.#send(res, 200, 'image/svg+xml', planSvg(this.#view)) : this.#send(res, 404, 'text/plain', 'dashboard: no plan yet\n');
    const snap = /^\/api\/cameras\/([^/]+)\/snapshot\.jpg$/.exec(path);
    if (snap) {
      const jpeg = this.#state.snapshots.get(decodeURIComponent(snap[1]!));
      return jpeg ? this.#send(res, 200, 'image/jpeg', jpeg) : this.#send(res, 404, 'text/plain', 'dashboard: no snapshot for that camera\n');
    }
    const file = await staticFile(path === '/' ? 'index.html' : path.replace(/^\/static\//, ''));
    if (file && (path === '/' || path.startsWith('/static/'))) return this.#send(res, 200, file.type, file.body);
    return this.#send(res, 404, 'text/plain', `dashboard: nothing at ${path}\n`);
  }

  #send(res: ServerResponse, status: number, type: string, body: string | Uint8Array): void {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...SECURITY_HEADERS });
    res.end(body);
  }

  #fail(res: ServerResponse, e: Error): void {
    this.#log.error(`dashboard: ${e.message}`);
    if (!res.headersSent) this.#send(res, 500, 'text/plain', `dashboard: ${e.message}\n`);
  }
}
