/**
 * The subset of onnx.proto (github.com/onnx/onnx, onnx/onnx.proto, IR version 8) this exporter
 * writes, as a protobufjs JSON descriptor: field numbers and types are the schema's own, so the
 * bytes are a valid ModelProto for any ONNX reader.
 */
import protobuf from 'protobufjs';

const rep = 'repeated' as const;

const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 }, f: { type: 'float', id: 2 }, i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 }, t: { type: 'TensorProto', id: 5 },
            floats: { rule: rep, type: 'float', id: 7 }, ints: { rule: rep, type: 'int64', id: 8 },
            type: { type: 'int32', id: 20 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 } } },
        NodeProto: {
          fields: {
            input: { rule: rep, type: 'string', id: 1 }, output: { rule: rep, type: 'string', id: 2 },
            name: { type: 'string', id: 3 }, opType: { type: 'string', id: 4 },
            attribute: { rule: rep, type: 'AttributeProto', id: 5 }, domain: { type: 'string', id: 7 },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 }, producerName: { type: 'string', id: 2 },
            graph: { type: 'GraphProto', id: 7 }, opsetImport: { rule: rep, type: 'OperatorSetIdProto', id: 8 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: rep, type: 'NodeProto', id: 1 }, name: { type: 'string', id: 2 },
            initializer: { rule: rep, type: 'TensorProto', id: 5 },
            input: { rule: rep, type: 'ValueInfoProto', id: 11 }, output: { rule: rep, type: 'ValueInfoProto', id: 12 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: rep, type: 'int64', id: 1 }, dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 }, rawData: { type: 'bytes', id: 9 },
          },
        },
        TensorShapeProto: {
          fields: { dim: { rule: rep, type: 'Dimension', id: 1 } },
          nested: { Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } } },
        },
        TypeProto: {
          fields: { tensorType: { type: 'Tensor', id: 1 } },
          nested: { Tensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } } },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** onnx.TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7 } as const;
/** onnx.AttributeProto.AttributeType values used here. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export const ModelProto = root.lookupType('onnx.ModelProto');
