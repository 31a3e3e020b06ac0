/**
 * Darknet .cfg text → sections with 1-based line numbers, plus typed option readers whose errors
 * name the file and line (Darknet's own parser, src/option_list.c + src/parser.c read_cfg).
 *
 * Darknet strips every whitespace character from a line, so `anchors =  0.5, 1` reads as
 * `anchors=0.5,1`; lines starting with `#` or `;` are comments. The first occurrence of a key wins
 * (option_find walks the list front to back). We also drop a trailing `# comment` after a value.
 */
import { ModelFormatError } from '../errors.ts';

export interface CfgOption {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

export interface CfgSection {
  /** Section name without brackets, lower-cased: `convolutional`, `net`, … */
  readonly type: string;
  readonly line: number;
  readonly options: ReadonlyMap<string, CfgOption>;
}

/** Parse cfg text; throws ModelFormatError('darknet', file, line, …) on lines Darknet can't read. */
export function parseCfg(text: string, file: string): CfgSection[] {
  const sections: { type: string; line: number; options: Map<string, CfgOption> }[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!.replace(/\s+/g, '');
    if (raw === '' || raw.startsWith('#') || raw.startsWith(';')) continue;
    if (raw.startsWith('[')) {
      const header = raw.split('#')[0]!;
      if (!header.endsWith(']') || header.length < 3) {
        throw new ModelFormatError('darknet', file, lineNo, `malformed section header '${lines[i]!.trim()}'`);
      }
      sections.push({ type: header.slice(1, -1).toLowerCase(), line: lineNo, options: new Map() });
      continue;
    }
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new ModelFormatError('darknet', file, lineNo, `expected 'key=value' but got '${lines[i]!.trim()}'`);
    const current = sections[sections.length - 1];
    if (!current) throw new ModelFormatError('darknet', file, lineNo, 'option before the first section ([net] must come first)');
    const key = raw.slice(0, eq);
    const hash = raw.indexOf('#', eq);
    const value = raw.slice(eq + 1, hash < 0 ? undefined : hash);
    if (!current.options.has(key)) current.options.set(key, { key, value, line: lineNo });
  }
  return sections;
}

/** Typed, line-aware access to one section's options. */
export class SectionReader {
  constructor(readonly section: CfgSection, readonly file: string) {}

  /** An error at the option's line (or the section header when the option is absent). */
  error(detail: string, key?: string): ModelFormatError {
    const line = (key !== undefined ? this.section.options.get(key)?.line : undefined) ?? this.section.line;
    return new ModelFormatError('darknet', this.file, line, detail);
  }

  has(key: string): boolean {
    return this.section.options.has(key);
  }

  str(key: string, fallback?: string): string {
    const opt = this.section.options.get(key);
    if (opt) return opt.value;
    if (fallback === undefined) throw this.error(`[${this.section.type}] is missing '${key}'`);
    return fallback;
  }

  num(key: string, fallback?: number): number {
    const opt = this.section.options.get(key);
    if (!opt) {
      if (fallback === undefined) throw this.error(`[${this.section.type}] is missing '${key}'`);
      return fallback;
    }
    return this.#parse(opt, opt.value, false);
  }

  /** An integer option, at least `min`; Darknet's default `fallback` when absent (required when undefined). */
  int(key: string, fallback?: number, min = -Infinity): number {
    const v = this.num(key, fallback);
    if (!Number.isInteger(v)) throw this.error(`${key} must be an integer but is '${this.str(key)}'`, key);
    if (v < min) throw this.error(`${key} must be >= ${min} but is ${v}`, key);
    return v;
  }

  /** Options we can't represent: an error naming the line when any is set to a non-zero value. */
  unsupported(...keys: string[]): void {
    for (const key of keys) {
      if (this.num(key, 0) !== 0) throw this.error(`[${this.section.type}] ${key}=${this.str(key)} is not supported`, key);
    }
  }

  /** Comma-separated numbers; `fallback` when absent. */
  nums(key: string, fallback?: number[]): number[] {
    const opt = this.section.options.get(key);
    if (!opt) {
      if (fallback === undefined) throw this.error(`[${this.section.type}] is missing '${key}'`);
      return fallback;
    }
    return opt.value.split(',').filter((s) => s !== '').map((s) => this.#parse(opt, s, true));
  }

  ints(key: string, fallback?: number[]): number[] {
    const vs = this.nums(key, fallback);
    if (!vs.every(Number.isInteger)) throw this.error(`${key} must be integers but is '${this.str(key)}'`, key);
    return vs;
  }

  #parse(opt: CfgOption, text: string, inList: boolean): number {
    const v = text === '' ? NaN : Number(text);
    if (!Number.isFinite(v)) {
      const what = inList ? `'${text}' in ${opt.key}=${opt.value}` : `${opt.key}=${opt.value}`;
      throw new ModelFormatError('darknet', this.file, opt.line, `not a number: ${what}`);
    }
    return v;
  }
}
