/** A progress bar on stderr for slow steps (weights, planning); a single line when not a TTY. */
export function progressBar(label: string): { update: (done: number, total: number) => void; done: (note?: string) => void } {
  const tty = process.stderr.isTTY === true;
  const t0 = performance.now();
  let last = -1;
  return {
    update(done, total) {
      if (!tty) return;
      const pct = Math.floor((100 * done) / Math.max(1, total));
      if (pct === last) return;
      last = pct;
      const width = 24, fill = Math.round((width * pct) / 100);
      process.stderr.write(`\r${label} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${pct}%`);
    },
    done(note = '') {
      const ms = Math.round(performance.now() - t0);
      if (tty) process.stderr.write(`\r${label} done in ${ms} ms${note ? ` (${note})` : ''}${' '.repeat(20)}\n`);
      else if (ms > 1000) process.stderr.write(`${label} done in ${ms} ms${note ? ` (${note})` : ''}\n`);
    },
  };
}
