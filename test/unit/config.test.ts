import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadConfig, topicsConfig, validateConfig, withDefaults, type LoadResult } from '../../shared/config/load.ts';
import { CAMERA_DEFAULTS, DEFAULTS } from '../../shared/config/defaults.ts';
import { CONFIG_SCHEMA, writeSchema } from '../../shared/config/schema.ts';
import { envName } from '../../shared/config/env.ts';
import { restartRequired } from '../../shared/config/restart.ts';
import type { Config } from '../../shared/config/types.ts';

let dir: string;
async function load(yaml: string | undefined, env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}): Promise<LoadResult> {
  const path = join(dir, 'deeperthings.yaml');
  await rm(path, { force: true });
  if (yaml !== undefined) await writeFile(path, yaml);
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return loadConfig({ path, env });
}
const problems = (r: LoadResult) => (r.ok ? [] : r.problems);
const config = (r: LoadResult) => {
  assert.ok(r.ok, `expected a valid config, got ${JSON.stringify(!r.ok && r.problems)}`);
  return r.config;
};

const BAD = `mqtt:
  url: localhost:1883
  protocol: 3
topics:
  cluster: bridge
cameras:
  front:
    topic: 5
    labels: []
    snapshot: { quality: 101 }
  front door: {}
planner:
  objective: speed
  devices: 0
logging:
  levle: debug
`;
const BAD_LINES = [
  'mqtt.url: must be a broker URL such as mqtt://localhost:1883',
  'mqtt.protocol: must be one of 4, 5',
  "topics.cluster: must not be 'bridge' (reserved for <root>/bridge/)",
  'planner.objective: must be latency, fps, comm or memory, or a list like latency,comm',
  'planner.devices: must be >= 1',
  'cameras.front door: camera names use letters, digits, _ and - only (a topic level and a Home Assistant id)',
  'cameras.front.topic: must be string',
  'cameras.front.labels: must have at least 1 item',
  'cameras.front.snapshot.quality: must be <= 100',
  'logging.levle: is not a known key (known: level, json)',
];

