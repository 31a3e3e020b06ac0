/**
 * While no plan runs, nobody would ingest a camera frame: the planner listens then and reports
 * each dropped frame as `no-plan` (at most once a second per camera), so no frame is lost in
 * silence. Switched on and off by the planner service as plans come and go.
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { ErrorMessage } from '../shared/wire/messages.ts';

export interface NoPlanFramesContext {
  readonly transport: Transport;
  readonly topics: Topics;
  readonly hasPlan: () => boolean;
  /** Workers online now (said in the message). */
  readonly online: () => number;
}

export class NoPlanFrames {
  readonly #ctx: NoPlanFramesContext;
  #off: Unsubscribe | undefined;

  constructor(ctx: NoPlanFramesContext) {
    this.#ctx = ctx;
  }

  async set(on: boolean): Promise<void> {
    if (on === (this.#off !== undefined)) return;
    if (!on) {
      const off = this.#off!;
      this.#off = undefined;
      return off();
    }
    const { transport: t, topics } = this.#ctx;
    const last = new Map<string, number>();
    this.#off = await t.subscribe(topics.cameraFrame('+'), (topic) => {
      const cam = topics.parse(topic)?.params.cam ?? '?';
      if (this.#ctx.hasPlan() || Date.now() - (last.get(cam) ?? 0) < 1000) return;
      last.set(cam, Date.now());
      const online = this.#ctx.online();
      const msg: ErrorMessage = { code: 'no-plan', message: `camera ${cam}: frame dropped: no plan yet (${online} worker${online === 1 ? '' : 's'} online)`, camera: cam, time: Date.now() };
      void topics.publish(t, topics.errors(), msg).catch(() => undefined);
    });
  }
}
