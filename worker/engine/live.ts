/**
 * Liveness of the activations one runGraph call holds: each is freed right after its last consumer
 * (memory is the scarce resource on the devices, PAPER §5), and the running byte sum gives the
 * peak the partitioned executor charges to the device.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Node } from '../../shared/model/ir.ts';

const bytesOf = (t: tf.Tensor): number => t.size * 4;

export class Liveness {
  readonly #own = new Map<number, tf.Tensor3D>();
  #bytes = 0;
  #peak = 0;

  /** `uses`: remaining consumers per id inside the run (consumed as layers run); `keep`: returned, never freed. */
  constructor(
    readonly feeds: ReadonlyMap<number, tf.Tensor3D>,
    readonly uses: Map<number, number>,
    readonly keep: ReadonlySet<number>,
  ) {
    // Fed inputs occupy device memory until their last consumer ran, though the caller owns them.
    for (const [id, t] of feeds) if ((uses.get(id) ?? 0) > 0) this.#bytes += bytesOf(t);
    this.#peak = this.#bytes;
  }

  get peakBytes(): number {
    return this.#peak;
  }

  /** Input `id` of `node`: computed earlier in this run, or fed. */
  input(node: Node, id: number): tf.Tensor3D {
    const t = this.#own.get(id) ?? this.feeds.get(id);
    if (t === undefined) {
      throw new Error(`engine: layer ${node.id} (${node.kind}): input ${id} is neither fed nor computed earlier in this run`);
    }
    return t;
  }

  add(id: number, t: tf.Tensor3D): void {
    this.#own.set(id, t);
    this.#bytes += bytesOf(t);
    this.#peak = Math.max(this.#peak, this.#bytes);
    if ((this.uses.get(id) ?? 0) === 0 && !this.keep.has(id)) this.#release(id);
  }

  /** One consumer of each of `ids` has run (an id listed twice counts twice). */
  consumed(ids: readonly number[]): void {
    for (const id of ids) {
      const n = (this.uses.get(id) ?? 0) - 1;
      this.uses.set(id, n);
      if (n === 0 && !this.keep.has(id)) this.#release(id);
    }
  }

  #release(id: number): void {
    const own = this.#own.get(id);
    const t = own ?? this.feeds.get(id);
    if (t !== undefined) this.#bytes -= bytesOf(t);
    if (own !== undefined) {
      own.dispose();
      this.#own.delete(id);
    }
  }

  /** Hands the kept tensors to the caller and frees anything else still held. */
  finish(): Map<number, tf.Tensor3D> {
    const out = new Map<number, tf.Tensor3D>();
    for (const [id, t] of this.#own) {
      if (this.keep.has(id)) out.set(id, t);
      else t.dispose();
    }
    this.#own.clear();
    return out;
  }

  /** After a failure: frees everything this run produced, kept or not. */
  abort(): void {
    for (const t of this.#own.values()) t.dispose();
    this.#own.clear();
  }
}