describe('config: deeperthings.yaml', () => {
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'dt-config-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('the defaults pass the schema, and an empty file is all defaults', async () => {
    assert.deepEqual(validateConfig(structuredClone(DEFAULTS)), { config: DEFAULTS });
    assert.deepEqual(config(await load('')), DEFAULTS);
  });

  it('no file at the default path: defaults and a warning; a named file that is missing: a problem', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    await rm(join(dir, 'deeperthings.yaml'), { force: true });
    const r = await loadConfig({ env: {} }).finally(() => process.chdir(cwd));
    assert.deepEqual(r, { ok: true, config: DEFAULTS, file: undefined, warnings: ['deeperthings.yaml not found: using the defaults'] });
    assert.deepEqual(problems(await loadConfig({ path: join(dir, 'nope.yaml'), env: {} })), [`${join(dir, 'nope.yaml')}: no such file`]);
  });

  it('a bad file gives one exact line per problem', async () => {
    assert.deepEqual(problems(await load(BAD)), BAD_LINES);
  });

  it('YAML errors name file, line and column', async () => {
    assert.deepEqual(problems(await load('mqtt:\n  url: [1,\n')), ['deeperthings.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]']);
    assert.deepEqual(problems(await load('mqtt: 1\nmqtt: 2\n')), ['deeperthings.yaml:2:1: Map keys must be unique']);
    assert.deepEqual(problems(await load('- a\n- b\n')), ['(root): must be a mapping of sections (mqtt, topics, cameras, …)']);
  });

  it('wrong types and unknown keys at every level', async () => {
    assert.deepEqual(problems(await load('mqtt: {url: mqtt://h, clientId: 7}\nhomeassistant: {enabled: yes please}\nextra: 1\nworkers: {memory: lots}\n')), [
      'extra: is not a known key (known: mqtt, topics, homeassistant, planner, cameras, workers, logging)',
      'mqtt.clientId: is not a known key (known: url, username, password, protocol)',
      'homeassistant.enabled: must be boolean',
      'workers.memory: must be a byte size such as 1024, 256MB or 1.5GiB',
    ]);
  });

  it('keys nothing reads are gone: the model is --model, not a config default (issue 10 #3)', async () => {
    assert.deepEqual(problems(await load('model: {name: yolov2-tiny}\n')), [
      'model: is not a known key (known: mqtt, topics, homeassistant, planner, cameras, workers, logging)',
    ]);
  });

  it('a camera named with nothing else gets every camera default', async () => {
    const c = config(await load('cameras:\n  porch:\n  esp32:\n    topic: esp32cam/frame\n    maxFrameBytes: 60000\n'));
    assert.deepEqual(c.cameras.porch, CAMERA_DEFAULTS);
    assert.deepEqual(c.cameras.esp32, { ...CAMERA_DEFAULTS, topic: 'esp32cam/frame', maxFrameBytes: 60000 });
  });

  it('planner.devices: a count or a list of devices', async () => {
    assert.equal(config(await load('planner: {devices: 3}\n')).planner.devices, 3);
    assert.deepEqual(config(await load('planner:\n  devices:\n    - {id: pi-1, memory: 256MB, speed: measure, link: 100Mbit}\n')).planner.devices,
      [{ id: 'pi-1', memory: '256MB', speed: 'measure', link: '100Mbit' }]);
    assert.deepEqual(problems(await load('planner:\n  devices:\n    - {memory: 1}\n    - {id: b, speed: fast}\n')),
      ['planner.devices[0].id: is required', 'planner.devices[1].speed: must be GFLOP/s > 0 or "measure"']);
  });

  it('!secret reads secrets.yaml beside the file; a missing secret or file is one line', async () => {
    const yaml = 'mqtt:\n  url: mqtt://h\n  password: !secret mqtt_password\n';
    assert.equal(config(await load(yaml, {}, { 'secrets.yaml': 'mqtt_password: hunter2\n' })).mqtt.password, 'hunter2');
    assert.deepEqual(problems(await load(yaml, {}, { 'secrets.yaml': 'other: x\n' })), [`mqtt.password: !secret mqtt_password is not a value in ${join(dir, 'secrets.yaml')}`]);
    await rm(join(dir, 'secrets.yaml'));
    assert.deepEqual(problems(await load(yaml)), [`mqtt.password: !secret mqtt_password: ${join(dir, 'secrets.yaml')} does not exist`]);
  });

  it('environment overrides, converted by the key type', async () => {
    const c = config(await load('cameras:\n  front-door: {}\n', {
      DEEPERTHINGS_MQTT_URL: 'mqtts://broker:8883', DEEPERTHINGS_MQTT_PROTOCOL: '4', DEEPERTHINGS_HOMEASSISTANT_BIRTH_DELAY_SECONDS: '30',
      DEEPERTHINGS_HOMEASSISTANT_ENABLED: 'false', DEEPERTHINGS_CAMERAS_FRONT_DOOR_LABELS: 'person, car', DEEPERTHINGS_PLANNER_DEVICES: '4',
    }));
    assert.deepEqual([c.mqtt.url, c.mqtt.protocol, c.homeassistant.birthDelaySeconds, c.homeassistant.enabled], ['mqtts://broker:8883', 4, 30, false]);
    assert.deepEqual([c.cameras['front-door']!.labels, c.planner.devices], [['person', 'car'], 4]);
  });

  it('a bad environment value names its variable; an unknown one is a warning', async () => {
    assert.deepEqual(problems(await load('', { DEEPERTHINGS_LOGGING_JSON: 'maybe' })), ['logging.json: must be boolean (set by DEEPERTHINGS_LOGGING_JSON)']);
    const r = await load('', { DEEPERTHINGS_MQTT_URLL: 'x', DEEPERTHINGS_LOG_LEVEL: 'debug' });
    assert.deepEqual(r.ok && r.warnings, ['DEEPERTHINGS_MQTT_URLL names no configuration key; ignored']);
  });

  it('env names come from the schema paths', () => {
    assert.equal(envName(['homeassistant', 'birthDelaySeconds']), 'DEEPERTHINGS_HOMEASSISTANT_BIRTH_DELAY_SECONDS');
    assert.equal(envName(['cameras', 'front-door', 'maxFrameBytes']), 'DEEPERTHINGS_CAMERAS_FRONT_DOOR_MAX_FRAME_BYTES');
  });

  it('requiresRestart: changed keys that need a restart, and only those', () => {
    const a = withDefaults({ cameras: { porch: {} } }) as unknown as Config;
    const b = withDefaults({ mqtt: { url: 'mqtt://other' }, logging: { level: 'debug' }, cameras: { porch: { topic: 'x/y', threshold: 0.4 } } }) as unknown as Config;
    assert.deepEqual(restartRequired(a, b), ['mqtt.url', 'cameras.porch.topic']);
    assert.equal(CONFIG_SCHEMA.properties.mqtt.requiresRestart, true);
  });

  it('the schema is written out for editors; topicsConfig takes the HA prefix', async () => {
    await writeSchema(join(dir, 'schema.json'));
    const s = JSON.parse(await readFile(join(dir, 'schema.json'), 'utf8')) as typeof CONFIG_SCHEMA;
    assert.equal(s.title, 'deeperthings.yaml');
    assert.deepEqual(topicsConfig(withDefaults({ homeassistant: { discoveryPrefix: 'ha' } }) as unknown as Config), { root: 'deeperthings', cluster: 'default', haPrefix: 'ha' });
  });

  it('`deeperthings validate` prints the lines and exits 2', async () => {
    await writeFile(join(dir, 'bad.yaml'), BAD);
    const run = promisify(execFile);
    const err = await run(process.execPath, ['--import', 'tsx', 'cli/main.ts', 'validate', '--config', join(dir, 'bad.yaml')]).then(() => undefined, (e: { code: number; stderr: string }) => e);
    assert.equal(err?.code, 2);
    assert.deepEqual(err?.stderr.trimEnd().split('\n'), BAD_LINES);
  });
});
