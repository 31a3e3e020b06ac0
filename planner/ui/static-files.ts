/**
 * The page's files (planner/ui/static): plain HTML, CSS and ES modules shipped in the repository,
 * served as they are: no bundler, no build step, nothing fetched from a CDN, so the page works
 * offline. Only names made of safe characters inside the folder are served.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json',
};

/** The file at `name` (e.g. 'app.js', 'views/plan.js'), or undefined when there is none to serve. */
export async function staticFile(name: string): Promise<{ body: Buffer; type: string } | undefined> {
  if (!/^[a-z0-9_-]+(\/[a-z0-9_-]+)*\.[a-z]+$/i.test(name)) return undefined;
  const type = TYPES[extname(name).toLowerCase()];
  if (!type) return undefined;
  try {
    return { body: await readFile(join(STATIC_DIR, name)), type };
  } catch {
    return undefined;
  }
}
