/** Thin, typed argument parsing over node:util parseArgs, with `--help` on every command. */
import { parseArgs } from 'node:util';
import { UsageError } from '../shared/errors.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
  readonly default?: string | boolean;
  readonly short?: string;
  readonly multiple?: boolean;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  run(opts: Record<string, string | boolean | string[] | undefined>, positionals: string[]): Promise<number>;
}

export function helpText(cmd: Command): string {
  const lines = [`Usage: deeperthings ${cmd.usage}`, '', cmd.summary, '', 'Options:'];
  for (const [name, o] of Object.entries(cmd.options)) {
    const flag = `--${name}${o.type === 'string' ? ' <value>' : ''}`;
    const dflt = o.default === undefined || o.default === false ? '' : ` (default: ${String(o.default)})`;
    lines.push(`  ${flag.padEnd(28)} ${o.help}${dflt}`);
  }
  lines.push(`  ${'--help'.padEnd(28)} show this help`);
  return lines.join('\n');
}

/** Parse argv for one command; unknown flags become a UsageError naming the flag. */
export function parseCommand(cmd: Command, argv: string[]): { opts: Record<string, string | boolean | string[] | undefined>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) };
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { opts: values as Record<string, string | boolean | string[] | undefined>, positionals, help: values.help === true };
  } catch (e) {
    throw new UsageError(`${cmd.name}: ${(e as Error).message.split('\n')[0]} (see deeperthings ${cmd.name} --help)`);
  }
}

/** Parse an integer option with a range check; errors name the flag. */
export function intOpt(opts: Record<string, unknown>, name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected an integer in ${min}..${max}, got '${String(v)}'`);
  return n;
}

/** `5x5` / `3x2` grids (rows x cols). */
export function gridOpt(opts: Record<string, unknown>, name: string): { rows: number; cols: number } | undefined {
  const v = opts[name];
  if (v === undefined) return undefined;
  const m = /^(\d+)x(\d+)$/.exec(String(v));
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--${name}: expected ROWSxCOLS like 5x5, got '${String(v)}'`);
  return { rows: Number(m[1]), cols: Number(m[2]) };
}

/** A string option from a fixed list (`fallback` when absent); errors name the flag and the list. */
export function enumOpt<T extends string>(opts: Record<string, unknown>, name: string, allowed: readonly T[], fallback: T): T {
  const v = opts[name] ?? fallback;
  if (!(allowed as readonly unknown[]).includes(v)) throw new UsageError(`--${name}: expected ${allowed.join(' | ')}, got '${String(v)}'`);
  return v as T;
}
