/**
 * Server-sent events (the WHATWG EventSource protocol): one long response per browser, `event:` +
 * `data:` blocks, a comment line as keep-alive so proxies do not close an idle stream. EventSource
 * reconnects by itself, and the first event after a (re)connect is the whole state.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const KEEPALIVE_MS = 15_000;

export class SseHub {
  readonly #clients = new Set<ServerResponse>();
  #timer: NodeJS.Timeout | undefined;

  get size(): number {
    return this.#clients.size;
  }

  /** Take over `res` as an event stream and send `first` (the full state) on it. */
  open(req: IncomingMessage, res: ServerResponse, first: { event: string; data: unknown }): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    res.write(frame(first.event, first.data));
    this.#clients.add(res);
    req.on('close', () => this.#clients.delete(res));
    this.#timer ??= setInterval(() => { for (const c of this.#clients) c.write(': keep-alive\n\n'); }, KEEPALIVE_MS).unref();
  }

  send(event: string, data: unknown): void {
    if (this.#clients.size === 0) return;
    const text = frame(event, data);
    for (const c of this.#clients) c.write(text);
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const c of this.#clients) c.end();
    this.#clients.clear();
  }
}

/** One event; JSON has no raw newlines, so `data:` is a single line. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
