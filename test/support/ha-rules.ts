/**
 * Home Assistant's rules for MQTT device-based discovery payloads, written down from HA itself, not
 * from our output: home-assistant/core homeassistant/components/mqtt/ discovery.py (topic matcher,
 * device discovery root), schemas.py (availability, device, origin, entity common keys),
 * abbreviations.py, sensor.py, binary_sensor.py, image.py, event.py, and the MQTT integration docs
 * (home-assistant.io/integrations/mqtt, "Device discovery payload"). ECOSYSTEM.md §1 summarises them.
 * HA drops unknown keys silently, so "known keys only" here is stricter than HA on purpose: a key HA
 * would drop is a bug on our side.
 */

/** discovery.py TOPIC_MATCHER: `<prefix>/<component>/[<node_id>/]<object_id>/config`, ids `[a-zA-Z0-9_-]+`. */
export const DEVICE_TOPIC = (prefix: string) => new RegExp(`^${prefix}/device/(?:[a-zA-Z0-9_-]+/)?[a-zA-Z0-9_-]+/config$`);

/** abbreviations.py ABBREVIATIONS, the entries for keys of the platforms below. */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  avty: 'availability', avty_mode: 'availability_mode', avty_t: 'availability_topic', avty_tpl: 'availability_template',
  cmps: 'components', cont_type: 'content_type', def_ent_id: 'default_entity_id', dev: 'device', dev_cla: 'device_class',
  dsp_prc: 'suggested_display_precision', sug_dsp_prc: 'suggested_display_precision', e: 'encoding', en: 'enabled_by_default',
  ent_cat: 'entity_category', ent_pic: 'entity_picture', evt_typ: 'event_types', exp_aft: 'expire_after', frc_upd: 'force_update',
  ic: 'icon', img_e: 'image_encoding', img_t: 'image_topic', json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template', lrst_val_tpl: 'last_reset_value_template', o: 'origin', obj_id: 'object_id',
  off_dly: 'off_delay', ops: 'options', p: 'platform', pl_avail: 'payload_available', pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off', pl_on: 'payload_on', stat_cla: 'state_class', stat_t: 'state_topic', t: 'topic', uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement', url_t: 'url_topic', url_tpl: 'url_template', val_tpl: 'value_template',
  cmd_t: 'command_topic', migr_discvry: 'migrate_discovery',
};
/** abbreviations.py DEVICE_ABBREVIATIONS. */
export const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  cns: 'connections', cu: 'configuration_url', ids: 'identifiers', name: 'name', mf: 'manufacturer', mdl: 'model',
  mdl_id: 'model_id', hw: 'hw_version', sw: 'sw_version', sa: 'suggested_area', sn: 'serial_number',
};
/** abbreviations.py ORIGIN_ABBREVIATIONS. */
export const ORIGIN_ABBREVIATIONS: Readonly<Record<string, string>> = { name: 'name', sw: 'sw_version', url: 'support_url' };

/** schemas.py MQTT_ENTITY_DEVICE_INFO_SCHEMA. */
const DEVICE_KEYS = ['identifiers', 'connections', 'manufacturer', 'model', 'model_id', 'name', 'hw_version', 'serial_number', 'sw_version', 'via_device', 'suggested_area', 'configuration_url'];
/** schemas.py MQTT_ORIGIN_INFO_SCHEMA. */
const ORIGIN_KEYS = ['name', 'sw_version', 'support_url'];
/** Device discovery root: device, origin, components, and the options components inherit (docs). */
const ROOT_KEYS = ['device', 'origin', 'components', 'availability', 'availability_topic', 'availability_template', 'availability_mode',
  'payload_available', 'payload_not_available', 'state_topic', 'command_topic', 'qos', 'encoding', 'message_expiry_interval'];
/** schemas.py MQTT_AVAILABILITY_SCHEMA + MQTT_ENTITY_COMMON_SCHEMA + config.py MQTT_BASE_SCHEMA, and `platform`. */
const COMMON_KEYS = ['platform', 'availability', 'availability_topic', 'availability_template', 'availability_mode', 'payload_available',
  'payload_not_available', 'device', 'origin', 'enabled_by_default', 'entity_category', 'entity_picture', 'icon', 'json_attributes_topic',
  'json_attributes_template', 'object_id', 'default_entity_id', 'unique_id', 'name', 'qos', 'encoding'];
const AVAILABILITY_ENTRY_KEYS = ['topic', 'payload_available', 'payload_not_available', 'value_template'];

interface PlatformRule { keys: string[]; required: string[]; deviceClasses?: string[]; check?: (c: Obj) => string[] }

