/**
 * `deeperthings validate`: check `deeperthings.yaml` (defaults, `!secret`, environment overrides,
 * JSON Schema) without connecting anywhere. A bad config prints one line per problem,
 * `cameras.front.topic: must be string`, and exits 2 (ECOSYSTEM §6.14). `--print-discovery` prints
 * the Home Assistant discovery messages the file leads to, as `mosquitto_sub -v` shows them.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from './args.ts';
import { loadConfig } from '../shared/config/load.ts';
import { writeSchema } from '../shared/config/schema.ts';
import type { Config } from '../shared/config/types.ts';
import { buildDiscovery } from '../planner/discovery.ts';
import { configuredSource, discoveryContext } from '../planner/discovery-config.ts';
import { DEFAULT_MODEL } from './model-opts.ts';

/** The package version, for the HA device and origin blocks. */
export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function summary(file: string | undefined, c: Config): string {
  const cams = Object.keys(c.cameras);
  return `${file ?? 'defaults (no file)'}: OK — broker ${c.mqtt.url} (MQTT ${c.mqtt.protocol === 5 ? '5' : '3.1.1'}), ` +
    `topics ${c.topics.root}/${c.topics.cluster}, ${cams.length} camera(s)${cams.length ? ` (${cams.join(', ')})` : ''}, ` +
    // The model is not a config key: the commands' --model names it (issue 10 #3).
    `planner objective ${c.planner.objective}, model: the services' --model (default ${DEFAULT_MODEL}), Home Assistant discovery ${c.homeassistant.enabled ? `on (${c.homeassistant.discoveryPrefix})` : 'off'}`;
}

export const validateCommand: Command = {
  name: 'validate',
  summary: 'Check deeperthings.yaml against its schema; print one line per problem (exit 2) or a summary.',
  usage: 'validate [--config deeperthings.yaml] [--print-discovery] [--write-schema file.json]',
  options: {
    config: { type: 'string', help: 'configuration file (default: $DEEPERTHINGS_CONFIG, else ./deeperthings.yaml if present)' },
    'print-discovery': { type: 'boolean', help: 'print the Home Assistant discovery messages (topic, then retained JSON)' },
    'write-schema': { type: 'string', help: 'also write the JSON Schema for editors to this file' },
  },
  async run(opts) {
    if (typeof opts['write-schema'] === 'string') await writeSchema(opts['write-schema']);
    const result = await loadConfig({ path: opts.config as string | undefined });
    if (!result.ok) {
      for (const line of result.problems) process.stderr.write(line + '\n');
      return 2;
    }
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    if (!opts['print-discovery']) {
      process.stdout.write(summary(result.file, result.config) + '\n');
      return 0;
    }
    const ctx = discoveryContext(result.config, await packageVersion());
    for (const m of buildDiscovery(ctx, configuredSource(result.config))) process.stdout.write(`${m.topic} ${JSON.stringify(m.payload)}\n`);
    return 0;
  },
};
