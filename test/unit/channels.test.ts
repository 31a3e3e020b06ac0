import { strict as assert } from 'node:assert';
import { apportion, channelRanges } from '../../shared/partition/channels.ts';

const sizes = (rs: { c0: number; c1: number }[]): number[] => rs.map((r) => r.c1 - r.c0);

describe('channels: ranges (PAPER §3.2)', () => {
  const table: Array<[string, number, number | number[], boolean, number[]]> = [
    ['balanced C=512 N=6', 512, 6, false, [86, 86, 85, 85, 85, 85]],
    ['balanced C=1024 N=4', 1024, 4, false, [256, 256, 256, 256]],
    ['balanced C=4 N=4', 4, 4, false, [1, 1, 1, 1]],
    ['paper C=512 N=6 (last takes the remainder)', 512, 6, true, [85, 85, 85, 85, 85, 87]],
    ['paper C=425 N=6', 425, 6, true, [70, 70, 70, 70, 70, 75]],
    ['weights C=8 w=[2,1,1]', 8, [2, 1, 1], false, [4, 2, 2]],
    ['weights C=10 w=[1,2] (largest remainder)', 10, [1, 2], false, [3, 7]],
    ['weights C=3 w=[100,1,1] (each at least 1)', 3, [100, 1, 1], false, [1, 1, 1]],
    ['weights C=5 w=[0.5,0.25,0.25]', 5, [0.5, 0.25, 0.25], false, [3, 1, 1]],
  ];
  for (const [name, total, shares, paper, want] of table) {
    it(name, () => {
      const rs = channelRanges(total, shares, { paper });
      assert.deepEqual(sizes(rs), want);
      assert.equal(rs[0].c0, 0);
      rs.forEach((r, i) => i > 0 && assert.equal(r.c0, rs[i - 1].c1));
      assert.equal(rs[rs.length - 1].c1, total);
    });
  }

  it('property: apportion sums to the total, every part ≥ 1, within one of its quota when no part is forced up', () => {
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) % 1000) / 100 + 0.01;
    for (let t = 0; t < 2000; t++) {
      const n = 1 + (t % 7), total = n + (t % 53), w = Array.from({ length: n }, rnd);
      const got = apportion(total, w);
      assert.equal(got.reduce((a, b) => a + b, 0), total);
      assert.ok(got.every((g) => g >= 1));
      const sum = w.reduce((a, b) => a + b, 0);
      if (w.every((x) => (total * x) / sum >= 1)) got.forEach((g, i) => assert.ok(Math.abs(g - (total * w[i]) / sum) < 1, `t=${t}`));
    }
  });

  it('errors name the counts', () => {
    assert.throws(() => channelRanges(3, 4), /^Error: channels: cannot split 3 channels into 4 ranges$/);
    assert.throws(() => channelRanges(3, [1, 1, 1, 1]), /channels: cannot split 3 channels into 4 ranges/);
    assert.throws(() => channelRanges(8, [2, 1], { paper: true }), /channels: the paper rule splits equally; got weights \[2,1\]/);
    assert.throws(() => channelRanges(8, [2, -1]), /weights must be positive, got \[2, -1\]/);
    assert.throws(() => channelRanges(8, 0), /channels: need at least one range, got 0/);
  });
});