/** Platform schemas (PLATFORM_SCHEMA_MODERN of each platform file; MQTT_RO_SCHEMA adds state_topic + value_template). */
export const PLATFORMS: Readonly<Record<string, PlatformRule>> = {
  sensor: {
    keys: ['state_topic', 'value_template', 'device_class', 'expire_after', 'force_update', 'last_reset_value_template', 'options',
      'state_class', 'suggested_display_precision', 'unit_of_measurement'],
    required: ['state_topic'],
    check: sensorUnits,
  },
  binary_sensor: {
    keys: ['state_topic', 'value_template', 'device_class', 'expire_after', 'force_update', 'off_delay', 'payload_on', 'payload_off'],
    required: ['state_topic'],
    deviceClasses: ['battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas', 'heat', 'light',
      'lock', 'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power', 'presence', 'problem', 'running', 'safety', 'smoke',
      'sound', 'tamper', 'update', 'vibration', 'window'],
  },
  image: {
    keys: ['image_topic', 'url_topic', 'content_type', 'image_encoding', 'url_template'],
    required: [],
    // image.py validate_topic_required + vol.Exclusive(url_topic, image_topic).
    check: (c) => [
      ...('image_topic' in c === 'url_topic' in c ? ['needs exactly one of image_topic, url_topic'] : []),
      ...('content_type' in c && 'url_topic' in c ? ['content_type cannot be used with url_topic'] : []),
      ...('image_encoding' in c && c.image_encoding !== 'b64' ? ["image_encoding must be 'b64'"] : []),
    ],
  },
  event: {
    keys: ['state_topic', 'value_template', 'device_class', 'event_types'],
    required: ['state_topic', 'event_types'],
    deviceClasses: ['button', 'doorbell', 'motion'],
    check: (c) => (Array.isArray(c.event_types) && c.event_types.length > 0 && c.event_types.every((e) => typeof e === 'string') ? [] : ['event_types must be a non-empty list of strings']),
  },
};

/** sensor.py: a device class only accepts its units (homeassistant/components/sensor/const.py DEVICE_CLASS_UNITS). */
const SENSOR_UNITS: Readonly<Record<string, string[]>> = {
  duration: ['d', 'h', 'min', 's', 'ms', 'μs'],
  data_size: ['bit', 'kbit', 'Mbit', 'Gbit', 'B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'],
  data_rate: ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'B/s', 'kB/s', 'MB/s', 'GB/s', 'KiB/s', 'MiB/s', 'GiB/s'],
};
const STATE_CLASSES = ['measurement', 'measurement_angle', 'total', 'total_increasing'];

function sensorUnits(c: Obj): string[] {
  const out: string[] = [];
  if (c.state_class !== undefined && !STATE_CLASSES.includes(c.state_class as string)) out.push(`state_class '${c.state_class}' is not one of ${STATE_CLASSES}`);
  const dc = c.device_class as string | undefined;
  if (dc === undefined) return out;
  const units = SENSOR_UNITS[dc];
  if (!units) out.push(`device_class '${dc}' is not one this rule set knows`);
  else if (!units.includes(c.unit_of_measurement as string)) out.push(`unit '${c.unit_of_measurement}' is not valid for device_class ${dc}`);
  return out;
}

/** homeassistant/core.py VALID_ENTITY_ID. */
export const VALID_ENTITY_ID = /^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$/;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => x !== null && typeof x === 'object' && !Array.isArray(x);

/** Expand abbreviations (HA accepts both, also inside availability and components). */
export function expand(o: Obj, table: Readonly<Record<string, string>>): Obj {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [table[k] ?? k, v]));
}

function unknownKeys(o: Obj, known: readonly string[], where: string): string[] {
  return Object.keys(o).filter((k) => !known.includes(k)).map((k) => `${where}: unknown key '${k}'`);
}

/** schemas.py: availability_topic and availability are exclusive; entries need `topic`. */
function checkAvailability(c: Obj, where: string): string[] {
  const out: string[] = [];
  if ('availability' in c && 'availability_topic' in c) out.push(`${where}: availability and availability_topic are exclusive`);
  if ('availability_mode' in c && !['all', 'any', 'latest'].includes(c.availability_mode as string)) out.push(`${where}: availability_mode must be all, any or latest`);
  if (!('availability' in c)) return out;
  if (!Array.isArray(c.availability)) return [...out, `${where}: availability must be a list`];
  c.availability.forEach((raw, i) => {
    const e = isObj(raw) ? expand(raw, ABBREVIATIONS) : {};
    if (typeof e.topic !== 'string' || e.topic === '') out.push(`${where}.availability[${i}]: topic is required`);
    out.push(...unknownKeys(e, AVAILABILITY_ENTRY_KEYS, `${where}.availability[${i}]`));
  });
  return out;
}

