import { strict as assert } from 'node:assert';
import { parseCfg, SectionReader } from '../../shared/model/darknet-cfg.ts';
import { parseDarknet } from '../../shared/model/darknet.ts';
import { labelsFor } from '../../shared/model/labels.ts';
import { ModelFormatError } from '../../shared/errors.ts';

const NET = '[net]\nheight=32\nwidth=32\nchannels=3\n';
const CONV = '[convolutional]\nfilters=8\nsize=3\nstride=1\npad=1\nactivation=leaky\n';

/** Parse and return the one-line error message (asserting it is a ModelFormatError). */
function failure(text: string, file = 'file.cfg'): string {
  try {
    parseDarknet(text, file);
  } catch (e) {
    assert.ok(e instanceof ModelFormatError, `expected ModelFormatError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'));
    return e.message;
  }
  throw new Error('expected a ModelFormatError');
}

describe('darknet cfg parser', () => {
  it('keeps sections, 1-based lines, comments and spaced key = value lists', () => {
    const text = '# head comment\n[net] # the input\n; another\nwidth = 416\n\n[region]\nanchors =  0.5, 1.25 ,2\nclasses=80 # inline\n';
    const s = parseCfg(text, 'x.cfg');
    assert.deepEqual(s.map((x) => [x.type, x.line]), [['net', 2], ['region', 6]]);
    assert.deepEqual(s[0]!.options.get('width'), { key: 'width', value: '416', line: 4 });
    const r = new SectionReader(s[1]!, 'x.cfg');
    assert.deepEqual(r.nums('anchors'), [0.5, 1.25, 2]);
    assert.equal(r.int('classes'), 80);
    assert.equal(r.int('num', 5), 5);
  });

  it('first occurrence of a key wins, as in Darknet option_find', () => {
    const s = parseCfg('[net]\nwidth=1\nwidth=2\n', 'x.cfg');
    assert.equal(s[0]!.options.get('width')!.value, '1');
  });

  it('reads CRLF files', () => {
    const m = parseDarknet((NET + CONV).replace(/\n/g, '\r\n'), 'crlf.cfg');
    assert.deepEqual(m.nodes[0]!.out, { h: 32, w: 32, c: 8 });
  });
});

describe('darknet cfg errors (exact one-line messages)', () => {
  const cases: [string, string, string][] = [
    ['unknown section', `${NET}${CONV}\n[foo]\nbar=1\n`, 'darknet: file.cfg: line 12: unknown section [foo]'],
    ['non-numeric value', `${NET}[convolutional]\nfilters=abc\n`, 'darknet: file.cfg: line 6: not a number: filters=abc'],
    ['bad number in a list', `${NET}${CONV}[route]\nlayers=-1,x\n`, "darknet: file.cfg: line 12: not a number: 'x' in layers=-1,x"],
    ['missing filters', `${NET}[convolutional]\nsize=3\n`, "darknet: file.cfg: line 5: [convolutional] is missing 'filters'"],
    ['non-integer filters', `${NET}[convolutional]\nfilters=2.5\n`, "darknet: file.cfg: line 6: filters must be an integer but is '2.5'"],
    ['route to a future layer', `${NET}${CONV}[route]\nlayers=3\n`,
      'darknet: file.cfg: line 12: layers refers to layer 3, which is not before layer 1'],
    ['route before the first layer', `${NET}${CONV}[route]\nlayers=-5\n`,
      'darknet: file.cfg: line 12: layers refers to layer -4, before the first layer'],
    ['unsupported activation', `${NET}[convolutional]\nfilters=4\nactivation=elu\n`,
      'darknet: file.cfg: line 7: unsupported activation \'elu\' (supported: linear, leaky, relu, relu6, logistic, tanh, mish, swish)'],
    ['softmax groups', `${NET}[connected]\noutput=4\n[softmax]\ngroups=2\n`,
      'darknet: file.cfg: line 8: softmax groups=2 is not supported (only 1)'],
    ['shortcut shapes', `${NET}${CONV}[maxpool]\nsize=3\nstride=3\n[shortcut]\nfrom=-2\n`,
      'darknet: file.cfg: line 15: shortcut from layer 0 (32x32x8) does not fit layer 1 (11x11x8): height and width must be equal or an integer multiple'],
    ['missing [net]', `${CONV}`, 'darknet: file.cfg: line 1: the first section must be [net]'],
    ['option before any section', 'width=3\n[net]\n', 'darknet: file.cfg: line 1: option before the first section ([net] must come first)'],
    ['line without =', `${NET}${CONV}garbage\n`, "darknet: file.cfg: line 11: expected 'key=value' but got 'garbage'"],
    ['missing input size', '[net]\nchannels=3\n[avgpool]\n', "darknet: file.cfg: line 1: [net] is missing 'height'"],
    ['window larger than the map', `${NET}[maxpool]\nsize=64\nstride=1\npadding=0\n`,
      'darknet: file.cfg: line 5: layer 0 (0 max 64x64/1): geometry: window size=64 stride=1 dilation=1 pad=0+0 does not fit input 32'],
    ['reorg does not divide', `${NET}[convolutional]\nfilters=4\nsize=3\nstride=2\n[reorg]\nstride=2\n`,
      'darknet: file.cfg: line 9: layer 1 (1 reorg /2): reorg stride 2 does not divide input 15x15x4'],
    ['region channel count', `${NET}${CONV}[region]\nanchors=1,1\nclasses=2\nnum=1\n`,
      'darknet: file.cfg: line 11: layer 1 (1 region): region needs num*(coords+1+classes) = 7 channels, input has 8'],
    ['crop larger than input', `${NET}[crop]\ncrop_height=40\ncrop_width=20\n`,
      'darknet: file.cfg: line 5: layer 0 (0 crop 40x20): crop 40x20x3 at (-4, 6) does not fit input 32x32x3'],
    ['no layers', NET, 'darknet: file.cfg: no layers after [net]'],
  ];
  for (const [what, text, message] of cases) {
    it(what, () => assert.equal(failure(text), message));
  }
});

describe('darknet layer semantics', () => {
  it('crop centres and maps x to 2x-1 unless noadjust', () => {
    const m = parseDarknet(`${NET}[crop]\ncrop_height=27\ncrop_width=24\n[crop]\ncrop_height=20\ncrop_width=20\nnoadjust=1\n`, 'c.cfg');
    assert.deepEqual(m.nodes.map((n) => n.kind === 'crop' && [n.top, n.left, n.scale, n.shift, n.out.h, n.out.w]),
      [[2, 4, 2, -1, 27, 24], [3, 2, 1, 0, 20, 20]]);
  });

  it('single-input route is a one-input concat; dropout is identity; yolo heads are all outputs', () => {
    const text = `${NET}${CONV}[dropout]\nprobability=.5\n[route]\nlayers=-2\n[convolutional]\nfilters=18\nactivation=linear\n` +
      '[yolo]\nmask=0,1,2\nanchors=1,1,2,2,3,3,4,4\nnum=4\nclasses=1\n[route]\nlayers=0\n[upsample]\nstride=2\n' +
      '[convolutional]\nfilters=12\nactivation=linear\n[yolo]\nmask=3\nanchors=1,1,2,2,3,3,4,4\nnum=4\nclasses=7\n';
    const m = parseDarknet(text, 'y.cfg');
    assert.deepEqual(m.nodes.map((n) => n.kind), ['conv2d', 'identity', 'concat', 'conv2d', 'yolo', 'concat', 'upsample', 'conv2d', 'yolo']);
    assert.deepEqual(m.nodes[2]!.inputs, [0]);
    assert.deepEqual(m.nodes[6]!.out, { h: 64, w: 64, c: 8 });
    assert.equal(m.head, 'yolo');
    assert.deepEqual(m.outputs, [4, 8]);
    assert.equal(m.preprocess.resize, 'letterbox');
    assert.equal(m.labels, undefined);
  });

  it('route groups keep one channel group of a single input', () => {
    const m = parseDarknet(`${NET}${CONV}[route]\nlayers=-1\ngroups=2\ngroup_id=1\n`, 'g.cfg');
    const r = m.nodes[1]!;
    assert.ok(r.kind === 'concat' && r.groups === 2 && r.groupId === 1 && r.out.c === 4);
  });

  it('inputSize overrides [net] and conv defaults follow Darknet (activation logistic, no padding)', () => {
    const m = parseDarknet(`${NET}[convolutional]\nfilters=4\nsize=3\n`, 'd.cfg', { inputSize: { h: 20, w: 10 } });
    const c = m.nodes[0]!;
    assert.ok(c.kind === 'conv2d' && c.activation === 'logistic' && c.pad.top === 0);
    assert.deepEqual(c.out, { h: 18, w: 8, c: 4 });
    assert.equal(m.head, 'none');
    assert.equal(m.preprocess.resize, 'stretch');
  });
});

describe('labels', () => {
  it('by class count: coco, voc, first 1000 imagenet short names', () => {
    assert.equal(labelsFor(80)![0], 'person');
    assert.equal(labelsFor(80)!.length, 80);
    assert.equal(labelsFor(20)![0], 'aeroplane');
    const imagenet = labelsFor(1000)!;
    assert.equal(imagenet.length, 1000);
    assert.equal(imagenet[0], 'kit fox');
    assert.equal(labelsFor(7), undefined);
  });
});
