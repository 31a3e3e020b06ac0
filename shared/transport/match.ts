/**
 * MQTT topic names and filters (MQTT 3.1.1 §4.7, identical in MQTT 5 §4.7): validation, matching a
 * topic against a filter, and whether one filter covers another (for subscribe ACLs). The memory
 * transport, the MQTT transport's handler dispatch and the embedded broker's ACL all use these, so
 * they cannot disagree about what `+` and `#` mean.
 */

/** Why `topic` is not a valid topic name to publish to, or undefined when it is. */
export function topicNameError(topic: string): string | undefined {
  // [MQTT-4.7.3-1] at least one character; [MQTT-3.3.2-2] no wildcards in a PUBLISH topic name.
  if (topic.length === 0) return 'topic name is empty';
  if (topic.includes('+') || topic.includes('#')) return `topic name '${topic}' contains a wildcard`;
  if (topic.includes('\u0000')) return `topic name '${topic}' contains U+0000`; // [MQTT-4.7.3-2]
  return undefined;
}

/** Why `filter` is not a valid topic filter to subscribe to, or undefined when it is. */
export function topicFilterError(filter: string): string | undefined {
  if (filter.length === 0) return 'topic filter is empty'; // [MQTT-4.7.3-1]
  if (filter.includes('\u0000')) return `topic filter '${filter}' contains U+0000`;
  const levels = filter.split('/');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    // [MQTT-4.7.1-2] '#' alone in its level and last; [MQTT-4.7.1-3] '+' occupies a whole level.
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return `topic filter '${filter}': '#' must be the whole last level`;
    }
    if (level.includes('+') && level !== '+') return `topic filter '${filter}': '+' must be a whole level`;
  }
  return undefined;
}

/** True when `topic` (a topic name, no wildcards) matches `filter`. */
export function topicMatches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] filters starting with a wildcard do not match topics starting with '$'.
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    // '#' also matches the parent level: 'a/#' matches 'a' (MQTT 3.1.1 §4.7.1.2, non-normative).
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * True when every topic that `filter` matches is also matched by `allowed`, i.e. a client allowed to
 * subscribe to `allowed` may subscribe to `filter`. Conservative: 'a/+' covers 'a/b' and 'a/+' but
 * not 'a/#'.
 */
export function filterCovers(allowed: string, filter: string): boolean {
  // A filter that itself starts with a wildcard never matches '$' topics, so 'allowed' starting with
  // '$x' cannot cover it, and '+/…' cannot cover '$x/…' (which matches '$' topics).
  if (filter.startsWith('$') && (allowed.startsWith('+') || allowed.startsWith('#'))) return false;
  const a = allowed.split('/');
  const f = filter.split('/');
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '#') return true;
    if (i >= f.length) return false;
    if (f[i] === '#') return false;
    if (a[i] === '+') continue;
    if (a[i] !== f[i]) return false;
  }
  return a.length === f.length;
}
