/**
 * Which changed keys need a restart: those marked `requiresRestart` in the schema, or under a marked
 * section (schema.ts explains the keyword). A service that reloads its config applies the rest live
 * and logs these, as zigbee2mqtt does for its restart-required settings.
 */
import { CONFIG_SCHEMA, type SchemaNode } from './schema.ts';
import type { Config } from './types.ts';

function walk(node: SchemaNode | undefined, a: unknown, b: unknown, path: string, marked: boolean, out: string[]): void {
  const restart = marked || node?.requiresRestart === true;
  const objA = a !== null && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : undefined;
  const objB = b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Record<string, unknown>) : undefined;
  if (objA && objB && (node?.properties || typeof node?.additionalProperties === 'object')) {
    for (const k of new Set([...Object.keys(objA), ...Object.keys(objB)])) {
      const child = node.properties?.[k] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
      walk(child, objA[k], objB[k], path ? `${path}.${k}` : k, restart, out);
    }
    return;
  }
  if (restart && JSON.stringify(a) !== JSON.stringify(b)) out.push(path);
}

/** Dotted paths that differ between two configs and cannot change without a restart. */
export function restartRequired(before: Config, after: Config): string[] {
  const out: string[] = [];
  walk(CONFIG_SCHEMA as unknown as SchemaNode, before, after, '', false, out);
  return out;
}
