/**
 * The planner process's extensions around PlannerService (zigbee2mqtt's extension cut): Home
 * Assistant discovery of the bridge, every camera seen or configured and every worker; the
 * bridge request/response API. A camera not in the config is announced like a configured one once
 * the planner has seen it as a real frame source (camera-witness.ts: forged predictions alone
 * create no device).
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { Config } from '../shared/config/types.ts';
import { logger } from '../shared/log.ts';
import { HaDiscovery, type CameraSource } from './discovery.ts';
import { discoveryContext } from './discovery-config.ts';
import { BridgeApi } from './bridge-api.ts';
import { CameraWitness } from './camera-witness.ts';
import type { PlannerService } from './service.ts';

const VERSION = '0.1.0';

export interface ControlPlaneContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly planner: PlannerService;
  readonly config: Config;
  /** Labels a camera seen without configuration gets entities for. */
  readonly defaultLabels?: readonly string[];
}

const DEFAULT_LABELS = ['person', 'car', 'dog', 'cat', 'bicycle'];

export class ControlPlane {
  readonly #ctx: ControlPlaneContext;
  readonly #cameras = new Map<string, CameraSource>();
  readonly #unsubs: Unsubscribe[] = [];
  readonly #discovery: HaDiscovery | undefined;
  readonly #api: BridgeApi;
  readonly #witness: CameraWitness;
  readonly #log = logger('control');
  readonly #onPlan = () => void this.#refresh();

  constructor(ctx: ControlPlaneContext) {
    this.#ctx = ctx;
    const ha = ctx.config.homeassistant;
    for (const [name, cam] of Object.entries(ctx.config.cameras)) this.#cameras.set(name, { name, labels: cam.labels });
    this.#discovery = ha.enabled ? new HaDiscovery({ ...discoveryContext(ctx.config, VERSION, ctx.topics), transport: ctx.transport, birthDelayMs: ha.birthDelaySeconds * 1000, sweepAfterMs: 10_000 }) : undefined;
    this.#witness = new CameraWitness({
      transport: ctx.transport, topics: ctx.topics, planId: () => ctx.planner.plan?.planId,
      confirmed: (cam) => {
        if (this.#cameras.has(cam)) return;
        this.#cameras.set(cam, { name: cam, labels: this.#ctx.defaultLabels ?? DEFAULT_LABELS });
        void this.#refresh();
      },
    });
    this.#api = new BridgeApi({ transport: ctx.transport, topics: ctx.topics, handlers: this.#handlers() });
  }

  /** The discovery payloads as they are now (`validate --print-discovery`, tests). */
  get discovery(): HaDiscovery | undefined { return this.#discovery; }

  async start(): Promise<void> {
    const { transport: t, topics } = this.#ctx;
    await this.#api.start();
    if (!this.#discovery) return;
    await this.#discovery.start();
    this.#unsubs.push(await topics.subscribe(t, topics.haStatus(), (m) => m.payload.ok && this.#discovery!.onHaBirth(m.payload.value)));
    this.#unsubs.push(await t.subscribe(topics.cameraPredictions('+'), (topic, payload) => {
      const cam = topics.parse(topic)?.params.cam;
      if (cam && !this.#cameras.has(cam)) this.#witness.predictions(cam, payload);
    }));
    this.#ctx.planner.listeners.add(this.#onPlan);
    await this.#refresh();
  }

  /** `clear`: a clean stop removes the Home Assistant devices announced (issue 10 #14). */
  async stop(opts: { clear?: boolean } = {}): Promise<void> {
    this.#ctx.planner.listeners.delete(this.#onPlan);
    for (const u of this.#unsubs.splice(0)) await u().catch(() => undefined);
    await this.#witness.stop();
    await this.#discovery?.stop(opts);
    await this.#api.stop();
  }

  /** Re-announce cameras and workers (after a plan change, a new camera). */
  async #refresh(): Promise<void> {
    if (!this.#discovery) return;
    const plan = this.#ctx.planner.plan;
    const cameras = [...this.#cameras.values()].map((c) => ({ ...c, ...(plan ? { worker: plan.dataSource } : {}) }));
    const workers = this.#ctx.planner.workers.filter((w) => w.info).map((w) => ({ id: w.id, info: w.info }));
    await this.#discovery.update({ cameras, workers }).catch((e: Error) => this.#log.error(e.message));
  }

  #handlers(): ConstructorParameters<typeof BridgeApi>[0]['handlers'] {
    const planner = this.#ctx.planner;
    const summary = () => ({
      planId: planner.plan?.planId ?? null, devices: planner.plan?.devices.map((d) => d.id) ?? [], dataSource: planner.plan?.dataSource ?? null,
      ...(planner.plan?.reason ? { reason: planner.plan.reason } : {}),
    });
    return {
      health: () => ({ status: 'online', workersOnline: planner.workers.filter((w) => w.online).length, plan: planner.plan?.planId ?? null }),
      // The model and objective the planner runs with, not a config default (issue 10 #3); its calibration factors.
      info: () => ({ version: VERSION, model: planner.model.name, objective: planner.objective ?? null, plan: summary(), calibration: planner.calibration.snapshot(), workers: planner.workers, cameras: [...this.#cameras.keys()] }),
      plan: async (r) => {
        const plan = await planner.replan(r.objective);
        if (!plan) throw new Error('no worker is online to plan for');
        return summary();
      },
      'restart-worker': async (r) => {
        const w = planner.workers.find((x) => x.id === r.id);
        if (!w) throw new Error(`unknown worker '${r.id}' (known: ${planner.workers.map((x) => x.id).join(', ') || 'none'})`);
        if (!w.online) throw new Error(`worker '${r.id}' is offline`);
        // The worker itself listens on this request topic and rebuilds its runtime; we validate and answer.
        return { id: r.id, requested: true };
      },
    };
  }
}
