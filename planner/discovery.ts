/**
 * Home Assistant MQTT discovery (ECOSYSTEM §1, §6.3–6.5): from one typed source (cameras, workers)
 * to one retained device-based config per device on `<prefix>/device/<id>/config`, bridge first.
 *
 * Lifecycle, as zigbee2mqtt's extension does it (§3):
 * - `start()` publishes, and listens to our own retained configs to find devices an earlier run
 *   announced; those still absent `sweepAfterMs` later are removed (empty retained payload, §1.1).
 * - `update(source)` re-publishes what changed and removes devices the source no longer has. Keep an
 *   offline worker in the source (its connectivity entity shows it); drop it only when it is gone
 *   for good (its retained info cleared), or HA forgets its entities and their history.
 * - `onHaBirth(payload)`: on HA's `online` birth, re-publish everything after `birthDelayMs` (§1.4).
 * Unchanged payloads are not re-sent except on a birth: HA ignores them anyway (§1.1).
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { TopicName, Topics } from '../shared/topics.ts';
import { logger, type Logger } from '../shared/log.ts';
import { bridgeDevice } from './discovery-bridge.ts';
import { cameraDevice, type CameraSource } from './discovery-camera.ts';
import { instanceId, type DevicePayload, type DiscoveryBuildContext } from './discovery-model.ts';
import { workerDevice, type WorkerSource } from './discovery-worker.ts';

export type { CameraSource } from './discovery-camera.ts';
export type { WorkerSource } from './discovery-worker.ts';
export type { DevicePayload, DiscoveryBuildContext } from './discovery-model.ts';

/** Everything HA should show, besides the bridge itself. */
export interface DiscoverySource {
  cameras: readonly CameraSource[];
  workers: readonly WorkerSource[];
}

export interface DiscoveryMessage {
  /** Device id: the topic's `<id>` and the device's identifier. */
  id: string;
  topic: TopicName<'haDevice'>;
  payload: DevicePayload;
}

/** All discovery messages for `source`, bridge first. Pure; throws only on a label collision (a config error). */
export function buildDiscovery(ctx: DiscoveryBuildContext, source: DiscoverySource): DiscoveryMessage[] {
  const devices = [bridgeDevice(ctx), ...source.cameras.map((c) => cameraDevice(ctx, c)), ...source.workers.map((w) => workerDevice(ctx, w))];
  return devices.map(({ id, payload }) => ({ id, topic: ctx.topics.haDevice(id), payload }));
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface HaDiscoveryContext extends DiscoveryBuildContext {
  transport: Transport;
  /** HA's birth → re-announce delay (config `homeassistant.birthDelaySeconds` × 1000). */
  birthDelayMs: number;
  /** How long after start() devices of an earlier run may re-appear before they are removed. */
  sweepAfterMs: number;
  timers?: Timers;
  log?: Logger;
}

const realTimers: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };

export class HaDiscovery {
  readonly #ctx: HaDiscoveryContext;
  readonly #timers: Timers;
  readonly #log: Logger;
  #source: DiscoverySource = { cameras: [], workers: [] };
  /** id → JSON last published. */
  #published = new Map<string, string>();
  /** Our devices found retained on the broker (earlier runs). */
  #retained = new Set<string>();
  #handles = new Set<unknown>();
  #unsubscribe: Unsubscribe | undefined;
  #running = false;

  constructor(ctx: HaDiscoveryContext) {
    this.#ctx = ctx;
    this.#timers = ctx.timers ?? realTimers;
    this.#log = ctx.log ?? logger('discovery');
  }

  async start(): Promise<void> {
    this.#running = true;
    const topics: Topics = this.#ctx.topics;
    const ours = `${instanceId(topics)}_`;
    this.#unsubscribe = await topics.subscribe(this.#ctx.transport, topics.haDevice('+'), (m) => {
      if (m.retain && m.payload.ok && m.params.id?.startsWith(ours)) this.#retained.add(m.params.id);
    });
    await this.#publish(false);
    this.#later(this.#ctx.sweepAfterMs, () => this.#sweep());
  }

  /** `clear`: a clean shutdown removes every device this run announced (a crash keeps them, issue 10 #14). */
  async stop(opts: { clear?: boolean } = {}): Promise<void> {
    this.#running = false;
    for (const h of this.#handles) this.#timers.clear(h);
    this.#handles.clear();
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    if (opts.clear) for (const id of [...this.#published.keys()]) await this.#remove(id);
  }

  /** The current cameras and workers; publishes what changed, removes what disappeared. */
  async update(source: DiscoverySource): Promise<void> {
    this.#source = source;
    if (this.#running) await this.#publish(false);
  }

  /** Feed HA's status topic (`<prefix>/status`) here: `online` re-announces after the birth delay. */
  onHaBirth(payload: string): void {
    if (!this.#running || payload.trim() !== 'online') return;
    this.#later(this.#ctx.birthDelayMs, () => this.#publish(true));
  }

  /** The messages for the current source (what `validate --print-discovery` prints). */
  messages(): DiscoveryMessage[] {
    return buildDiscovery(this.#ctx, this.#source);
  }

  async #publish(force: boolean): Promise<void> {
    let messages: DiscoveryMessage[];
    try {
      messages = this.messages();
    } catch (e) {
      this.#log.error((e as Error).message);
      return;
    }
    const current = new Set(messages.map((m) => m.id));
    for (const id of [...this.#published.keys()].filter((id) => !current.has(id))) await this.#remove(id);
    for (const m of messages) {
      const json = JSON.stringify(m.payload);
      if (!force && this.#published.get(m.id) === json) continue;
      try {
        await this.#ctx.topics.publish(this.#ctx.transport, m.topic, m.payload, { qos: 1 });
        this.#published.set(m.id, json);
      } catch (e) {
        this.#log.error(`cannot publish discovery for ${m.id} on ${m.topic}: ${(e as Error).message}`);
      }
    }
  }

  /** Devices of an earlier run that did not come back: remove them. */
  async #sweep(): Promise<void> {
    for (const id of this.#retained) if (!this.#published.has(id)) await this.#remove(id);
    this.#retained.clear();
  }

  async #remove(id: string): Promise<void> {
    this.#published.delete(id);
    try {
      // [MQTT-3.3.1-10] an empty retained payload clears the config, and HA removes the device (§1.1).
      await this.#ctx.topics.clear(this.#ctx.transport, this.#ctx.topics.haDevice(id), { qos: 1 });
      this.#log.info(`removed Home Assistant device ${id}`);
    } catch (e) {
      this.#log.error(`cannot remove discovery for ${id}: ${(e as Error).message}`);
    }
  }

  #later(ms: number, fn: () => Promise<void>): void {
    const h = this.#timers.set(() => {
      this.#handles.delete(h);
      if (this.#running) fn().catch((e: unknown) => this.#log.error(`discovery: ${(e as Error).message}`));
    }, ms);
    this.#handles.add(h);
  }
}
