/**
 * When a worker publishes its stats (issue 10 #13): on change, or every `heartbeatMs` (default 10 s)
 * so Home Assistant's `expire_after` sees it alive; never once a second from an idle worker, which
 * floods `mosquitto_sub -t 'deeperthings/#'`. Fields that always move (RSS, time) do not count as a change.
 */
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
