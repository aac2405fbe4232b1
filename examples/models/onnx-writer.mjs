// A minimal ONNX writer: just enough protocol-buffer encoding to serialise a feed-forward
// graph (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).
// Field numbers are those of onnx/onnx.proto. No dependency.

// ---- protobuf wire format ----

class Writer {
  constructor() {
    this.chunks = [];
    this.length = 0;
  }
  bytes(u8) {
    this.chunks.push(u8);
    this.length += u8.length;
  }
  varint(value) {
    // value: a non-negative integer below 2^53, or a BigInt (int64, two's complement).
    let v = BigInt.asUintN(64, BigInt(value));
    const out = [];
    do {
      let b = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) b |= 0x80;
      out.push(b);
    } while (v !== 0n);
    this.bytes(Uint8Array.from(out));
  }
  tag(field, wireType) {
    this.varint(field * 8 + wireType);
  }
  int(field, value) {
    this.tag(field, 0);
    this.varint(value);
  }
  lengthDelimited(field, u8) {
    this.tag(field, 2);
    this.varint(u8.length);
    this.bytes(u8);
  }
  string(field, s) {
    this.lengthDelimited(field, new TextEncoder().encode(s));
  }
  message(field, writer) {
    this.lengthDelimited(field, writer.finish());
  }
  finish() {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

// ---- ONNX messages ----

export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, BFLOAT16: 16 };
const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 };

/** TensorProto: name, dims, data_type and raw_data (little-endian bytes). */
function tensorProto({ name, dims, dataType, data }) {
  const w = new Writer();
  for (const d of dims) w.int(1, d); // dims
  w.int(2, dataType); // data_type
  w.string(8, name); // name
  let raw;
  if (dataType === DataType.FLOAT) {
    const f = Float32Array.from(data);
    raw = new Uint8Array(f.byteLength);
    const dv = new DataView(raw.buffer);
    f.forEach((x, i) => dv.setFloat32(4 * i, x, true));
  } else if (dataType === DataType.INT64) {
    raw = new Uint8Array(8 * data.length);
    const dv = new DataView(raw.buffer);
    data.forEach((x, i) => dv.setBigInt64(8 * i, BigInt(x), true));
  } else if (dataType === DataType.INT32) {
    raw = new Uint8Array(4 * data.length);
    const dv = new DataView(raw.buffer);
    data.forEach((x, i) => dv.setInt32(4 * i, x, true));
  } else if (dataType === DataType.FLOAT16 || dataType === DataType.BFLOAT16) {
    raw = new Uint8Array(2 * data.length); // data: the 16-bit patterns
    const dv = new DataView(raw.buffer);
    data.forEach((x, i) => dv.setUint16(2 * i, x, true));
  } else throw new Error(`unsupported data type ${dataType}`);
  w.lengthDelimited(9, raw); // raw_data
  return w;
}

/** ValueInfoProto for a tensor: dims are numbers or strings (symbolic). */
function valueInfo({ name, elemType, dims }) {
  const shape = new Writer();
  for (const d of dims) {
    const dim = new Writer();
    if (typeof d === 'string')
      dim.string(2, d); // dim_param
    else dim.int(1, d); // dim_value
    shape.message(1, dim); // TensorShapeProto.dim
  }
  const tensorType = new Writer();
  tensorType.int(1, elemType); // elem_type
  tensorType.message(2, shape); // shape
  const type = new Writer();
  type.message(1, tensorType); // TypeProto.tensor_type
  const w = new Writer();
  w.string(1, name);
  w.message(2, type);
  return w;
}

function attribute(name, value) {
  const w = new Writer();
  w.string(1, name);
  if (Array.isArray(value)) {
    for (const v of value) w.int(8, v); // ints
    w.int(20, AttributeType.INTS);
  } else if (Number.isInteger(value)) {
    w.int(3, value); // i
    w.int(20, AttributeType.INT);
  } else throw new Error(`unsupported attribute ${name}`);
  return w;
}

function nodeProto({ opType, inputs, outputs, name, attributes = {} }) {
  const w = new Writer();
  for (const i of inputs) w.string(1, i);
  for (const o of outputs) w.string(2, o);
  w.string(3, name || outputs[0]);
  w.string(4, opType);
  for (const [k, v] of Object.entries(attributes)) w.message(5, attribute(k, v));
  return w;
}

/**
 * Serialise a model. graph = { name, nodes: [{opType, inputs, outputs, attributes}],
 * initializers: [{name, dims, dataType, data}], inputs: [{name, elemType, dims}],
 * outputs: [...] }. Returns the .onnx file's bytes.
 */
export function writeOnnxModel({
  graph,
  opset = 13,
  irVersion = 8,
  producer = 'distribution-coder examples',
  docString,
}) {
  const g = new Writer();
  for (const n of graph.nodes) g.message(1, nodeProto(n)); // node
  g.string(2, graph.name); // name
  for (const t of graph.initializers) g.message(5, tensorProto(t)); // initializer
  for (const v of graph.inputs) g.message(11, valueInfo(v)); // input
  for (const v of graph.outputs) g.message(12, valueInfo(v)); // output
  const m = new Writer();
  m.int(1, irVersion); // ir_version
  m.string(2, producer); // producer_name
  if (docString) m.string(6, docString); // doc_string
  m.message(7, g); // graph
  const opsetId = new Writer();
  opsetId.string(1, ''); // domain: the default ONNX operator set
  opsetId.int(2, opset); // version
  m.message(8, opsetId); // opset_import
  return m.finish();
}
