/**
 * The four roles of a users file and what each may publish and subscribe (issue 14 §3), as topic
 * patterns over DESIGN.md's tree. `%i` is the account's identity: the worker id or camera name it
 * stands for (the entry's `id`, else its username). The cluster level is `+`: one account serves
 * every cluster of a root. The same rules, in Mosquitto's syntax, are examples/mosquitto/acl.
 *
 * - planner: everything under the root and the HA prefix. It alone publishes the retained plan, HA
 *   discovery, and bridge state and responses (a stranger's plan or discovery was issue 14's worst finding).
 * - worker: its own state/info/stats, tensor pieces, the data source's predictions, snapshots and events,
 *   errors; reads the plan, pieces, frames, the restart request, its own announcements (it answers a forged
 *   `offline`: worker/self-watch.ts) and the workers' stats (a new data source waits until the others run
 *   its plan before re-running frames: runtime/plan-barrier.ts).
 * - camera: its own frame topic; reads its own predictions, events and snapshot, and the bridge state.
 * - viewer (Home Assistant, dashboards): reads predictions, events, snapshots, availability, stats, errors and
 *   HA discovery; publishes only HA's birth message (`<ha>/status`).
 */
/** Topic patterns an account may publish and subscribe to (`%i`, `%u`, `%c` substituted per client). */
export interface BrokerAcl {
  publish?: string[];
  subscribe?: string[];
}

export const ROLES = ['planner', 'worker', 'camera', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface RoleTopics { root: string; haPrefix: string }

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** The patterns of `role` (with `%i` unsubstituted) for a topic root and HA prefix. */
export function roleAcl(role: Role, t: RoleTopics = { root: 'deeperthings', haPrefix: 'homeassistant' }): Required<BrokerAcl> {
  const c = `${t.root}/+`; // any cluster
  const cam = (leaf: string) => `${c}/cameras/+/${leaf}`;
  switch (role) {
    case 'planner':
      return { publish: [`${t.root}/#`, `${t.haPrefix}/#`], subscribe: [`${t.root}/#`, `${t.haPrefix}/#`] };
    case 'worker':
      return {
        publish: [`${c}/workers/%i/+`, `${c}/data/#`, cam('predictions'), cam('snapshot'), cam('events'), `${c}/errors`],
        subscribe: [`${c}/plan`, `${c}/data/#`, cam('frame'), `${c}/workers/%i/+`, `${c}/workers/+/stats`, `${t.root}/bridge/request/restart-worker`],
      };
    case 'camera':
      return { publish: [`${c}/cameras/%i/frame`], subscribe: [`${c}/cameras/%i/+`, `${t.root}/bridge/state`] };
    case 'viewer':
      return {
        publish: [`${t.haPrefix}/status`],
        subscribe: [cam('predictions'), cam('events'), cam('snapshot'), `${t.root}/bridge/state`, `${c}/workers/+/state`, `${c}/stats`, `${c}/errors`, `${t.haPrefix}/#`],
      };
  }
}
