/**
 * Home Assistant discovery builders' common parts: ids, availability, templates. The payload types
 * (one interface per platform, ECOSYSTEM §1.2–1.5) live in shared/wire/ha-discovery.ts, the topic
 * map's `haDevice` payload, and are re-exported here.
 */
import { createHash } from 'node:crypto';
import type { Topics } from '../shared/topics.ts';
import type { Component, EntityBase, OriginBlock } from '../shared/wire/ha-discovery.ts';

export type {
  AvailabilityEntry, BinarySensorComponent, Component, DeviceBlock, DevicePayload, EventComponent, ImageComponent, OriginBlock, SensorComponent,
} from '../shared/wire/ha-discovery.ts';

/** What every builder needs: the topic tree, versions, and the HA timing options of the config. */
export interface DiscoveryBuildContext {
  topics: Topics;
  swVersion: string;
  /** A real http(s) URL or nothing (HA validates it, and a bad one drops the whole payload). */
  supportUrl?: string;
  expireAfterSeconds: number;
  offDelaySeconds: number;
}

export const MANUFACTURER = 'deeperthings';

/**
 * A Home Assistant id (`[a-zA-Z0-9_-]+`, ECOSYSTEM §1.1) for a camera or worker name; names that
 * need rewriting get a short hash of the original, so two names cannot collapse to one id.
 */
export function haId(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_-]/g, '_');
  return safe === name ? name : `${safe}_${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
}

/** An entity id's object part: lowercase `[a-z0-9_]`, no doubled or edge underscores (HA's valid_entity_id). */
export function objectId(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'unnamed';
}

/** Prefix of every device id of this instance: root and cluster, so two installations never collide. */
export function instanceId(topics: Topics): string {
  return haId(`${objectId(topics.root)}_${topics.cluster}`);
}

export function bridgeDeviceId(topics: Topics): string {
  return `${instanceId(topics)}_bridge`;
}

/** unique_id and default_entity_id of component `key` on device `deviceId`. */
export function entityIds(platform: Component['platform'], deviceId: string, key: string): { unique_id: string; default_entity_id: string } {
  return { unique_id: `${deviceId}_${key}`, default_entity_id: `${platform}.${objectId(`${deviceId}_${key}`)}` };
}

/** The availability list: the bridge's Last Will always, plus the given state topics; mode `all` (§6.2). */
export function availability(topics: Topics, ...more: string[]): Pick<EntityBase, 'availability' | 'availability_mode'> {
  return { availability: [{ topic: topics.bridgeState() }, ...more.map((topic) => ({ topic }))], availability_mode: 'all' };
}

/** The origin block of every payload (HA logs it with each discovery message, §1.3). */
export function origin(ctx: DiscoveryBuildContext): OriginBlock {
  return { name: 'deeperthings', sw_version: ctx.swVersion, ...(ctx.supportUrl ? { support_url: ctx.supportUrl } : {}) };
}

/**
 * `value_json.<field>` (or `<base>.<field>` for a nested object) for a field of payload type T: a
 * renamed field fails to compile here instead of silently breaking an HA template.
 */
export function jsonField<T>(field: keyof T & string, base = 'value_json'): string {
  return `${base}.${field}`;
}

/** A Jinja string literal (JSON's double-quoted form is valid Jinja). */
export function jinjaString(s: string): string {
  return JSON.stringify(s);
}
