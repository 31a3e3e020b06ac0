/**
 * When a worker publishes its stats (issue 10 #13): on change, or every `heartbeatMs` (default 10 s)
 * so Home Assistant's `expire_after` sees it alive; never once a second from an idle worker, which
 * floods `mosquitto_sub -t 'deeperthings/#'`. Fields that always move (RSS, time) do not count as a change.
 */
import type { WorkerStats } from '../shared/wire/messages.ts';

export const STATS_HEARTBEAT_MS = 10_000;

const VOLATILE = new Set(['rssBytes', 'time']);

export class StatsGate {
  readonly #heartbeatMs: number;
  #last = '';
  #at = -Infinity;

  constructor(heartbeatMs = STATS_HEARTBEAT_MS) {
    this.#heartbeatMs = heartbeatMs;
  }

  /** Whether `stats` should go out now; remembers it when it does. */
  due(stats: object, now: number): boolean {
    const key = JSON.stringify(Object.entries(stats).filter(([k]) => !VOLATILE.has(k)));
    if (key === this.#last && now - this.#at < this.#heartbeatMs) return false;
    this.#last = key;
    this.#at = now;
    return true;
  }
}

/** A worker's stats now: its counters and its runtime's (none without a plan). */
export function workerStats(worker: string, plan: string | null, counters: WorkerCounters, rt?: RuntimeFigures): WorkerStats {
  return {
    worker, plan, ...counters, framesInFlight: rt?.framesInFlight ?? 0,
    weightBytes: rt?.weightBytes ?? 0, publishedBytes: rt?.outboxStats.publishedBytes ?? 0, receivedBytes: rt?.receivedBytes ?? 0,
    messages: rt?.outboxStats.messages ?? 0, rssBytes: process.memoryUsage().rss, time: Date.now(),
    ...(rt?.stealStats ? { steal: { stolen: rt.stealStats.stolen, lent: rt.stealStats.claimed } } : {}),
  };
}

type WorkerCounters = { frames: number; badFrames: number; oversizeFrames: number; skippedFrames?: number; predictions: number; errors: number; suppressedErrors?: number };
interface RuntimeFigures {
  framesInFlight: number; weightBytes: number; receivedBytes: number; outboxStats: { publishedBytes: number; messages: number };
  stealStats?: { stolen: number; claimed: number };
}
