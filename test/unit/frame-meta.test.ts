/** Predictions' latency per stage kind (issue 10 #11): a few entries, not one per plan stage. */
import { strict as assert } from 'node:assert';
import { groupedLatencies, stageGroup } from '../../worker/tasks/frame-meta.ts';

describe('latency per stage kind', () => {
  it('tail kinds are one; head gets the rest of the total', () => {
    assert.deepEqual(['ingest', 'ftp', 'lop', 'lip', 'fuse', 'seq', 'local', 'reduce', 'head'].map(stageGroup),
      ['ingest', 'ftp', 'tail', 'tail', 'tail', 'tail', 'tail', 'tail', 'head']);
    const kinds = new Map([['in', 'ingest'], ['ftp', 'ftp'], ['L10', 'lop'], ['L11', 'local'], ['R13', 'reduce'], ['L14', 'fuse']]);
    const detail = [{ stage: 'in', ms: 5 }, { stage: 'ftp', ms: 40 }, { stage: 'L10', ms: 10 }, { stage: 'L11', ms: 2.5 }, { stage: 'R13', ms: 7 }, { stage: 'L14', ms: 3 }];
    assert.deepEqual(groupedLatencies(detail, kinds, 80), [
      { stage: 'ingest', ms: 5 }, { stage: 'ftp', ms: 40 }, { stage: 'tail', ms: 22.5 }, { stage: 'head', ms: 12.5 },
    ]);
  });
});
