/**
 * Camera frames held while a plan making this worker the data source is swapped in (issue 14 §1):
 * from the plan's arrival until its runtime runs and the frames of the old plan were re-run, so a
 * fault costs latency, not frames, and re-runs go before newer frames.
 */
export class ReadyGate {
  #held: (() => void)[] = [];
  #holds = 0;

  get holding(): boolean {
    return this.#holds > 0;
  }

  /** Hold frames; the returned release lets them go once `after` settles (the first call counts). */
  hold(): (after: Promise<void>) => void {
    this.#holds++;
    let released = false;
    return (after) => {
      if (released) return;
      released = true;
      void after.catch(() => undefined).then(() => {
        if (--this.#holds > 0) return;
        for (const go of this.#held.splice(0)) go();
      });
    };
  }

  /** Run `go` when no hold is left. */
  after(go: () => void): void {
    if (this.#holds === 0) return go();
    this.#held.push(go);
  }
}
