/**
 * TF.js GraphModel model.json → a typed graph: nodes with decoded attributes, edges by tensor name,
 * consumers, and a topological order. The JSON is a protobuf GraphDef written as JSON (tfjs-converter),
 * so strings are base64, 64-bit ints are decimal strings and lists are nested under `list`.
 */
import { ModelFormatError } from '../errors.ts';
import type { WeightGroup } from './tfjs-graph-weights.ts';

interface AttrValue {
  readonly s?: string;
  readonly i?: string | number;
  readonly f?: number;
  readonly b?: boolean;
  readonly type?: string;
  readonly shape?: { readonly dim?: readonly { readonly size?: string | number }[]; readonly unknownRank?: boolean };
  readonly list?: { readonly s?: readonly string[]; readonly i?: readonly (string | number)[]; readonly f?: readonly number[] };
}

interface RawNode {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
  readonly attr?: Readonly<Record<string, AttrValue>>;
}

interface TensorInfo { readonly name: string; readonly tensorShape?: AttrValue['shape'] }

export interface ModelJson {
  readonly format?: string;
  readonly modelTopology: { readonly node: readonly RawNode[] };
  readonly weightsManifest: readonly WeightGroup[];
  readonly signature?: { readonly inputs?: Readonly<Record<string, TensorInfo>>; readonly outputs?: Readonly<Record<string, TensorInfo>> };
}

/** One graph node; `inputs` are tensor names `node` or `node:k` (control inputs dropped). */
export interface TfNode {
  readonly name: string;
  readonly op: string;
  readonly inputs: readonly string[];
  readonly attr: Readonly<Record<string, AttrValue>>;
  /** Position in model.json, the tie-break of the topological order. */
  readonly index: number;
}

export interface TfGraph {
  readonly nodes: ReadonlyMap<string, TfNode>;
  /** Every node, producers before consumers, model.json order where it is free. */
  readonly order: readonly TfNode[];
  /** Consumers of each node (by node name, one entry per edge). */
  readonly consumers: ReadonlyMap<string, readonly TfNode[]>;
  /** Signature output tensor names, or the graph's sinks when it has no signature. */
  readonly outputs: readonly string[];
}

/** The producing node of a tensor name (`a:1` → `a`). */
export function producer(tensor: string): string {
  const i = tensor.lastIndexOf(':');
  return i > 0 && /^\d+$/.test(tensor.slice(i + 1)) ? tensor.slice(0, i) : tensor;
}

const decodeB64 = (s: string): string => Buffer.from(s, 'base64').toString('utf8');

/** Typed attribute readers; each throws naming the node and attribute when the attribute is absent. */
export const attr = {
  str(n: TfNode, key: string, dflt?: string): string {
    const v = n.attr[key]?.s;
    return v !== undefined ? decodeB64(v) : required(n, key, dflt);
  },
  int(n: TfNode, key: string, dflt?: number): number {
    const v = n.attr[key]?.i;
    return v !== undefined ? Number(v) : required(n, key, dflt);
  },
  bool(n: TfNode, key: string, dflt?: boolean): boolean {
    const v = n.attr[key]?.b;
    return v !== undefined ? v : required(n, key, dflt);
  },
  float(n: TfNode, key: string, dflt?: number): number {
    const v = n.attr[key]?.f;
    return v !== undefined ? Number(v) : required(n, key, dflt);
  },
  ints(n: TfNode, key: string, dflt?: number[]): number[] {
    const v = n.attr[key]?.list?.i;
    return v !== undefined ? v.map(Number) : required(n, key, dflt);
  },
  strs(n: TfNode, key: string): string[] {
    return (n.attr[key]?.list?.s ?? []).map(decodeB64);
  },
};

function required<T>(n: TfNode, key: string, dflt: T | undefined): T {
  if (dflt === undefined) throw new Error(`tfjs-graph: node ${n.name} (${n.op}) lacks attribute '${key}'`);
  return dflt;
}

/** Dimensions of a shape attribute (−1 for unknown). */
export function shapeDims(s: AttrValue['shape'] | undefined): number[] | undefined {
  if (!s || s.unknownRank) return undefined;
  return (s.dim ?? []).map((d) => Number(d.size ?? -1));
}

/** Parse and order the graph. Throws ModelFormatError naming the file for structural problems. */
export function parseGraph(json: ModelJson, file: string): TfGraph {
  const raw = json.modelTopology?.node;
  if (!Array.isArray(raw)) throw new ModelFormatError('tfjs-graph', file, undefined, 'no modelTopology.node list: not a TF.js graph model');
  const nodes = new Map<string, TfNode>();
  raw.forEach((r, index) => {
    const inputs = (r.input ?? []).filter((i: string) => !i.startsWith('^'));
    nodes.set(r.name, { name: r.name, op: r.op, inputs, attr: r.attr ?? {}, index });
  });
  const consumers = new Map<string, TfNode[]>();
  for (const n of nodes.values()) {
    for (const t of n.inputs) {
      const p = producer(t);
      if (!nodes.has(p)) throw new ModelFormatError('tfjs-graph', file, undefined, `node ${n.name} reads '${t}', which no node produces`);
      consumers.set(p, [...(consumers.get(p) ?? []), n]);
    }
  }
  const sig = Object.values(json.signature?.outputs ?? {}).map((o) => o.name);
  const sinks = [...nodes.values()].filter((n) => !consumers.has(n.name) && n.op !== 'Const').map((n) => n.name);
  return { nodes, order: topoOrder(nodes, file), consumers, outputs: sig.length > 0 ? sig : sinks };
}

const CONTROL_FLOW = new Set(['Enter', 'Exit', 'Merge', 'Switch', 'NextIteration', 'LoopCond', 'LoopExitOp']);

/** Kahn's algorithm, always taking the ready node that comes first in model.json. */
function topoOrder(nodes: ReadonlyMap<string, TfNode>, file: string): TfNode[] {
  const pending = new Map<string, number>();
  const users = new Map<string, TfNode[]>();
  for (const n of nodes.values()) {
    const srcs = new Set(n.inputs.map(producer));
    pending.set(n.name, srcs.size);
    for (const s of srcs) users.set(s, [...(users.get(s) ?? []), n]);
  }
  const ready = [...nodes.values()].filter((n) => pending.get(n.name) === 0);
  const order: TfNode[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => a.index - b.index);
    const n = ready.shift()!;
    order.push(n);
    for (const u of users.get(n.name) ?? []) {
      const left = pending.get(u.name)! - 1;
      pending.set(u.name, left);
      if (left === 0) ready.push(u);
    }
  }
  if (order.length !== nodes.size) {
    // A cycle is TF control flow (a while loop: Enter, Merge, NextIteration, …), which the IR has no node for.
    const stuck = new Map<string, number>();
    for (const n of nodes.values()) if (pending.get(n.name)! > 0) stuck.set(n.op, (stuck.get(n.op) ?? 0) + 1);
    const control = [...stuck].filter(([op]) => CONTROL_FLOW.has(op));
    const ops = (control.length > 0 ? control : [...stuck]).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([op, k]) => `${op} ×${k}`).join(', ');
    throw new ModelFormatError('tfjs-graph', file, undefined, `the graph has a cycle (control flow) through ${nodes.size - order.length} nodes: ${ops}`);
  }
  return order;
}
