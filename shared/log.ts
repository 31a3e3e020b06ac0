/** Leveled logging to stderr, per module; JSON lines when DEEPERTHINGS_LOG_JSON=1. */
export type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

let threshold: Level = (process.env.DEEPERTHINGS_LOG_LEVEL as Level | undefined) ?? 'info';
let json = process.env.DEEPERTHINGS_LOG_JSON === '1';

export function setLogLevel(level: Level): void {
  threshold = level;
}

/** JSON lines instead of text (config `logging.json`; DEEPERTHINGS_LOG_JSON=1 wins). */
export function setLogJson(on: boolean): void {
  json = on;
}

/** Whether debug lines pass the level (callers that add per-layer detail only then). */
export function debugEnabled(): boolean {
  return ORDER[threshold] <= ORDER.debug;
}

export interface Logger {
  debug(msg: string, data?: unknown): void;
  info(msg: string, data?: unknown): void;
  warn(msg: string, data?: unknown): void;
  error(msg: string, data?: unknown): void;
}

export function logger(module: string): Logger {
  const emit = (level: Level) => (msg: string, data?: unknown) => {
    if (ORDER[level] < ORDER[threshold]) return;
    const line = { level, module, msg, data };
    if (json) process.stderr.write(JSON.stringify({ t: new Date().toISOString(), ...line }) + '\n');
    else process.stderr.write(`[${level}] ${module}: ${msg}${data === undefined ? '' : ' ' + JSON.stringify(data)}\n`);
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
