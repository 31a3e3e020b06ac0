/**
 * Render Home Assistant value templates with real Jinja2 (python3 + jinja2, what HA's templates are
 * built on), adding HA's `to_json` filter. Returns undefined when python3 or jinja2 is missing, so
 * callers skip instead of failing on machines without them.
 */
import { spawnSync } from 'node:child_process';

const SCRIPT = `
import json, sys
import jinja2
env = jinja2.Environment()
env.filters['to_json'] = lambda v: json.dumps(v)
jobs = json.load(sys.stdin)
print(json.dumps([env.from_string(t).render(value_json=v) for t, v in jobs]))
`;

/** Render each [template, value_json] pair; undefined when Jinja2 is not available here. */
export function renderJinja(jobs: readonly (readonly [string, unknown])[]): string[] | undefined {
  const r = spawnSync('python3', ['-c', SCRIPT], { input: JSON.stringify(jobs), encoding: 'utf8' });
  if (r.error || (r.status !== 0 && /No module named .?jinja2/.test(r.stderr))) return undefined;
  if (r.status !== 0) throw new Error(`jinja: python3 failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as string[];
}
