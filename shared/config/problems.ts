/**
 * Ajv errors → one line per problem, `<path>: <message>` (zigbee2mqtt's `<path> <message>`, STYLE §8),
 * e.g. `cameras.front.topic: must be string`. Paths use dots for keys and `[i]` for array items, so
 * they read like the YAML the user wrote.
 */
import type { ErrorObject } from 'ajv';

/** `/cameras/front/labels/0` in `data` → `cameras.front.labels[0]`; '' → '(root)'. */
function dottedPath(pointer: string, data: unknown, extra?: string): string {
  const keys = pointer === '' ? [] : pointer.slice(1).split('/').map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) keys.push(extra);
  let out = '';
  let node: unknown = data;
  for (const k of keys) {
    out += Array.isArray(node) ? `[${k}]` : out === '' ? k : `.${k}`;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined;
  }
  return out === '' ? '(root)' : out;
}

function message(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'type':
      return `must be ${([] as unknown[]).concat(p.type).join(' or ')}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'additionalProperties': {
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return `is not a known key${known.length ? ` (known: ${known.join(', ')})` : ''}`;
    }
    case 'required':
      return 'is required';
    case 'minItems':
      return `must have at least ${p.limit} item${p.limit === 1 ? '' : 's'}`;
    case 'pattern':
    case 'not':
      if (e.propertyName !== undefined) return description ?? `name must match ${JSON.stringify(p.pattern)}`;
      return description ?? e.message ?? e.keyword;
    default:
      return e.message ?? e.keyword;
  }
}

/** One line per Ajv error, in Ajv's order, duplicates removed. Needs Ajv's `verbose` for parentSchema. */
export function formatAjvErrors(errors: readonly ErrorObject[], data: unknown): string[] {
  const lines: string[] = [];
  for (const e of errors) {
    // Ajv reports a bad property name twice: as the failed pattern and as `propertyNames`; keep one.
    if (e.keyword === 'propertyNames') continue;
    const p = e.params as Record<string, string>;
    const extra = e.keyword === 'required' ? p.missingProperty
      : e.keyword === 'additionalProperties' ? p.additionalProperty
      : e.propertyName;
    const line = `${dottedPath(e.instancePath, data, extra)}: ${message(e)}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}
