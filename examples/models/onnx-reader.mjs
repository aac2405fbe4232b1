// Reads the weights (graph initializers) of an ONNX file written by onnx-writer.mjs: a minimal
// protobuf reader, no dependency. Only what byte-mlp.onnx holds: FLOAT, INT32 and INT64
// tensors stored as raw_data (little-endian). Used to run the same network elsewhere (the
// float16 measurement of bench/cross-runtime.mjs; a PyTorch script could do the same).

const FLOAT = 1;
const INT32 = 6;
const INT64 = 7;

/** Iterates the fields of a protobuf message: yields { field, wire, value }. */
function* fields(u8) {
  let pos = 0;
  const varint = () => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= u8.length) throw new Error('ONNX file truncated inside a varint');
      const b = u8[pos++];
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (pos < u8.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { field, wire, value: varint() };
    else if (wire === 2) {
      const n = Number(varint());
      if (pos + n > u8.length) throw new Error('ONNX file truncated inside a field');
      yield { field, wire, value: u8.subarray(pos, pos + n) };
      pos += n;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported protobuf wire type ${wire}`);
  }
}

function readTensor(u8) {
  const dims = [];
  let dataType = 0;
  let name = '';
  let raw = null;
  for (const { field, wire, value } of fields(u8)) {
    if (field === 1 && wire === 0) dims.push(Number(value));
    else if (field === 1 && wire === 2)
      for (const d of fields(packedAsFields(value))) dims.push(Number(d.value));
    else if (field === 2) dataType = Number(value);
    else if (field === 8) name = new TextDecoder().decode(value);
    else if (field === 9) raw = value;
  }
  if (raw === null) throw new Error(`tensor ${name}: only raw_data is supported`);
  const copy = new Uint8Array(raw); // a copy: aligned, and not a Buffer view of a pool
  let data;
  if (dataType === FLOAT) data = new Float32Array(copy.buffer);
  else if (dataType === INT32) data = new Int32Array(copy.buffer);
  else if (dataType === INT64) data = new BigInt64Array(copy.buffer);
  else throw new Error(`tensor ${name}: unsupported data type ${dataType}`);
  return { name, dims, data };
}

/** Packed varints as a sequence of field-1 varints, so fields() can read them. */
function packedAsFields(u8) {
  const out = [];
  for (let i = 0; i < u8.length; i++) {
    if (i === 0 || u8[i - 1] < 0x80) out.push(0x08); // key: field 1, varint
    out.push(u8[i]);
  }
  return Uint8Array.from(out);
}

/** The initializers of an ONNX model: { name: { dims, data } }. */
export function readOnnxWeights(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const out = {};
  for (const m of fields(u8)) {
    if (m.field !== 7 || m.wire !== 2) continue; // ModelProto.graph
    for (const g of fields(m.value)) {
      if (g.field !== 5 || g.wire !== 2) continue; // GraphProto.initializer
      const t = readTensor(g.value);
      out[t.name] = { dims: t.dims, data: t.data };
    }
  }
  return out;
}
