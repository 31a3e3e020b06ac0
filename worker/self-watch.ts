/**
 * Only a worker speaks for itself while it runs (issue 14 §4: a stranger's `offline` evicted a live
 * worker). It watches its own retained state and info: a forged `offline`, a cleared state or a
 * rewritten info is answered at once by announcing again, and the planner keeps the current plan
 * when its set of workers is the same by its re-plan. The Last Will still speaks for the worker
 * once its connection is gone. Needed in open mode only: with users the broker's ACL keeps others
 * off these topics, and may refuse this subscription, which is fine.
 */
import type { Transport, Unsubscribe } from '../shared/transport/types.ts';
import type { Topics } from '../shared/topics.ts';
import type { WorkerInfo } from '../shared/wire/messages.ts';
import type { Logger } from '../shared/log.ts';

export async function watchSelf(ctx: { transport: Transport; topics: Topics; info: WorkerInfo; log: Logger; stopping: () => boolean }): Promise<Unsubscribe[]> {
  const { transport: t, topics, info, log } = ctx;
  const none = async () => undefined;
  const again = (what: string, send: () => Promise<void>) => {
    log.warn(`${what} for this running worker: announcing again`);
    void send().catch(() => undefined);
  };
  const state = await t.subscribe(topics.workerState(info.id), (_topic, payload) => {
    const s = Buffer.from(payload).toString('utf8');
    if (!ctx.stopping() && s !== 'online') again(`state '${s.slice(0, 40)}' published`, () => topics.publish(t, topics.workerState(info.id), 'online', { qos: 1 }));
  }).catch(() => none);
  const mine = JSON.stringify(info);
  const infoOff = await t.subscribe(topics.workerInfo(info.id), (_topic, payload) => {
    if (!ctx.stopping() && Buffer.from(payload).toString('utf8') !== mine) again('info replaced', () => topics.publish(t, topics.workerInfo(info.id), info, { qos: 1 }));
  }).catch(() => none);
  return [state, infoOff];
}
