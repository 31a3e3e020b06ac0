/**
 * Which unconfigured cameras get a Home Assistant device (issue 14 §3/§4: 20 forged prediction
 * messages created 20 retained HA devices for cameras that do not exist). A camera not in the
 * config is announced only once the planner has seen it as a real frame source: predictions of
 * the current plan name it, and a frame then arrives on its frame topic. Until then the planner
 * listens to that one camera's frames (at most `maxPending` cameras at once), so a flood of forged
 * names costs a bounded set of subscriptions and creates nothing.
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';

export interface WitnessContext {
  readonly transport: Transport;
  readonly topics: Topics;
  /** The current plan's id (predictions of another plan, or none, prove nothing). */
  readonly planId: () => string | undefined;
  /** A camera proved real. */
  readonly confirmed: (camera: string) => void;
  /** Cameras watched at once (default 16); more candidates wait for their next predictions. */
  readonly maxPending?: number;
}

export class CameraWitness {
  readonly #ctx: WitnessContext;
  readonly #pending = new Map<string, Promise<Unsubscribe>>();
  #stopped = false;

  constructor(ctx: WitnessContext) {
    this.#ctx = ctx;
  }

  /** Predictions for an unknown camera arrived. */
  predictions(camera: string, payload: Uint8Array): void {
    if (this.#stopped || this.#pending.has(camera) || this.#pending.size >= (this.#ctx.maxPending ?? 16)) return;
    const plan = this.#ctx.planId();
    let named: unknown;
    try {
      named = (JSON.parse(Buffer.from(payload).toString('utf8')) as { plan?: unknown }).plan;
    } catch {
      return;
    }
    if (!plan || named !== plan) return;
    const { transport: t, topics } = this.#ctx;
    const off = t.subscribe(topics.cameraFrame(camera), (_topic, frame, meta) => {
      if (meta.retain || frame.length === 0 || !this.#pending.has(camera)) return;
      void this.#drop(camera);
      this.#ctx.confirmed(camera);
    });
    this.#pending.set(camera, off);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const camera of [...this.#pending.keys()]) await this.#drop(camera);
  }

  async #drop(camera: string): Promise<void> {
    const off = this.#pending.get(camera);
    this.#pending.delete(camera);
    await off?.then((u) => u()).catch(() => undefined);
  }
}