function checkDevice(raw: unknown): string[] {
  if (!isObj(raw)) return ['device is required (device/dev)'];
  const d = expand(raw, DEVICE_ABBREVIATIONS);
  const ids = ([] as unknown[]).concat(d.identifiers ?? []);
  const cns = ([] as unknown[]).concat(d.connections ?? []);
  const out = unknownKeys(d, DEVICE_KEYS, 'device');
  if (ids.length === 0 && cns.length === 0) out.push("device needs a non-empty 'identifiers' or 'connections'");
  if (!ids.every((x) => typeof x === 'string')) out.push('device identifiers must be strings');
  return out;
}

function checkOrigin(raw: unknown): string[] {
  if (!isObj(raw)) return ['origin is required (origin/o)'];
  const o = expand(raw, ORIGIN_ABBREVIATIONS);
  const out = unknownKeys(o, ORIGIN_KEYS, 'origin');
  if (typeof o.name !== 'string' || o.name === '') out.push('origin.name is required');
  if (o.support_url !== undefined && !/^(https?:\/\/|homeassistant:\/\/)/.test(String(o.support_url))) out.push('origin.support_url must be a URL');
  return out;
}

function checkComponent(id: string, raw: unknown): string[] {
  const where = `components.${id}`;
  if (!isObj(raw)) return [`${where}: must be a mapping`];
  const c = expand(raw, ABBREVIATIONS);
  const rule = PLATFORMS[c.platform as string];
  if (!rule) return [`${where}: platform '${String(c.platform)}' is missing or not one this rule set knows`];
  const out = unknownKeys(c, [...COMMON_KEYS, ...rule.keys], where);
  for (const k of rule.required) if (!(k in c)) out.push(`${where}: ${c.platform} requires ${k}`);
  if (typeof c.unique_id !== 'string' || c.unique_id === '') out.push(`${where}: unique_id is required`);
  if ('object_id' in c) out.push(`${where}: object_id is deprecated (HA Core 2026.4); use default_entity_id`);
  if ('device' in c || 'origin' in c) out.push(`${where}: device and origin cannot be overridden per component`);
  if (c.default_entity_id !== undefined) {
    const v = String(c.default_entity_id);
    if (!VALID_ENTITY_ID.test(v) || !v.startsWith(`${c.platform}.`)) out.push(`${where}: default_entity_id '${v}' must be a valid '${c.platform}.<id>'`);
  }
  if (c.entity_category !== undefined && !['config', 'diagnostic'].includes(c.entity_category as string)) out.push(`${where}: entity_category must be config or diagnostic`);
  if (rule.deviceClasses && c.device_class !== undefined && !rule.deviceClasses.includes(c.device_class as string)) out.push(`${where}: device_class '${c.device_class}' is not valid for ${c.platform}`);
  for (const k of ['expire_after', 'off_delay']) if (k in c && !(Number.isInteger(c[k]) && (c[k] as number) > 0)) out.push(`${where}: ${k} must be a positive integer`);
  return [...out, ...checkAvailability(c, where), ...(rule.check?.(c).map((m) => `${where}: ${m}`) ?? [])];
}

/** Every problem of one device discovery message, or []. */
export function checkDeviceDiscovery(topic: string, payload: unknown, prefix = 'homeassistant'): string[] {
  const out: string[] = DEVICE_TOPIC(prefix).test(topic) ? [] : [`topic '${topic}' is not <prefix>/device/[<node_id>/]<object_id>/config`];
  if (!isObj(payload)) return [...out, 'payload must be a JSON object'];
  const root = expand(payload, ABBREVIATIONS);
  out.push(...unknownKeys(root, ROOT_KEYS, '(root)'), ...checkDevice(root.device), ...checkOrigin(root.origin), ...checkAvailability(root, '(root)'));
  if (!isObj(root.components) || Object.keys(root.components).length === 0) return [...out, 'components is required (components/cmps)'];
  for (const [id, c] of Object.entries(root.components)) out.push(...checkComponent(id, c));
  return out;
}

/** unique_id must be unique across every entity HA knows: all payloads together. */
export function duplicateUniqueIds(payloads: readonly unknown[]): string[] {
  const seen = new Map<string, number>();
  for (const p of payloads) {
    const cmps = isObj(p) ? expand(p, ABBREVIATIONS).components : undefined;
    for (const c of Object.values(isObj(cmps) ? cmps : {})) {
      const id = isObj(c) ? (expand(c, ABBREVIATIONS).unique_id as string) : undefined;
      if (id !== undefined) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
  }
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `unique_id '${id}' appears ${n} times`);
}
