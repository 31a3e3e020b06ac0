/**
 * Class names by class count, from the label files Darknet ships (assets/darknet/SOURCE.md):
 * 80 → COCO, 20 → VOC, 1000 → the first 1000 ImageNet short names (Darknet's imagenet1k order).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = new URL('../../assets/darknet/', import.meta.url);
const FILES: Record<number, string> = { 80: 'coco.names', 20: 'voc.names', 1000: 'imagenet.shortnames.list' };
const cache = new Map<number, readonly string[]>();

/** Names for `classes` classes, or undefined when no bundled list has that many. */
export function labelsFor(classes: number): string[] | undefined {
  const file = FILES[classes];
  if (file === undefined) return undefined;
  let names = cache.get(classes);
  if (!names) {
    const path = fileURLToPath(new URL(file, DIR));
    const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length < classes) throw new Error(`labels: ${path} has ${lines.length} names, need ${classes}`);
    names = lines.slice(0, classes);
    cache.set(classes, names);
  }
  return [...names];
}
