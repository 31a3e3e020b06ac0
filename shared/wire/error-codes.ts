/**
 * The codes of `<c>/errors` (DESIGN.md "The plan document": a worker that cannot honour its part
 * says so; the planner reports what it cannot plan). One union, so a new code is added here, with
 * its meaning, and in the README's "Error codes" table (test/unit/topics.test.ts checks both agree).
 */
export const ERROR_CODES = {
  'no-plan': 'planner: a camera frame arrived while no plan exists (no worker online yet); the frame is dropped',
  'plan-failed': 'planner: planning failed (infeasible for the online workers); worker: adopting the plan threw',
  'bad-plan': 'worker: the retained plan is empty, not JSON, or its version or structure is not understood; the worker keeps its current plan',
  'plan-refused': 'worker: the plan is for another model hash, names a model file (plans name models, never paths), or this worker cannot hold its part (memory)',
  'worker-silent': 'planner: a planned worker did not adopt the plan in time (phantom or stuck); it is left out of the next plan until it reports stats',
  'not-ready': 'worker (data source): a frame arrived while the plan is still loading; the frame is dropped',
  'frame-too-large': "worker (data source): a frame exceeds its camera's maxFrameBytes; dropped and counted",
  'bad-frame': 'worker (data source): a frame could not be decoded (not JPEG, PNG or raw of the right size)',
  'frame-skipped': 'worker (data source): a camera sends faster than the cluster runs: a waiting frame was replaced by a newer one (latest frame wins, --queue frames deep)',
  'frame-dropped': 'worker (data source): a frame in flight could not be re-run after a fault (its input left the retained window, this worker is no longer the data source, or the broker connection was lost), or too many frames waited for admission, or it waited at a re-plan; planner: a frame lost with a dead data source',
  'bad-piece': 'worker: a data piece could not be decoded or reassembled from its chunks',
  'publish-failed': 'worker: publishing a data piece to the broker failed (the message names the topic)',
  'task-failed': 'worker: a task threw while running a frame (shape mismatch, missing input)',
  deadline: 'worker (data source): a frame missed its deadline (one error per frame); the message names the pieces still missing',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
